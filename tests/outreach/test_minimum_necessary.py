"""Unprompted texts land on lock screens that others read: by default they never say what
the program treats. These tests read the assistant's own templates, so a new wording that
names a drug, dosing, a clinic or a diagnosis fails here before it reaches a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from records.settings import Settings

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain.yml"
# What the scheduler sends without being asked (outreach.scheduler's EXTERNAL_* intents).
UNPROMPTED = (
    "utter_checkin_intro",
    "utter_checkin_resume",
    "utter_appointment_nudge",
    "utter_missed_appointment",
    "utter_medication_nudge",
    "utter_reengage",
)
REVEALING = re.compile(
    r"\b(methadone|suboxone|subutex|buprenorphine|bupe|naltrexone|vivitrol|sublocade|"
    r"opioids?|opiates?|dos(e|es|ing)|clinic|treatment|addiction|moud|oud|overdose|drugs?|"
    r"rehab|detox|withdrawal|recovery|substance)\b",
    re.IGNORECASE,
)


def templates() -> dict[str, list[str]]:
    responses = yaml.safe_load(DOMAIN.read_text())["responses"]
    return {name: [variant["text"] for variant in responses[name]] for name in UNPROMPTED}


@pytest.mark.parametrize("name", UNPROMPTED)
def test_unprompted_templates_reveal_nothing_on_a_lock_screen(name: str) -> None:
    for text in templates()[name]:
        assert not REVEALING.search(text), f"{name} says too much: {text!r}"


def test_the_auditor_catches_a_revealing_wording() -> None:
    assert REVEALING.search("Reminder: your dosing visit is tomorrow")
    assert REVEALING.search("Time for your Suboxone")
    assert not REVEALING.search("Reminder: your appointment is tomorrow at 3:00 PM")


def test_an_unknown_template_cannot_be_opted_in() -> None:
    with pytest.raises(ValidationError, match="unknown templates"):
        Settings(outreach_named_templates="utter_everything")
    assert Settings(outreach_named_templates=" appointment_nudge ,").outreach_named_templates == (
        "appointment_nudge"
    )
