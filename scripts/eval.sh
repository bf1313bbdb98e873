#!/usr/bin/env bash
# NLU evaluation on the held-out set tests/nlu: trains if needed, runs `rasa test nlu`,
# writes reports/nlu.md (scripts/nlu_report.py). Last line: the macro F1.
# Exits non-zero if macro F1 < 0.90 or any risk_* intent has recall < 0.95.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
BIN=.venv-engine/bin

MODEL="$(scripts/train.sh | tail -n 1)"
rm -rf results/nlu
mkdir -p results/nlu reports
"$BIN/rasa" test nlu --nlu tests/nlu --model "$MODEL" --out results/nlu >results/nlu/rasa-test.log 2>&1 || {
  tail -n 30 results/nlu/rasa-test.log >&2
  echo "rasa test nlu failed (log: results/nlu/rasa-test.log)" >&2
  exit 1
}
exec "$BIN/python" scripts/nlu_report.py --results results/nlu --out reports/nlu.md --model "$MODEL"
