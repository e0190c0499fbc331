#!/usr/bin/env bash
# Sets up .venv for oscserver (Linux and macOS; on Windows run tools/install.py directly).
#   bash tools/setup.sh          runtime only (serve)
#   bash tools/setup.sh --test   runtime + torch (export side) + test tools + system packages
# Everything happens in tools/install.py (standard library only); pass its options here too
# (--runtime auto|cpu|cuda|directml|coreml). PYTHON picks the interpreter (3.11 or newer).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" tools/install.py "$@"
