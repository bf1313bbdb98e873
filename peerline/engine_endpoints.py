"""The Rasa endpoints file, written for each engine start from peerline's settings.

Rasa 3.6 substitutes `${VAR}` in endpoints.yml but has no `${VAR:-default}`, and fails when
a variable is unset, so one checked-in file cannot serve both the embedded default (a SQLite
tracker, no lock store) and a replicated deployment (a shared PostgreSQL or Redis tracker
store and a Redis lock store). The file is written here instead, mode 0600, because it may
hold the store's password. Keys are those of Rasa 3.6's `SQLTrackerStore`,
`RedisTrackerStore` and `RedisLockStore` (`rasa/core/tracker_store.py`, `lock_store.py`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


def _quoted(value: object) -> str:
    """A YAML scalar: numbers bare, text double-quoted (JSON's string syntax is YAML's)."""
    return str(value) if isinstance(value, int) else json.dumps(str(value))


def _block(name: str, items: dict[str, object]) -> str:
    lines = [f"{name}:"]
    lines += [f"  {key}: {_quoted(value)}" for key, value in items.items() if value is not None]
    return "\n".join(lines) + "\n"


def _redis_items(url: str) -> dict[str, object]:
    """`redis://[:password@]host[:port][/db][?key_prefix=...]` as Rasa's keyword arguments;
    Rasa passes `url` on as the host, so only the host goes there."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    db = parts.path.strip("/") or "0"
    return {
        "type": "redis",
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(db),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "key_prefix": query["key_prefix"][0] if query.get("key_prefix") else None,
    }


def tracker_store_block(url: str, sqlite_path: Path) -> str:
    """The tracker store: a shared PostgreSQL or Redis one, or the embedded SQLite file."""
    if not url:
        return _block("tracker_store", {"type": "SQL", "dialect": "sqlite", "db": sqlite_path})
    parts = urlsplit(url)
    if parts.scheme == "redis":
        return _block("tracker_store", _redis_items(url))
    return _block(
        "tracker_store",
        {
            "type": "SQL",
            "dialect": "postgresql",  # the engine env's SQLAlchemy 1.4 drives it with psycopg2
            "url": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "db": parts.path.strip("/") or "rasa",
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
        },
    )


def lock_store_block(url: str) -> str:
    """The lock store every replica shares; none (Rasa's in-process lock) when unset."""
    return _block("lock_store", _redis_items(url)) if url else ""


def write_endpoints(
    path: Path,
    action_url: str,
    tracker_db: Path,
    tracker_store_url: str = "",
    lock_store_url: str = "",
) -> Path:
    """Write one engine start's endpoints file, readable by its owner only."""
    text = (
        "# written by peerline/engine_endpoints.py for one run; bot/endpoints.yml is the default\n"
        + _block("action_endpoint", {"url": action_url})
        + tracker_store_block(tracker_store_url, tracker_db)
        + lock_store_block(lock_store_url)
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    return path
