#!/usr/bin/env bash
# System packages the tests use: Debian's chromium (browser tests), Pure Data (patch tests),
# liblo-tools (oscsend and liblo, OSC clients the tests play the server with), iproute2 and
# util-linux (private network namespaces for WebRTC and NDI tests). Idempotent.
# Runs apt-get as root (CI) or through sudo; otherwise says what to install.
set -euo pipefail
packages=(chromium puredata-core liblo-tools iproute2 util-linux)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
    run=()
elif command -v sudo >/dev/null 2>&1; then
    run=(sudo)
else
    echo "tools/setup-system.sh: please install: ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
