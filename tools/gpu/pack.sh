#!/usr/bin/env bash
# Prepare what the lent GPU machine lacks, in pieces that fit its runs (docs/gpu.md).
#
#   bash tools/gpu/pack.sh [--budget SECONDS]
#
# The GPU machine has no network and takes at most 64 MiB of files per run, the project's own
# files included. This script, run here (where package registries are reachable):
#   1. downloads onnxruntime-gpu 1.31.1 for it (CPython 3.12, manylinux_2_28 x86-64; built for
#      CUDA 13, whose libraries are already there) into .gpu/wheel/;
#   2. splits the wheel (~256 MB) into parts of at most 56 MiB, each in its own ignored folder,
#      .gpu/part1/ .. .gpu/partN/, with a MANIFEST (the wheel's name and SHA-256, every part's
#      SHA-256) in each, so a run takes one part and can check it;
#   3. downloads the small wheels the check needs besides into .gpu/extras/: python-osc, and
#      for exporting BigGAN there pytorch-pretrained-biggan (pure Python) and onnxscript,
#      onnx-ir, ml_dtypes (torch's ONNX exporter needs onnxscript);
#   4. checks that the parts join back to the wheel's SHA-256 and that every run's files (its
#      carried folders plus the project's files) stay under 64 MiB;
#   5. prints the exact runs: command, carry list and timeout of each.
# --budget sets check.py's budget in the last run (default 480 s).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST_NAME=".gpu"
DEST="$ROOT/$DEST_NAME"
ORT_VERSION="1.31.1"
PART_MIB=56
RUN_MIB=64
BUDGET=480
EXTRAS=(
    "python-osc==1.10.2"
    "pytorch-pretrained-biggan==0.1.1"
    "onnxscript==0.7.2"
    "onnx-ir==1.1.0"
    "ml_dtypes==0.6.0"
)
TARGET=(--only-binary=:all: --no-deps --python-version 3.12 --platform manylinux_2_28_x86_64)

while [ $# -gt 0 ]; do
    case "$1" in
        --budget) BUDGET="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"; else PY="python3"; fi
cd "$ROOT"
if ! git check-ignore -q "$DEST_NAME/part1"; then
    echo "error: $DEST_NAME/ is not ignored by git; add '$DEST_NAME/' to .gitignore" >&2
    exit 1
fi

echo "== downloading onnxruntime-gpu $ORT_VERSION (CPython 3.12, manylinux_2_28_x86_64)"
mkdir -p "$DEST/wheel"
"$PY" -m pip download --disable-pip-version-check -q "${TARGET[@]}" \
    "onnxruntime-gpu==$ORT_VERSION" -d "$DEST/wheel"
WHEEL_PATH="$(ls "$DEST/wheel"/onnxruntime_gpu-"$ORT_VERSION"-cp312-*.whl | head -n 1)"
WHEEL="$(basename "$WHEEL_PATH")"
WHEEL_SHA="$(sha256sum "$WHEEL_PATH" | cut -d' ' -f1)"
echo "   $WHEEL $(du -m "$WHEEL_PATH" | cut -f1) MiB sha256 $WHEEL_SHA"

echo "== splitting into parts of at most $PART_MIB MiB"
rm -rf "$DEST"/part* "$DEST/split"
mkdir -p "$DEST/split"
split -b "${PART_MIB}m" -d -a 2 "$WHEEL_PATH" "$DEST/split/wheel.part"
TOTAL=0
for piece in "$DEST"/split/wheel.part*; do
    TOTAL=$((TOTAL + 1))
    mkdir -p "$DEST/part$TOTAL"
    mv "$piece" "$DEST/part$TOTAL/wheel.part$TOTAL"
