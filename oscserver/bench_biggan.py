"""``oscserver bench biggan``: the command line of the BigGAN benchmark.

The measurement (:func:`export.bench_biggan.bench_biggan`) needs torch and the biggan extra;
it is imported only when the command runs, so building the parser imports neither.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def add_biggan_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``biggan`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "biggan", help="BigGAN-deep fps: ONNX Runtime vs PyTorch eager (needs torch)"
    )
    add_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--resolutions", type=int, nargs="+", default=[128, 256])
    parser.add_argument(
        "--providers",
        nargs="+",
        default=["cpu"],
        choices=("cpu", "cuda", "tensorrt"),
        help="ONNX Runtime providers to time, each with its own session",
    )
    parser.add_argument("--fp16", action="store_true", help="also time float16 files")
    parser.add_argument("--eager-device", default="cpu", help="torch device for eager (cpu, cuda)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timing per variant")
    parser.add_argument("--min-frames", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--block", type=int, default=2, help="frames per turn of each variant")
    parser.add_argument("--cache-dir", type=Path, help="TensorRT engine cache (default: ~/.cache)")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark with parsed ``args`` and print its JSON result."""
    try:
        from export.bench_biggan import bench_biggan
    except ModuleNotFoundError as exc:
        print(
            f"bench biggan needs {exc.name}: pip install torch==2.13.0 && "
            "pip install 'oscserver[torch,biggan]'",
            file=sys.stderr,
        )
        return 2
    result = bench_biggan(
        args.resolutions,
        args.providers,
        args.fp16,
        args.eager_device,
        args.seconds,
        args.min_frames,
        args.threads,
        args.cache_dir,
        args.block,
    )
    print(json.dumps(result, indent=2))
    return 0
