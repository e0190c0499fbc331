#!/usr/bin/env bash
# One run on the lent GPU machine (docs/gpu.md; tools/gpu/pack.sh prints the whole sequence).
#
#   bash tools/gpu/run_part.sh N TOTAL [BUDGET]
#
# Run N carries .gpu/partN/ (the last also .gpu/extras/). It copies part N of the
# onnxruntime-gpu wheel into /tmp/ort/ and checks its SHA-256 against the MANIFEST. Parts
# 1..N-1 must already be there, from the runs before on this same machine; when they are not,
# the machine is a fresh one: it says FRESH MACHINE and exits 3 (start again at run 1).
# The last run (N = TOTAL) joins the parts, checks the wheel's SHA-256, installs it and the
# small wheels with pip --no-deps into /tmp/site, puts /tmp/site first on PYTHONPATH, checks
# that onnxruntime.preload_dlls() and the CUDA provider work, then runs
# tools/gpu/check.py --out "$OUT" --budget BUDGET (default 480). Logs go to $OUT as well.
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: bash tools/gpu/run_part.sh N TOTAL [BUDGET]" >&2
    exit 2
fi
N="$1"
TOTAL="$2"
BUDGET="${3:-480}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ORT_DIR="${ORT_DIR:-/tmp/ort}"
SITE="${SITE_DIR:-/tmp/site}"
OUT="${OUT:-$ROOT/gpu-out}"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
SRC="$ROOT/.gpu/part$N"
mkdir -p "$OUT"
LOG="$OUT/run_part_$N.log"

say() { echo "$*" | tee -a "$LOG"; }
fail() {
    local code="$1"
    shift
    say "FAILED (run $N/$TOTAL): $*"
    exit "$code"
}
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

say "run $N/$TOTAL on $(hostname) at $(date -u +%FT%TZ); $ORT_DIR holds: $(ls "$ORT_DIR" 2>/dev/null | tr '\n' ' ')"
[ -f "$SRC/MANIFEST" ] && [ -f "$SRC/wheel.part$N" ] \
    || fail 2 "$SRC/ was not carried: this run's carry list must name .gpu/part$N"
MANIFEST="$SRC/MANIFEST"
parts="$(awk '$1 == "parts" {print $2}' "$MANIFEST")"
read -r WHEEL WHEEL_SHA < <(awk '$1 == "wheel" {print $2, $3}' "$MANIFEST")
[ "$parts" = "$TOTAL" ] || fail 2 "the MANIFEST says $parts parts, not $TOTAL: use pack.sh's commands"
part_sha() { awk -v n="$1" '$1 == "part" && $2 == n {print $3}' "$MANIFEST"; }

mkdir -p "$ORT_DIR"
for k in $(seq 1 $((N - 1))); do
    if [ ! -f "$ORT_DIR/wheel.part$k" ] && [ -f "$ROOT/.gpu/part$k/wheel.part$k" ]; then
        cp "$ROOT/.gpu/part$k/wheel.part$k" "$ORT_DIR/"  # an earlier carry left on this machine
    fi
    if [ ! -f "$ORT_DIR/wheel.part$k" ]; then
        fail 3 "FRESH MACHINE: $ORT_DIR lacks part $k of $TOTAL, so this is not the machine the" \
            "earlier runs used (more than 30 s passed between runs, or it was handed back)." \
            "Start again at run 1: bash tools/gpu/run_part.sh 1 $TOTAL, carry [\".gpu/part1\"]."
    fi
    [ "$(sha_of "$ORT_DIR/wheel.part$k")" = "$(part_sha "$k")" ] \
        || fail 3 "FRESH MACHINE: $ORT_DIR/wheel.part$k is not the part pack.sh made" \
            "(another pack?). Start again at run 1."
done
cp "$SRC/wheel.part$N" "$ORT_DIR/wheel.part$N"
[ "$(sha_of "$ORT_DIR/wheel.part$N")" = "$(part_sha "$N")" ] \
    || fail 1 "part $N arrived damaged (SHA-256 differs from the MANIFEST); run pack.sh again"
say "part $N/$TOTAL in $ORT_DIR, SHA-256 ok"

if [ "$N" -lt "$TOTAL" ]; then
    say "next, within 30 s: bash tools/gpu/run_part.sh $((N + 1)) $TOTAL" \
        "with carry [\".gpu/part$((N + 1))\"$([ $((N + 1)) -eq "$TOTAL" ] && echo ', ".gpu/extras"')]"
    exit 0
fi

# ---- the last run: join, install, check the provider, measure
started=$(date +%s)
for k in $(seq 1 "$TOTAL"); do cat "$ORT_DIR/wheel.part$k"; done > "$ORT_DIR/$WHEEL"
[ "$(sha_of "$ORT_DIR/$WHEEL")" = "$WHEEL_SHA" ] \
    || fail 1 "the joined wheel's SHA-256 differs from the MANIFEST"
say "joined $WHEEL ($(du -m "$ORT_DIR/$WHEEL" | cut -f1) MiB), SHA-256 ok"

marker="$SITE/.installed-$WHEEL_SHA"
if [ -f "$marker" ]; then
    say "already installed in $SITE (a rerun on the same machine)"
else
    extras=()
    if [ -d "$ROOT/.gpu/extras" ]; then
        extras=("$ROOT"/.gpu/extras/*.whl)
    else
        say "warning: .gpu/extras was not carried: no python-osc, pytorch-pretrained-biggan," \
            "onnxscript (check.py records what that costs)"
    fi
    mkdir -p "$SITE"
    if ! "$PY" -m pip install --no-deps --no-index --no-compile --disable-pip-version-check \
        --target "$SITE" "$ORT_DIR/$WHEEL" "${extras[@]}" >> "$LOG" 2>&1; then
        say "pip install failed (see $LOG); unpacking the wheels with zipfile instead"
        "$PY" - "$SITE" "$ORT_DIR/$WHEEL" "${extras[@]}" <<'PYEOF' 2>&1 | tee -a "$LOG"
import sys
import zipfile

for wheel in sys.argv[2:]:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(sys.argv[1])
    print("unpacked", wheel)
PYEOF
    fi
    touch "$marker"
    say "installed into $SITE in $(($(date +%s) - started)) s"
fi
export PYTHONPATH="$SITE:$ROOT${PYTHONPATH:+:$PYTHONPATH}"

"$PY" - <<'PYEOF' 2>&1 | tee -a "$LOG" "$OUT/providers.txt"
import onnxruntime as ort

print("onnxruntime", ort.__version__, "from", ort.__file__)
try:
    ort.preload_dlls()
    print("preload_dlls: ok")
except Exception as exc:
    print("preload_dlls failed:", type(exc).__name__, exc)
providers = ort.get_available_providers()
print("providers:", providers)
if "CUDAExecutionProvider" not in providers:
    print("WARNING: no CUDAExecutionProvider: the ORT CUDA rows will fail")
PYEOF

say "running tools/gpu/check.py --out $OUT --budget $BUDGET"
cd "$ROOT"
"$PY" tools/gpu/check.py --out "$OUT" --budget "$BUDGET" 2>&1 | tee "$OUT/check.log"
rc=${PIPESTATUS[0]}
say "check.py exited $rc after $(($(date +%s) - started)) s in this run"
exit "$rc"
