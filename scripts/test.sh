#!/usr/bin/env bash
# The whole test suite: lint and types, the Rasa data checks, the custom-action unit tests
# (engine environment), then the app's tests against a real rasa process (app environment).
# Every pytest run must collect tests: exit code 5 ("no tests ran") fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'echo "make test: ${SECONDS}s, setup and training not counted"' EXIT

step() { printf '\n\033[1m== %s ==\033[0m (%ds so far)\n' "$*" "$SECONDS"; }
triage() {  # the screen on CSVs without the engine: figure lines, or everything on a failure
    local out rc=0
    out=$(COLUMNS=200 .venv/bin/peerline triage "$@" --no-engine) || rc=$?
    if [ "$rc" -ne 0 ]; then echo "$out"; return "$rc"; fi
    grep "the engine:" <<<"$out"
}
pytest_must_run() {  # $1 = python, rest = pytest args
    local py=$1; shift
    set +e
    "$py" -m pytest "$@"
    local rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
    return "$rc"
}

step "lint (ruff, app and actions), format (ruff format --check) and types (mypy)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

step "Rasa training data (rasa data validate)"
bash scripts/validate.sh

step "safety screen on its tuning sets (recall >= 0.98, false escalations <= 5%)"
# One start-up for all the files (the screen's models load once); each file meets the gate.
tuning=(data/safety/{labelled,blind_a,blind_c,train_1,train_2,train_checkin_replies,train_hard_negatives}.csv)
triage "${tuning[@]}" --min-recall 0.98 --max-false-rate 0.05
# The contrast set pairs each crisis with a near-miss written to look like it ("im done" with
# work): it teaches the boundary and is not a mix of what arrives, so its false rate is looser.
triage data/safety/train_subtle_positives.csv --min-recall 0.98 --max-false-rate 0.10
step "safety screen on the held-out sets (figures only: never tuned against, so never a gate)"
held_out=(data/safety/blind_{b,d,e,f,g,h,i}.csv)
triage "${held_out[@]}"

step "custom actions (engine environment)"
pytest_must_run .venv-engine/bin/python tests/actions -q -p no:cacheprovider --confcutdir tests/actions

step "NLU held-out set: no overlap with training, minimum examples per intent"
.venv-engine/bin/python tests/nlu/check_overlap.py

step "test stories (rasa test core)"
bash scripts/test_stories.sh

step "NLU evaluation on the held-out set (macro F1 >= 0.90, risk recall >= 0.95)"
bash scripts/eval.sh

step "browser for the console tests (Debian chromium)"
bash scripts/browser.sh || echo "(the browser test will be skipped, or fail when CI is set)"

step "app tests (real rasa process, sandbox Twilio, SQLite and PostgreSQL)"
pytest_must_run .venv/bin/python -q "$@"
