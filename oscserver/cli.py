"""Command line: ``oscserver serve | export | train | bench | drive | render``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys

from oscserver.config import ServeConfig, add_options, from_args
from oscserver.errors import OscServerError

log = logging.getLogger("oscserver")

# Commands that live on the torch side (export/), handed their arguments as they are.
TORCH_COMMANDS = {"export": "export.cli", "train": "export.train_cli"}
TORCH_SIDE_PACKAGES = {"torch", "onnx", "onnxscript", "pytorch_pretrained_biggan"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in TORCH_COMMANDS:
        # Export and training need torch; the runtime never imports it, so hand over before
        # argparse.
        try:
            return importlib.import_module(TORCH_COMMANDS[argv[0]]).main(argv[1:])
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
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Per-candidate ICE and RTP chatter belongs to --verbose only.
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    try:
        return args.run(args)
    except OscServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oscserver", description="Neural-network visuals played live over OSC."
    )
    commands = parser.add_subparsers(title="commands")
    serve = commands.add_parser("serve", help="render frames driven by OSC")
    add_options(serve)
    serve.add_argument("-v", "--verbose", action="store_true")
    serve.set_defaults(run=run_serve)
    commands.add_parser("export", help="export a generator to ONNX (needs the torch extra)")
    commands.add_parser(
        "train", help="make footage, train VAE / next-frame generators (needs the torch extra)"
    )
    from oscserver.bench import add_bench_parser

    add_bench_parser(commands)
    from oscserver.audio.cli import add_audio_parsers

    add_audio_parsers(commands)
    return parser


def run_serve(args: argparse.Namespace) -> int:
    return asyncio.run(serve_until_signal(from_args(args)))


async def serve_until_signal(config: ServeConfig) -> int:
    from oscserver.server import Server

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no add_signal_handler; Ctrl+C still raises KeyboardInterrupt there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    server = Server(config)
    await server.start()
    log.info("ready; Ctrl+C to stop")
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await server.stop()
        log.info("stopped")
    return 0
