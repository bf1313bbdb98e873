"""A monotonic clock a test moves by hand (`clock.now += 61`), for code that takes
`Callable[[], float]` in place of `time.monotonic`."""

from __future__ import annotations


class Ticks:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
