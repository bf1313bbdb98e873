"""Latency histograms the work loops fill and `/metrics` exposes (peerline/health.py).

They live down here so that the gateway, the outbox and the turns can record a duration
without knowing about the web app; each app gets its own registry, so several apps in one
test process never share figures. Only durations are recorded: never a number or a text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

# Seconds. Acks are milliseconds; turns and sends are seconds (an engine call, pacing).
ACK_BUCKETS = (0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
TURN_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0)


class Timings:
    """The three latencies a person would notice: the webhook's answer to Twilio, their
    text to the reply queued, and a queued text to the carrier."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.ack = Histogram(
            "peerline_webhook_ack_seconds",
            "Signed inbound webhook: request to acknowledgement (text committed)",
            registry=self.registry,
            buckets=ACK_BUCKETS,
        )
        self.turn = Histogram(
            "peerline_turn_seconds",
            "Inbound text stored to its turn done (replies queued)",
            registry=self.registry,
            buckets=TURN_BUCKETS,
        )
        self.send = Histogram(
            "peerline_send_seconds",
            "Outbound text queued to handed to the carrier",
            ["lane"],
            registry=self.registry,
            buckets=TURN_BUCKETS,
        )
        self.readings = Counter(
            "peerline_engine_readings",
            "Turns sent to the engine with the safety lane's reading of their text (reused) "
            "or without it (parsed again by the engine)",
            ["use"],
            registry=self.registry,
        )