done
rmdir "$DEST/split"
{
    echo "wheel $WHEEL $WHEEL_SHA"
    echo "parts $TOTAL"
    for n in $(seq 1 "$TOTAL"); do
        echo "part $n $(sha256sum "$DEST/part$n/wheel.part$n" | cut -d' ' -f1)"
    done
} > "$DEST/MANIFEST"
for n in $(seq 1 "$TOTAL"); do cp "$DEST/MANIFEST" "$DEST/part$n/MANIFEST"; done

echo "== downloading the small wheels into $DEST_NAME/extras/"
rm -rf "$DEST/extras"
mkdir -p "$DEST/extras"
"$PY" -m pip download --disable-pip-version-check -q "${TARGET[@]}" "${EXTRAS[@]}" \
    -d "$DEST/extras"
ls -1 "$DEST/extras"

echo "== checking"
limit=$((PART_MIB * 1024 * 1024))
for n in $(seq 1 "$TOTAL"); do
    size=$(stat -c %s "$DEST/part$n/wheel.part$n")
    if [ "$size" -gt "$limit" ]; then
        echo "error: part $n is $size bytes, over $PART_MIB MiB" >&2
        exit 1
    fi
done
joined_sha="$(for n in $(seq 1 "$TOTAL"); do cat "$DEST/part$n/wheel.part$n"; done \
    | sha256sum | cut -d' ' -f1)"
if [ "$joined_sha" != "$WHEEL_SHA" ]; then
    echo "error: the parts join to sha256 $joined_sha, not the wheel's $WHEEL_SHA" >&2
    exit 1
fi
echo "   $TOTAL parts, each <= $PART_MIB MiB; joined they give the wheel's sha256"

# What a run copies besides its carry list: tracked files and untracked, unignored ones.
project_bytes=$(git ls-files -z --cached --others --exclude-standard \
    | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
folder_bytes() { du -sb "$@" | awk '{s += $1} END {print s + 0}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
echo "   project files: $(mib "$project_bytes") MiB"
status=0
for n in $(seq 1 "$TOTAL"); do
    carry=("$DEST/part$n")
    if [ "$n" -eq "$TOTAL" ]; then carry+=("$DEST/extras"); fi
    total=$((project_bytes + $(folder_bytes "${carry[@]}")))
    verdict="ok"
    if [ "$total" -gt $((RUN_MIB * 1024 * 1024)) ]; then verdict="OVER $RUN_MIB MiB"; status=1; fi
    echo "   run $n: $(mib "$total") MiB ($verdict)"
done
if [ "$status" -ne 0 ]; then
    echo "error: a run would carry over $RUN_MIB MiB; lower PART_MIB in this script" >&2
    exit 1
fi

cat <<EOF

== the runs on the GPU machine (docs/gpu.md)
Run these $TOTAL commands one after another, each started within 30 s of the previous one's
end: the machine is kept only that long, and a fresh one has an empty /tmp. Nothing is decided
between runs. Each copies its part into /tmp/ort/ and checks its SHA-256; the last joins the
parts, installs onnxruntime-gpu and the small wheels into /tmp/site (pip --no-deps), calls
onnxruntime.preload_dlls(), and runs tools/gpu/check.py --budget $BUDGET. If a run prints
FRESH MACHINE (exit 3), start again at run 1.

EOF
for n in $(seq 1 "$TOTAL"); do
    if [ "$n" -lt "$TOTAL" ]; then
        echo "run $n/$TOTAL: command: bash tools/gpu/run_part.sh $n $TOTAL"
        echo "         carry:   [\"$DEST_NAME/part$n\"]"
        echo "         timeout_s: 60"
    else
        echo "run $n/$TOTAL: command: bash tools/gpu/run_part.sh $n $TOTAL $BUDGET"
        echo "         carry:   [\"$DEST_NAME/part$n\", \"$DEST_NAME/extras\"]"
        echo "         timeout_s: 600"
    fi
done
cat <<EOF

What comes back from the last run, under \$OUT: gpu-check.json and gpu-check.md (written after
every measurement, so a cut run still returns them), check.log (everything printed), and
run_part_N.log from every run.
EOF
