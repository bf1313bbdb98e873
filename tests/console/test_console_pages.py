"""The console's own static files: the vendored Chart.js is exactly the released file, and
every script and stylesheet is served by the console itself (no CDN, CSP 'self')."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from console.pages import STATIC, STATIC_DIR
from tests.conftest import RunningApp

VENDORED = STATIC_DIR / "VENDORED.md"


def test_the_vendored_chartjs_is_the_released_file() -> None:
    recorded = re.search(r"sha256 of `chart.umd.min.js`: `([0-9a-f]{64})`", VENDORED.read_text())
    assert recorded, "VENDORED.md records the checksum"
    actual = hashlib.sha256((STATIC_DIR / "chart.umd.min.js").read_bytes()).hexdigest()
    assert actual == recorded.group(1)
    assert "MIT" in VENDORED.read_text()


def test_every_static_file_is_served_with_its_type(
    app_factory: Callable[..., RunningApp],
) -> None:
    running = app_factory()
    for name, media_type in STATIC.items():
        assert Path(STATIC_DIR / name).exists(), name
        response = httpx.get(f"{running.url}/console/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media_type), name
    assert httpx.get(f"{running.url}/console/static/VENDORED.md").status_code == 404
