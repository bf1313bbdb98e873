#!/usr/bin/env bash
# Run the Rasa engine or the action server for a human (the app may launch the same commands).
#   scripts/engine.sh rasa      # RASA_TOKEN (default: this install's var/rasa-token);
#                               # RASA_PORT (default 5005); model from models/current
#   scripts/engine.sh actions   # ACTION_PORT (default 5055)
# Both listen on loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
BIN=.venv-engine/bin
umask 077  # the tracker store, logs and endpoints hold conversations: this user only

case "${1:-}" in
  rasa)
    if [ -z "${RASA_TOKEN:-}" ]; then
        [ -s var/rasa-token ] || .venv/bin/python -c "from records.install import install_token; install_token()"
        RASA_TOKEN=$(cat var/rasa-token)
    fi
    export RASA_TOKEN  # read inside the process (scripts/engine_main.py): never on a command line
    [ -s models/current ] || { echo "no models/current - run scripts/train.sh first" >&2; exit 1; }
    mkdir -p var && chmod 700 var  # the SQL tracker store (bot/endpoints.yml) lives in var/
    exec "$BIN/python" scripts/engine_main.py run --enable-api -i 127.0.0.1 -p "${RASA_PORT:-5005}" \
      --endpoints bot/endpoints.yml --credentials bot/credentials.yml -m "$(cat models/current)"
    ;;
  actions)
    # rasa-sdk 3.6 has no --interface flag; its server binds to $SANIC_HOST (default 0.0.0.0).
    export SANIC_HOST=127.0.0.1
    exec "$BIN/rasa" run actions --actions actions -p "${ACTION_PORT:-5055}"
    ;;
  *)
    echo "usage: $0 rasa|actions" >&2
    exit 2
    ;;
esac
