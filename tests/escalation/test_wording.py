"""The safety wording: the right words for the risk, honest about who is coming, short,
person-first and readable by anyone holding the phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation import triage, wording
from escalation.escalate import Policy
from escalation.wording import Paged, ReplyKind
from messaging import segments

POLICY = Policy()
NOT_PERSON_FIRST = ("addict", "abuse", "clean", "dirty", "junkie", "user")
REVEALING = ("methadone", "suboxone", "buprenorphine", "clinic", "opioid", "heroin", "rehab")


def reply(kind: ReplyKind, paged: Paged, emergency: bool = False) -> str:
    return wording.DEFAULT.safety_reply(
        kind,
        paged,
        emergency=emergency,
        minutes=POLICY.urgent_response_minutes,
        never_use_alone=POLICY.never_use_alone,
    )


ALL = [(kind, paged) for kind in ReplyKind for paged in Paged]


@pytest.mark.parametrize(("kind", "paged"), ALL)
def test_every_reply_is_short_plain_and_person_first(kind: ReplyKind, paged: Paged) -> None:
    text = reply(kind, paged)
    count = segments.count(text)
    assert count.encoding == "GSM-7", "no emoji or curly quotes: one segment holds 153 chars"
    assert count.segments <= 2, f"{kind}/{paged} is {count.segments} texts"
    words = text.lower().replace(".", " ").replace(",", " ").split()
    assert not set(words) & set(NOT_PERSON_FIRST)
    assert not [w for w in REVEALING if w in text.lower()], "nothing that reveals treatment"
    assert "{" not in text and "}" not in text


@pytest.mark.parametrize("kind", list(ReplyKind))
def test_who_is_coming_is_only_promised_when_someone_was_paged(kind: ReplyKind) -> None:
    assert "alerted right now" in reply(kind, Paged.PEERS, emergency=True)
    assert "reach out within 15 minutes" in reply(kind, Paged.PEERS)
    on_call = reply(kind, Paged.ON_CALL)
    assert "on-call person has been paged" in on_call and "peer will" not in on_call
    nobody = reply(kind, Paged.NOBODY)
    for promise in ("alerted", "paged", "reach out", "will"):
        assert promise not in nobody, f"nobody was paged, yet the {kind} reply says {promise!r}"
    assert "988" in nobody or "911" in nobody


@pytest.mark.parametrize(
    ("text", "kind", "musts"),
    [
        (
            "hes not breathing and turning blue",
            ReplyKind.OVERDOSE,
            ("Call 911 now", "naloxone", "rescue breaths"),
        ),
        (
            "i cant do this anymore, i have the pills right here",
            ReplyKind.SUICIDE_NOW,
            ("988", "Put distance between you"),
        ),
        (
            "been thinking about killing myself",
            ReplyKind.SUICIDE,
            ("988", "put distance between you"),
        ),
        (
            "got out of county yesterday, gonna use tonight by myself",
            ReplyKind.ALONE,
            ("don't use alone", "Never Use Alone: 800-484-3731", "start small"),
        ),
        (
            "the stuff going around is fent, test strip lit up",
            ReplyKind.BAD_BATCH,
            ("much stronger", "start very small", "naloxone"),
        ),
        ("i relapsed last night", ReplyKind.USE, ("no judgement", "don't use alone")),
        (
            "i overdosed last night but im ok now",
            ReplyKind.AFTER_OVERDOSE,
            ("glad you're here", "don't use alone"),
        ),
    ],
)
def test_the_reply_fits_what_was_said(text: str, kind: ReplyKind, musts: tuple[str, ...]) -> None:
    decision = triage.decide(text)
    chosen = wording.reply_kind([r.code for r in decision.reasons])
    assert chosen == kind
    body = reply(chosen, Paged.PEERS, emergency=decision.level.name == "EMERGENCY")
    for must in musts:
        assert must in body


def test_suicide_wording_wins_over_use_wording_and_988_comes_before_911() -> None:
    assert wording.reply_kind(["return_to_use", "suicidal_thoughts"]) == ReplyKind.SUICIDE
    assert wording.reply_kind(["using_alone", "overdose_now"]) == ReplyKind.OVERDOSE
    assert wording.reply_kind(["learned"]) == ReplyKind.GENERAL
    for kind in (ReplyKind.SUICIDE, ReplyKind.SUICIDE_NOW):
        text = reply(kind, Paged.PEERS)
        assert text.index("988") < text.index("911")
        assert "naloxone" not in text.lower()


def test_a_program_may_use_its_own_reviewed_copy_and_a_broken_one_is_refused(
    tmp_path: Path,
) -> None:
    own = tmp_path / "texts.toml"
    source = wording.TEXTS_PATH.read_text(encoding="utf-8")
    own.write_text(source.replace("A peer is being alerted", "Our team is alerted"), "utf-8")
    assert "Our team is alerted" in wording.load(own).human["emergency_paged"]
    broken = tmp_path / "broken.toml"
    broken.write_text(source.split("[human]")[0], "utf-8")
    with pytest.raises(wording.WordingError, match=r"broken\.toml"):
        wording.load(broken)


def test_pages_carry_no_personal_details() -> None:
    page = wording.DEFAULT.page("Peerline", "emergency", 42)
    assert page == "Peerline: Emergency case #42 is waiting. Open the peer console."
    repage = wording.DEFAULT.repage("Peerline", "urgent", 7, 12)
    assert "#7" in repage and "12 min" in repage
