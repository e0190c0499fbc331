"""Command line: ``oscserver serve | export | train | curate | bench | drive | render``."""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import logging
import signal
import sys
from collections.abc import Callable
from types import ModuleType

from oscserver import __version__
from oscserver.config import ServeConfig, add_options, from_args
from oscserver.core.errors import OscServerError
from oscserver.core.options import Parser
from oscserver.generator.installed import MISSING

log = logging.getLogger("oscserver")

# Commands that live outside the runtime, handed their arguments as they are: the torch side
# (oscserver_export/) and the benchmarks (oscserver_bench/). The runtime never imports either, not
# even lazily; each module is found by name and its main(argv) gets everything after the command.
HANDED_OVER = {
    "export": "oscserver_export.cli",
    "train": "oscserver_export.train_cli",
    "curate": "oscserver_export.curation.cli",
    "bench": "oscserver_bench.cli",
}
TORCH_SIDE_PACKAGES = {"torch", "onnx", "onnxscript", "pytorch_pretrained_biggan"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in HANDED_OVER:
        # Hand over before argparse: their parsers are theirs, and export and training need
        # torch, which the runtime never imports.
        try:
            return importlib.import_module(HANDED_OVER[argv[0]]).main(argv[1:])
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in TORCH_SIDE_PACKAGES:
                raise
            print(
                f"error: 'oscserver {argv[0]}' needs the torch extra ({exc.name} is missing): "
                "pip install torch==2.13.0 && pip install 'oscserver[torch]'",
                file=sys.stderr,
            )
            return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    setup_logging(getattr(args, "verbose", False))
    try:
        return args.run(args)
    except OscServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if exc.name != "onnxruntime":
            raise
        print(f"error: {MISSING}", file=sys.stderr)
        return 2


def setup_logging(verbose: bool) -> None:
    """Log to stderr with times (DEBUG with ``verbose``); the commands handed over use it too."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Per-candidate ICE and RTP chatter belongs to --verbose only.
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="oscserver", description="Neural-network visuals played live over OSC.")
    parser.add_argument("--version", action="version", version=f"oscserver {__version__}")
    commands = parser.add_subparsers(title="commands")
    serve = commands.add_parser("serve", help="render frames driven by OSC")
    add_options(serve)
    serve.add_argument("-v", "--verbose", action="store_true")
    serve.set_defaults(run=run_serve)
    commands.add_parser("export", help="export a generator to ONNX (needs the torch extra)")
    commands.add_parser(
        "train", help="make footage, train VAE / next-frame generators (needs the torch extra)"
    )
    commands.add_parser(
        "curate", help="a bank of vectors a classifier reads as chosen classes (torch extra)"
    )
    # Listed here for --help; "oscserver bench ..." never reaches this parser (see main).
    commands.add_parser("bench", help="measure speed (see docs/benchmarks.md)")
    from oscserver.audio.cli import add_audio_parsers

    add_audio_parsers(commands)
    return parser


def run_serve(args: argparse.Namespace) -> int:
    return asyncio.run(serve_until_signal(from_args(args)))


async def serve_until_signal(config: ServeConfig) -> int:
    from oscserver.server import Server

    stop = asyncio.Event()
    restore = catch_stop_signals(asyncio.get_running_loop(), stop.set)
    try:
        server = await Server.start(config)
        log.info("ready; Ctrl+C to stop")
        try:
            await stop.wait()
        finally:
            log.info("stopping")
            await server.stop()
            log.info("stopped")
    finally:
        restore()
    return 0


STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGBREAK")
"""Ctrl+C, a polite kill, and Ctrl+Break (Windows' console has no SIGTERM to send)."""


def catch_stop_signals(
    loop: asyncio.AbstractEventLoop, stop: Callable[[], None], signals: ModuleType = signal
) -> Callable[[], None]:
    """Call ``stop`` on the loop when a stop signal comes, so the server stops cleanly and
    exits 0; returns what puts the previous handlers back. Windows' event loops have no
    ``add_signal_handler``: there a plain handler hands the signal to the loop (without it,
    Ctrl+C would end in a KeyboardInterrupt traceback)."""
    restore: list[Callable[[], object]] = []
    for name in STOP_SIGNALS:
        number = getattr(signals, name, None)
        if number is None:
            continue
        try:
            loop.add_signal_handler(number, stop)
            restore.append(functools.partial(loop.remove_signal_handler, number))
        except (NotImplementedError, RuntimeError):
            previous = signal.signal(number, lambda *_: loop.call_soon_threadsafe(stop))
            restore.append(functools.partial(signal.signal, number, previous))

    def put_back() -> None:
        for undo in reversed(restore):
            undo()

    return put_back
