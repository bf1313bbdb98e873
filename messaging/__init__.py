"""Twilio in and out: the real client, the sandbox carrier and (later) the outbox."""
