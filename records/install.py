"""Secrets generated once per install, kept in files only the service user can read.

The engine's API token used to have a built-in default, the same on every machine, so
anyone on the host who could reach the loopback port could drive the bot. Now, unless
RASA_TOKEN is set, the first start writes a random token to `var/rasa-token` (mode 0600,
in a 0700 folder) and every later start, the engine scripts included, reads it back.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TOKEN_FILE = Path("var") / "rasa-token"
MIN_TOKEN_LENGTH = 32


def private_dir(path: Path) -> Path:
    """Create (or tighten) a folder only its owner can enter."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def install_token(path: Path = TOKEN_FILE) -> str:
    """The install's engine token, created on first use. Never printed or logged."""
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= MIN_TOKEN_LENGTH:
            return token
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return token
