"""The day a participant asks to move an appointment to ("next week", "friday", "the
12th", "dec 8", "el lunes"), read with dateparser around phrases we find ourselves:
dateparser alone misses "next friday" and reads "the 12th" as a month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import dateparser

WEEKDAYS = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:s|nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?"
    r"|sun(?:day)?|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo"
)
MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
WEEK_PHRASE = re.compile(
    r"\b(next week|following week|week after next|(?:a|one|1) week (?:later|out)"
    r"|back a week|in (?:a|one|two|three|1|2|3) weeks?|next month|la pr[oó]xima semana)\b"
)
DAY_PHRASE = re.compile(rf"\b(?:(next|this|coming|el)\s+)?({WEEKDAYS})\b")
MONTH_DAY = re.compile(
    rf"\b(?:({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})/(\d{{1,2}}))\b"
)
DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b")
TOMORROW = re.compile(r"\b(tomorrow|tmrw|tmr|ma[nñ]ana)\b")
SETTINGS: dict[str, Any] = {"PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False}


@dataclass(frozen=True)
class RequestedDay:
    day: date
    week: bool  # "next week": the team picks the day in that week

    def label(self) -> str:
        text = f"{self.day:%a %b} {self.day.day}"
        return f"the week of {text}" if self.week else text


def requested_day(text: str, now: datetime) -> RequestedDay | None:
    """The day (or week) asked for, strictly after `now`'s date; None if none is named."""
    lowered = " ".join(text.lower().split())
    base = now.replace(tzinfo=None)
    for reader in (_week, _weekday, _month_day, _day_of_month, _tomorrow):
        found = reader(lowered, base)
        if found is not None and found.day > base.date():
            return found
    return None


def _parse(phrase: str, base: datetime) -> date | None:
    settings = {**SETTINGS, "RELATIVE_BASE": base}
    parsed = dateparser.parse(phrase, settings=settings, languages=["en", "es"])
    return parsed.date() if parsed else None


def _week(text: str, base: datetime) -> RequestedDay | None:
    match = WEEK_PHRASE.search(text)
    if not match:
        return None
    phrase = match.group(1)
    weeks = 2 if ("two" in phrase or "2" in phrase or "after next" in phrase) else 1
    weeks = 3 if ("three" in phrase or "3" in phrase) else weeks
    if "month" in phrase:
        day = _parse("in 1 month", base)
        return RequestedDay(day, week=True) if day else None
    monday = base.date() - timedelta(days=base.weekday()) + timedelta(weeks=weeks)
    return RequestedDay(monday, week=True)


def _weekday(text: str, base: datetime) -> RequestedDay | None:
    match = DAY_PHRASE.search(text)
    if not match:
        return None
    day = _parse(match.group(2), base)
    if day is None:
        return None
    if day <= base.date():
        day += timedelta(weeks=1)
    if match.group(1) == "next" and (day - base.date()).days < 7 and base.weekday() >= 4:
        day += timedelta(weeks=1)  # "next monday" said on a friday: the one after this weekend
    return RequestedDay(day, week=False)


def _month_day(text: str, base: datetime) -> RequestedDay | None:
    match = MONTH_DAY.search(text)
    if not match:
        return None
    phrase = f"{match.group(1)} {match.group(2)}" if match.group(1) else match.group(0)
    day = _parse(phrase, base)
    return RequestedDay(day, week=False) if day else None


def _day_of_month(text: str, base: datetime) -> RequestedDay | None:
    match = DAY_OF_MONTH.search(text)
    if not match or not 1 <= int(match.group(1)) <= 31:
        return None
    wanted, year, month = int(match.group(1)), base.year, base.month
    for _ in range(3):  # this month if still ahead, else the next month that has the day
        try:
            day = date(year, month, wanted)
        except ValueError:
            day = None
        if day is not None and day > base.date():
            return RequestedDay(day, week=False)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _tomorrow(text: str, base: datetime) -> RequestedDay | None:
    if not TOMORROW.search(text):
        return None
    return RequestedDay(base.date() + timedelta(days=1), week=False)
