"""SMS segment arithmetic: GSM-7 carries 160 characters (153 per part), UCS-2 70 (67).

One character outside GSM-7 (an emoji, a curly quote) turns the whole text into UCS-2,
which is why outbound wording avoids them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")  # each takes two septets


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def _units(text: str, gsm7: bool) -> int:
    if gsm7:
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def count(text: str) -> SegmentCount:
    gsm7 = is_gsm7(text)
    units = _units(text, gsm7)
    single, multi = (160, 153) if gsm7 else (70, 67)
    segments = 1 if units <= single else math.ceil(units / multi)
    return SegmentCount("GSM-7" if gsm7 else "UCS-2", units, segments)


def fit(text: str, max_segments: int) -> tuple[str, bool]:
    """Cut `text` at a word boundary so it fits in `max_segments`; returns (text, was_cut)."""
    if count(text).segments <= max_segments:
        return text, False
    gsm7 = is_gsm7(text)
    budget = (153 if gsm7 else 67) * max_segments - 3  # room for "..."
    kept, used = [], 0
    for char in text:
        width = _units(char, gsm7)
        if used + width > budget:
            break
        kept.append(char)
        used += width
    cut = "".join(kept)
    if " " in cut[-40:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip() + "...", True
