"""Logging set-up. Log lines carry ids and masked numbers only, never message bodies.

Code logs ids and `mask()`ed numbers by habit; `PhiFilter` is the net under that habit: every
record, from our code or a library's (uvicorn's tracebacks, a database error), has anything
that looks like a phone number masked, and PostgreSQL's `DETAIL:` lines (which quote the
failing row: a number, a text) withheld, before any handler sees it.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# 10 to 15 digits, alone or grouped by spaces, dots, dashes or brackets, with an optional
# leading + (or %2B, URL-encoded): E.164, digits only, (212) 555-0142. Never inside a word
# (a Twilio SID's hex).
PHONE_LIKE = re.compile(r"(?<![\w+])(?:\+|%2[Bb])?\(?\d(?:[\s().-]{0,2}\d){9,14}(?![\w:])")
# PostgreSQL's error detail quotes values ("Failing row contains (...)", "Key (phone)=(...)").
ROW_DETAIL = re.compile(r"^(\s*)DETAIL:.*$", re.MULTILINE)
# Libraries whose debug output is row data: their own level, whatever the root's.
QUIET = {
    "httpx": logging.WARNING,  # every request URL at INFO; the sandbox's carry numbers
    "twilio.http_client": logging.WARNING,  # request bodies: the texts themselves
    "sqlalchemy.engine": logging.WARNING,  # statements at INFO, result rows at DEBUG
    "sqlalchemy.pool": logging.WARNING,
}


def mask_text(text: str) -> str:
    """`text` with phone-like runs reduced to their last two digits and DETAIL lines cut."""
    text = ROW_DETAIL.sub(r"\1DETAIL: (withheld: it quotes stored values)", text)
    return PHONE_LIKE.sub(lambda m: "…" + "".join(c for c in m.group() if c.isdigit())[-2:], text)


class PhiFilter(logging.Filter):
    """Masks a record in place: its message with the arguments merged in, and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


def scrub(record: logging.LogRecord) -> None:
    if getattr(record, "phi_scrubbed", False):
        return
    _scrub_message(record)
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    record.phi_scrubbed = True


def _scrub_message(record: logging.LogRecord) -> None:
    """Mask the format and each text argument (formatters that read `args`, like uvicorn's
    access log, keep working); if a number still shows once merged (an int argument), the
    record becomes its merged, masked message."""
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: mask_text(v) if isinstance(v, str) else v for k, v in record.args.items()}
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: keep what it said, masked, rather than lose it
        message = f"{record.msg} {record.args!r}"
    if mask_text(message) != message:
        record.msg, record.args = mask_text(message), None


_default_factory = logging.getLogRecordFactory()


def _scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _default_factory(*args, **kwargs)
    scrub(record)
    return record


def configure(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # Every record is scrubbed as it is made, so handlers added later (uvicorn's, a test's)
    # never see an unmasked one; the filter on the root's handlers covers records made by a
    # factory someone else installs after us.
    logging.setLogRecordFactory(_scrubbed_record)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PhiFilter) for f in handler.filters):
            handler.addFilter(PhiFilter())
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
