#!/usr/bin/env bash
# Builds both Python environments from their lock files, idempotently.
#   .venv         the app (Python >= 3.11): gateway, records, escalation, console, CLI
#   .venv-engine  the Rasa engine (Python 3.10): rasa 3.6.21 and the action server
# Each environment is rebuilt only when its lock file changes (a hash stamp inside the venv).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }
sha() { sha256sum "$@" | sha256sum | cut -c1-16; }

py_version_ok() {  # $1 = interpreter, $2 = "min_minor max_minor"
    "$1" -c "import sys; lo, hi = map(int, '$2'.split()); sys.exit(0 if sys.version_info[0] == 3 and lo <= sys.version_info[1] <= hi else 1)" 2>/dev/null
}

find_python() {  # $1 = min minor, $2 = max minor; prints the first fitting interpreter
    local lo=$1 hi=$2 c root
    local candidates=()
    for m in $(seq "$hi" -1 "$lo"); do candidates+=("python3.$m"); done
    candidates+=(python3)
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 && py_version_ok "$(command -v "$c")" "$lo $hi"; then
            command -v "$c"; return 0
        fi
    done
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    for m in $(seq "$hi" -1 "$lo"); do
        for c in "$root"/versions/3."$m".*/bin/python3."$m"; do
            [ -x "$c" ] && py_version_ok "$c" "$lo $hi" && { echo "$c"; return 0; }
        done
    done
    if command -v uv >/dev/null 2>&1; then
        for m in $(seq "$hi" -1 "$lo"); do
            c=$(uv python find "3.$m" 2>/dev/null) && [ -x "$c" ] && { echo "$c"; return 0; }
        done
    fi
    return 1
}

# --- app environment ------------------------------------------------------------------
APP_PY=$(find_python 11 14) || die "Python 3.11 or newer is needed for the app. Install it (for example 'uv python install 3.12' or 'pyenv install 3.12') and run 'make setup' again."
stamp_app=$(sha requirements/app.lock pyproject.toml)
if [ "$(cat .venv/.peerline-stamp 2>/dev/null)" != "$stamp_app" ]; then
    say "app environment (.venv) from $APP_PY"
    [ -x .venv/bin/python ] || "$APP_PY" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
    VIRTUAL_ENV=.venv .venv/bin/uv pip sync -q requirements/app.lock
    VIRTUAL_ENV=.venv .venv/bin/uv pip install -q --no-deps -e .
    echo "$stamp_app" > .venv/.peerline-stamp
else
    say "app environment is up to date"
fi

# --- engine environment ---------------------------------------------------------------
stamp_engine=$(sha requirements/engine.lock)
if [ "$(cat .venv-engine/.peerline-stamp 2>/dev/null)" != "$stamp_engine" ]; then
    ENGINE_PY=$(PATH="$PWD/.venv/bin:$PATH" find_python 10 10) || die "Python 3.10 is needed for the Rasa engine (rasa 3.6.21 supports 3.8-3.10 only). Install it with 'uv python install 3.10' or 'pyenv install 3.10', or put python3.10 on PATH, then run 'make setup' again."
    say "engine environment (.venv-engine) from $ENGINE_PY; rasa with TensorFlow is large, the first time takes a few minutes"
    [ -x .venv-engine/bin/python ] || .venv/bin/uv venv -q --python "$ENGINE_PY" .venv-engine
    VIRTUAL_ENV=.venv-engine .venv/bin/uv pip sync -q requirements/engine.lock
    echo "$stamp_engine" > .venv-engine/.peerline-stamp
else
    say "engine environment is up to date"
fi
say "ready"
