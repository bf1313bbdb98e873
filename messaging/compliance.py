"""Carrier compliance words (CTIA), recognised before any NLU ever sees the text."""

from __future__ import annotations

import re
from enum import StrEnum

from records.settings import Settings


class Keyword(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


OPT_OUT_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
OPT_IN_WORDS = {"start", "unstop"}
OPT_IN_WHEN_OPTED_OUT = {"yes"}  # "yes" is an ordinary answer unless the person opted out
HELP_WORDS = {"help", "info"}

_NOT_WORD = re.compile(r"[^a-z]+")


def keyword(body: str, opted_out: bool) -> Keyword | None:
    """The compliance keyword the whole message amounts to, if any.

    Like carriers, we match the message as a whole ("STOP", " stop! ", "Opt out"), not a
    word inside a sentence: "stop texting me" reaches the engine, which explains how to stop.
    """
    word = _NOT_WORD.sub("", body.lower())
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return Keyword.OPT_IN
    if word in HELP_WORDS:
        return Keyword.HELP
    return None


def opt_out_reply(settings: Settings) -> str:
    return (
        f"{settings.program_name}: you're unsubscribed and will get no more texts. "
        "Reply START to resubscribe. In a crisis, call or text 988."
    )


def opt_in_reply(settings: Settings) -> str:
    return (
        f"{settings.program_name}: you're subscribed again. {settings.message_frequency}. "
        "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
    )


def help_reply(settings: Settings) -> str:
    return (
        f"{settings.program_name} peer check-ins. Help: {settings.support_contact}. "
        f"{settings.message_frequency}. Msg & data rates may apply. Reply STOP to opt out. "
        "In a crisis, call or text 988."
    )


def unknown_sender_reply(settings: Settings) -> str:
    return (
        f"This is {settings.program_name}. We don't have this number on file. For help call "
        f"{settings.support_contact}. In a crisis, call or text 988."
    )


def media_reply() -> str:
    return "Sorry, I can't open pictures or files here. Could you send that as a text?"
