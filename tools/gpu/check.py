#!/usr/bin/env python3
"""The prepared GPU measurement run: every figure docs/benchmarks.md lacks, in one go.

    python tools/gpu/check.py [--out DIR] [--budget SECONDS]     # on a machine with a GPU
    python tools/gpu/check.py --cpu --out DIR --budget 120       # the same steps, small, on CPU

It measures, at batch 1 (fps, p50 and p99 ms a frame, each frame = the noise input changed, the
generator run, the picture on the host), for the embedded default generator at 256 and 512 (the
shipped ``oscserver/models/default.onnx``, its coordinates baked in for the size, and
``oscserver_export.default.generator`` in torch) and
BigGAN-deep 128/256/512 (random weights from ``oscserver_export.biggan.model.random_biggan``,
exported here with this machine's torch):

- torch eager CUDA fp32 and fp16, torch.compile(mode="reduce-overhead") (CUDA graphs) in fp16
  and, budget left, fp32;
- ONNX Runtime CUDA: plain ``session.run``, IO binding (``GeneratorRuntime(provider="cuda",
  cuda_graph=False)``), IO binding + CUDA graph (``GeneratorRuntime(provider="cuda")``);
- ONNX Runtime CPU at the smallest sizes, for reference;
- OSC-to-frame latency through a real server (``--http-port -1``, shared memory read with
  ``oscserver.client.FrameReader``) on BigGAN-512 with the best provider.

Results go to ``DIR/gpu-check.json`` and ``DIR/gpu-check.md`` after every step, so a cut run
still leaves its figures. Each step's failure is recorded and the run goes on. The run never
takes longer than ``--budget`` seconds: before each step the remaining budget is checked
(steps that no longer fit are recorded as "skipped: budget"), the timed frames shrink when the
budget is short, and a watchdog ends the run at the budget whatever is running.

``--cpu`` runs the same steps on the CPU at small sizes (default generator 256, a narrow
BigGAN-deep 128), so that tests/tools/test_gpu_check.py keeps this script working without a GPU.

This file is the entry point; the steps live beside it: the plan (``plan.py``), the
environment, the measurements and the latency step, the runner, the report and the stubs for
missing modules. See docs/gpu.md.
"""

from __future__ import annotations

import time

T0 = time.monotonic()  # the budget counts from here

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from oscserver.core.options import Parser  # noqa: E402
from tools.gpu.plan import Budget  # noqa: E402
from tools.gpu.runner import Check, run_check  # noqa: E402

__all__ = ["Check", "build_parser", "main"]

#: Options whose default depends on the mode: name -> (GPU run, --cpu run).
MODE_DEFAULTS = {
    "seconds": (2.0, 0.4),
    "frames": (500, 40),
    "warmup": (10, 2),
    "latency_fps": (60.0, 30.0),
    "latency_messages": (100, 15),
}


def build_parser() -> argparse.ArgumentParser:
    """The check's command line (docs/gpu.md)."""
    parser = Parser(
        prog="tools/gpu/check.py", description="The prepared GPU measurement run (docs/gpu.md)."
    )
    parser.add_argument(
        "--out",
        default=os.environ.get("OUT") or "gpu-out",
        help="where gpu-check.json and gpu-check.md go (default: $OUT or gpu-out)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=480.0,
        help="never run longer than this many seconds (default 480)",
    )
    parser.add_argument(
        "--cpu", action="store_true", help="the same steps on the CPU at small sizes (for tests)"
    )
    parser.add_argument(
        "--models",
        default="",
        help="only these, comma-separated "
        "(default-256, default-512, biggan-128, biggan-256, biggan-512)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="timed seconds per measurement (default 2.0; --cpu 0.4)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=None,
        help="at most this many timed frames (default 500; --cpu 40)",
    )
    parser.add_argument("--warmup", type=int, default=None, help="warm-up frames (10; --cpu 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="ONNX Runtime CPU threads (default: the runtime's)",
    )
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--no-latency", action="store_true", help="skip OSC-to-frame latency")
    parser.add_argument(
        "--latency-fps",
        type=float,
        default=None,
        help="server frame rate for the latency step (60; --cpu 30)",
    )
    parser.add_argument(
        "--latency-messages",
        type=int,
        default=None,
        help="OSC messages for the latency step (100; --cpu 15)",
    )
    parser.add_argument(
        "--cpu-biggan-width",
        type=int,
        default=16,
        help="channel width of the --cpu BigGAN (published: 128)",
    )
    parser.add_argument(
        "--work",
        default=None,
        help="where exported files go (default: a temporary folder; GPU runs "
        "keep /tmp/oscserver-gpu-check so that a rerun reuses the exports)",
    )
    parser.add_argument(
        "--without",
        default="",
        help="pretend these modules are not installed, comma-separated (tests "
        "the paths the GPU machine takes, e.g. boto3,requests,tqdm,aiortc,av)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check with ``argv`` (default: the command line); exit status."""
    args = build_parser().parse_args(argv)
    for name, (gpu, cpu) in MODE_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, cpu if args.cpu else gpu)
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    return run_check(args, Budget(args.budget, T0))


if __name__ == "__main__":
    sys.exit(main())
