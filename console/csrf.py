"""CSRF: a synchronizer token kept in the signed session and echoed by every form.

SameSite=Lax already stops most cross-site posts; the token also covers same-site
sub-domains and old browsers, and it is checked on every POST, log-in included.
"""

from __future__ import annotations

import hmac

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def tokens_match(sent: str | None, expected: str) -> bool:
    """Constant-time comparison, so the token can't be guessed a character at a time."""
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())
