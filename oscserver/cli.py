"""Command line: ``oscserver serve | export | train | bench | drive | render``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from pathlib import Path

from oscserver.errors import OscServerError
from oscserver.osc.front_door import DEFAULT_RATE
from oscserver.render.contract import DEFAULT_SIZES

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
    serve.add_argument(
        "--model",
        action="append",
        help="generator ONNX file, or 'default'; repeat to load several (the first plays; "
        "/model NAME switches)",
    )
    serve.add_argument(
        "--size",
        type=int,
        default=256,
        choices=DEFAULT_SIZES,
        help="size of the default generator (ignored for --model FILE)",
    )
    serve.add_argument("--osc-host", default="127.0.0.1")
    serve.add_argument("--osc-port", type=int, default=9000)
    serve.add_argument(
        "--osc-allow",
        metavar="CIDR[,CIDR...]",
        help="hosts or networks whose OSC is read (default: loopback when --osc-host is "
        "loopback, everyone otherwise)",
    )
    serve.add_argument(
        "--osc-rate-limit",
        type=float,
        default=DEFAULT_RATE,
        metavar="N",
        help=f"OSC datagrams per second per sending host (default {DEFAULT_RATE:g}; 0: no limit)",
    )
    serve.add_argument(
        "--media-dir",
        action="append",
        metavar="DIR",
        help="folder /model PATH and /feedback/image PATH may read from; repeat for more "
        "(default: the folders of the --model files)",
    )
    serve.add_argument("--fps", type=float, default=30.0)
    serve.add_argument("--shm", default="oscserver", help="shared-memory name ('' to turn off)")
    serve.add_argument(
        "--provider",
        choices=("tensorrt", "cuda", "cpu"),
        help="force an ONNX Runtime provider (default: best available)",
    )
    serve.add_argument("--threads", type=int, help="inference threads (default: all cores)")
    serve.add_argument(
        "--status-interval", type=float, default=1.0, help="seconds between status lines (0: none)"
    )
    serve.add_argument(
        "--http-host",
        default="127.0.0.1",
        help="viewer page and WebRTC (beyond loopback a token is required)",
    )
    serve.add_argument(
        "--http-port", type=int, default=8080, help="HTTP port (0: any free port, -1: no HTTP)"
    )
    serve.add_argument(
        "--token",
        help="token for /offer and controls (default: generated and printed when --http-host "
        "is not loopback)",
    )
    serve.add_argument("--webrtc-codec", choices=("vp8", "h264"), default="vp8")
    serve.add_argument(
        "--webrtc-bitrate",
        type=int,
        default=2_000_000,
        help="video bitrate to start at, bits/s (the browser may lower it)",
    )
    serve.add_argument(
        "--learn", metavar="VIDEO", help="keep training the model on VIDEO while it plays"
    )
    serve.add_argument(
        "--update-every", type=float, default=20.0, help="seconds between model swaps (--learn)"
    )
    serve.add_argument("--learn-dir", help="where --learn keeps its models (default: temporary)")
    serve.add_argument(
        "--oscquery-port",
        type=int,
        help="OSCQuery JSON namespace on this HTTP port (0: any free port; default: off)",
    )
    serve.add_argument(
        "--ndi",
        metavar="NAME",
        help="also send frames as an NDI source (needs pip install 'oscserver[ndi]')",
    )
    serve.add_argument(
        "--cache-dir", type=Path, help="TensorRT engine cache (default: ~/.cache/oscserver)"
    )
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
    from oscserver.server import ServeConfig

    config = ServeConfig(
        model=(args.model or ["default"])[0],
        more_models=tuple((args.model or [])[1:]),
        learn=args.learn,
        update_every=args.update_every,
        learn_dir=args.learn_dir,
        oscquery_port=args.oscquery_port,
        ndi=args.ndi,
        cache_dir=args.cache_dir,
        size=args.size,
        osc_host=args.osc_host,
        osc_port=args.osc_port,
        osc_allow=args.osc_allow,
        osc_rate_limit=args.osc_rate_limit,
        media_dirs=tuple(args.media_dir or ()),
        fps=args.fps,
        shm=args.shm or None,
        provider=args.provider,
        threads=args.threads,
        status_interval=args.status_interval,
        http_host=args.http_host,
        http_port=None if args.http_port < 0 else args.http_port,
        token=args.token,
        webrtc_codec=args.webrtc_codec,
        webrtc_bitrate=args.webrtc_bitrate,
    )
    return asyncio.run(serve_until_signal(config))


async def serve_until_signal(config) -> int:
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
