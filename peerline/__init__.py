"""The composition root: builds peerline's parts from one `Settings`, wires the callbacks a
lower layer uses to wake a higher one, runs the work loops, and holds the CLI."""
