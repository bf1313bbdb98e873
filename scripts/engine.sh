#!/usr/bin/env bash
# Run the Rasa engine or the action server for a human (the app may launch the same commands).
#   scripts/engine.sh rasa      # needs RASA_TOKEN; RASA_PORT (default 5005); model from models/current
#   scripts/engine.sh actions   # ACTION_PORT (default 5055)
# Both listen on loopback only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
BIN=.venv-engine/bin

case "${1:-}" in
  rasa)
    : "${RASA_TOKEN:?set RASA_TOKEN (the engine API token)}"
    [ -s models/current ] || { echo "no models/current - run scripts/train.sh first" >&2; exit 1; }
    mkdir -p var  # the SQL tracker store (bot/endpoints.yml) lives in var/rasa-tracker.db
    exec "$BIN/rasa" run --enable-api --auth-token "$RASA_TOKEN" -i 127.0.0.1 -p "${RASA_PORT:-5005}" \
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
