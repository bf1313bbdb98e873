#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the console's browser test
# (tests/test_console_browser.py drives it with Playwright, which never downloads a browser).
# Idempotent: does nothing when chromium is there. Installs it as root; otherwise says how.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "[browser] chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[browser] installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium
    exit 0
fi
echo "[browser] /usr/bin/chromium is missing. Install Debian's chromium package, e.g." >&2
echo "          sudo apt-get install -y chromium" >&2
echo "          The browser test is skipped without it (and fails when CI is set)." >&2
exit 1
