#!/usr/bin/env bash
# Test stories (tests/test_stories.yml) against the current model with `rasa test core`;
# fails on any wrong prediction. The report lands in results/core/.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore
model=$(cat models/current)
.venv-engine/bin/rasa test core --stories tests/test_stories.yml --model "$model" \
    --endpoints bot/endpoints.yml --out results/core --fail-on-prediction-errors --no-plot 2>&1 \
    | grep -vE "^\s*$|UserWarning|warnings.warn|^\s+\S+ = " | tail -25
