#!/usr/bin/env bash
# Sets up .venv for oscserver. Idempotent: safe to run again.
#   bash tools/setup.sh          runtime only (serve)
#   bash tools/setup.sh --test   runtime + torch (export side) + test tools + system packages
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=".venv/bin/python -m pip"
$pip install -q --disable-pip-version-check --upgrade pip >/dev/null

if [ "$want_test" = 1 ]; then
    # The pinned CPU build first: a looser torch requirement resolved with no torch present
    # would pull the CUDA build and gigabytes of packages.
    $pip install -q --disable-pip-version-check "torch==2.13.0"
    $pip install -q --disable-pip-version-check -e ".[torch,audio,biggan,ndi,ray,lyrics,curate,dev]"
    if [ -x tools/setup-system.sh ]; then bash tools/setup-system.sh; fi
    # osc.js (npm "osc"), an OSC client the tests play the server with.
    if command -v npm >/dev/null 2>&1; then
        (cd tests/node && npm ci --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
    else
        echo "tools/setup.sh: npm not found; the osc.js tests will be skipped (install Node.js)" >&2
    fi
else
    $pip install -q --disable-pip-version-check -e .
fi
