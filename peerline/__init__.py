"""The composition root: builds peerline's parts from one `Settings` and wires them."""
