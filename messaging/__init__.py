"""SMS in and out: Twilio's webhooks and their signatures, the carrier's compliance words,
the durable outbox with its priorities and pacing, SMS segments, the real twilio client,
and the sandbox carrier that stands in for Twilio."""
