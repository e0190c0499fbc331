"""Command line: ``oscserver bench NAME ...`` (``oscserver`` hands ``bench`` over by name).

Each benchmark module registers its own parser with ``add_parser(kinds)``; building them
imports no torch, which only the benchmarks that need it import when they run.
"""

from __future__ import annotations

import argparse
import os
import sys

from oscserver.cli import setup_logging
from oscserver.core.errors import OscServerError
from oscserver.core.options import Parser
from oscserver_bench import (
    beat,
    biggan,
    classes,
    clock,
    generator,
    latency,
    learned,
    ndi,
    osc,
    render,
    rollout,
    shm,
    sizes,
    webrtc,
)
from oscserver_bench.report import print_json

BENCHMARKS = (
    generator,
    latency,
    shm,
    sizes,
    webrtc,
    ndi,
    osc,
    beat,
    clock,
    biggan,
    render,
    learned,
    rollout,
    classes,
)


def build_parser(prog: str = "oscserver bench") -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog, description="Measure speed; commands and results in docs/benchmarks.md."
    )
    kinds = parser.add_subparsers(title="benchmarks")
    for module in BENCHMARKS:
        module.add_parser(kinds)
    every = kinds.add_parser("all", help="generator, latency and shm with their defaults")
    every.set_defaults(run=lambda a: print_json(bench_all()))
    return parser


def bench_all() -> dict:
    return {
        "generator": generator.bench_generator([256, 512], 5.0, os.cpu_count() or 1),
        "latency": latency.bench_latency([30.0, 60.0], 200, 256),
        "shm": shm.bench_shm([256, 512, 1024], 500),
    }


def main(argv: list[str] | None = None) -> int:
    """Run ``oscserver bench`` with ``argv`` (the arguments after ``bench``); exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else 2
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    setup_logging(verbose=False)
    try:
        return args.run(args)
    except OscServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
