#!/usr/bin/env bash
# `rasa data validate`, failing on any warning about the data (conflicts, unused intents...).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore
out=$(.venv-engine/bin/rasa data validate --domain bot/domain.yml --data data --config bot/config.yml --fail-on-warnings 2>&1) || {
    echo "$out" | grep -vE "^\s*$" | tail -40; echo "rasa data validate failed" >&2; exit 1; }
echo "rasa data validate: passed with no warnings"
