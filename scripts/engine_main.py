"""`rasa` with the engine's token taken from the environment, not the command line.

Rasa 3.6 reads its API token only from `--auth-token`, and a process's arguments are
visible to every user of the machine (`ps`, /proc/PID/cmdline). This starter, run by the
engine environment's Python, adds `--auth-token $RASA_TOKEN` to rasa's own argument list
inside the process, so the token never appears in the process table.

    RASA_TOKEN=... .venv-engine/bin/python scripts/engine_main.py run --enable-api ...
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    token = os.environ.get("RASA_TOKEN", "")
    if len(token) < 32:
        sys.exit("engine_main: set RASA_TOKEN, 32+ characters (peerline keeps one in var/)")
    os.umask(0o077)  # the tracker store, logs and anything else rasa writes: owner only
    args = sys.argv[1:]
    if args[:1] == ["run"] and "--enable-api" in args:
        args = [*args, "--auth-token", token]
    sys.argv = ["rasa", *args]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
