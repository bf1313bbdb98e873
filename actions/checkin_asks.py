"""How the check-in asks its questions: once, again only when an answer couldn't be read,
and after digressions (who is this, when is my appointment, small talk) resumed once, then
an offer to finish later instead of the same question again. "I already told you" skips
ahead with an apology."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    CHECKIN_FORM,
    RISK_INTENTS,
    SKIPPED,
    latest_intent,
    latest_text,
    payload,
)

# Intents answered inside a check-in, after which the form goes on (data/rules.yml).
DIGRESSIONS = frozenset(
    {
        "greet",
        "thank",
        "bot_challenge",
        "ask_program",
        "ask_privacy",
        "ask_next_appointment",
        "ask_naloxone",
        "ask_test_strips",
        "ask_appointment_time",
        "ask_appointment_location",
        "confirm_appointment",
        "cant_make_appointment",
        "reschedule_appointment",
        "cancel_appointment",
        "share_good_news",
    }
)
# Small talk is read as a possible answer first (a free-text answer may look like it);
# when it is not one, it counts as a digression.
SMALL_TALK = frozenset({"out_of_scope"})
# Intents that are never an answer to a check-in question: the form rejects, a rule
# answers them (and the form resumes, or ends for defer/goodbye/risk/peer/outreach).
INTERRUPTIONS = DIGRESSIONS | frozenset(
    {
        "goodbye",
        "ask_how_to_stop",
        "request_peer",
        "start_checkin",
        "defer_checkin",
        "already_told",
        "EXTERNAL_checkin",
        "EXTERNAL_appointment_nudge",
        "EXTERNAL_missed_appointment",
        "EXTERNAL_medication_nudge",
        "EXTERNAL_reengage",
        "EXTERNAL_handback",
        *RISK_INTENTS,
    }
)
# A milestone ("30 days clean today", "6 months sober") is celebrated before any question,
# even when the classifier read it as check-in information.
MILESTONE = re.compile(
    r"\b\d+\s*(?:days?|weeks?|wks?|months?|years?|yrs?)\b[^.?!]*\b(?:clean|sober|today|no use)\b"
    r"|\b(?:clean|sober)\s+(?:for\s+)?\d+\s*(?:days?|weeks?|months?|years?)\b"
)
# After this many digressions in one check-in, offer to finish later instead of re-asking.
OFFER_LATER_AFTER = 2


def _retrying(tracker: Tracker, slot: str) -> bool:
    """True when the form asks `slot` again because the last answer couldn't be read."""
    if latest_intent(tracker) in INTERRUPTIONS:
        return False
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return False
    before = [
        e
        for e in events[:last_user]
        if e.get("event") == "slot" and e.get("name") == "requested_slot"
    ]
    return bool(before) and before[-1].get("value") == slot


class AskAction(Action):
    """Asks one check-in question, minding digressions (see the module docstring)."""

    slot = ""
    question = ""
    again: str | None = None

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        if intent != "share_good_news" and MILESTONE.search(latest_text(tracker).lower()):
            dispatcher.utter_message(response="utter_good_news")
        retry = _retrying(tracker, self.slot)
        small_talk = retry and intent in SMALL_TALK and self.slot in ("mood", "craving")
        if intent not in DIGRESSIONS and not small_talk:
            self.ask(dispatcher, tracker, retry=retry)
            return []
        count = int(tracker.get_slot("checkin_digressions") or 0) + 1
        if count >= OFFER_LATER_AFTER:
            dispatcher.utter_message(response="utter_checkin_finish_later")
        else:
            if small_talk:
                dispatcher.utter_message(response="utter_checkin_smalltalk")
            self.ask(dispatcher, tracker, retry=False)
        return [SlotSet("checkin_digressions", float(count))]

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, retry: bool) -> None:
        dispatcher.utter_message(response=self.again if retry and self.again else self.question)


class ActionAskMood(AskAction):
    slot, question, again = "mood", "utter_ask_mood", "utter_ask_mood_again"


class ActionAskCraving(AskAction):
    slot, question, again = "craving", "utter_ask_craving", "utter_ask_craving_again"


class ActionAskUse(AskAction):
    """Also tells the gateway's safety screen that a following 'yes' is a disclosure."""

    slot, question = "use", "utter_ask_use"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, retry: bool) -> None:
        payload(dispatcher, "context", asked="use")
        super().ask(dispatcher, tracker, retry)


class ActionAskMedication(AskAction):
    slot, question = "medication", "utter_ask_medication"


class ActionAskBarriers(AskAction):
    slot, question = "barriers", "utter_ask_barriers"


class ActionAskWantsPeer(AskAction):
    slot, question = "wants_peer", "utter_ask_wants_peer"


class ActionAlreadyTold(Action):
    """'I already told you': apologise; inside a check-in, skip the question asked."""

    def name(self) -> str:
        return "action_already_told"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asked = tracker.get_slot("requested_slot")
        if (tracker.active_loop or {}).get("name") != CHECKIN_FORM or not asked:
            dispatcher.utter_message(response="utter_already_told")
            return []
        dispatcher.utter_message(response="utter_already_told_sorry")
        value: Any = [SKIPPED] if asked == "barriers" else SKIPPED
        if tracker.get_slot(asked) is not None:
            return []
        return [SlotSet(asked, value)]
