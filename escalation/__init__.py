"""Safety: the screen every inbound text passes before the engine, and (later) the peer queue."""
