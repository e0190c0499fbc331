"""Command line: ``oscserver drive`` (live OSC driver) and ``oscserver render`` (music video).

``add_audio_parsers(commands)`` registers both on ``oscserver``'s subcommands; until then,
``python -m oscserver.audio drive|render`` runs the same parsers. (The render benchmark is
``oscserver bench render``, in ``bench/render.py``.)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from oscserver.audio.errors import AudioError
from oscserver.errors import OscServerError

MAPPING_NAMES = ("chroma", "clusters", "wander", "lyrics")
"""The mappings' names, spelled out so building the parser imports nothing heavy (a test
checks them against ``oscserver.audio.mappings.MAPPINGS``)."""


def add_audio_parsers(commands: argparse._SubParsersAction) -> None:
    """Add ``drive`` and ``render`` to ``commands`` (each sets ``run=fn(args) -> int``)."""
    drive = commands.add_parser(
        "drive", help="send a song's mapping to a running server over OSC, in real time"
    )
    drive.add_argument("song", nargs="?", type=Path, help="song file (anything FFmpeg reads)")
    drive.add_argument("--to", default="127.0.0.1:9000", help="server OSC address HOST:PORT")
    _mapping_arguments(drive)
    drive.add_argument("--fps", type=float, default=30.0, help="control frames per second")
    drive.add_argument(
        "--lookahead",
        type=float,
        metavar="MS",
        help="send each bundle this many ms before its time tag (default 100; live input: 0)",
    )
    drive.add_argument("--play", action="store_true", help="play the song on the sound card")
    drive.add_argument(
        "--input", metavar="DEVICE", help="analyse this sound card input live instead of a song"
    )
    drive.add_argument(
        "--model", default="default", help="the generator the server runs ('default' or FILE)"
    )
    drive.add_argument(
        "--start-delay", type=float, default=0.5, help="seconds before the song's first frame"
    )
    drive.set_defaults(run=run_drive)

    render = commands.add_parser("render", help="render a song to a music video (H.264 + audio)")
    render.add_argument("song", nargs="?", type=Path, help="song file (anything FFmpeg reads)")
    render.add_argument("-o", "--output", type=Path, help="video file to write (.mp4)")
    render.add_argument("--model", default="default", help="generator ONNX file, or 'default'")
    _mapping_arguments(render)
    render.add_argument("--fps", type=float, default=30.0)
    render.add_argument(
        "--size",
        help="output WxH or one number; default: the generator's size (default generator: "
        "256, or 512 when the size asks for more); other sizes are cropped and scaled",
    )
    render.add_argument("--encoder", help="video encoder (default: best H.264 available)")
    render.add_argument("--crf", type=int, default=18, help="x264 quality, 0 (best) to 51")
    render.add_argument("--provider", choices=("tensorrt", "cuda", "cpu"))
    render.add_argument("--threads", type=int, help="inference threads (default: all cores)")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(run=run_render)


def _mapping_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mapping", default="chroma", choices=MAPPING_NAMES)
    parser.add_argument(
        "-k",
        "--knob",
        action="append",
        metavar="NAME=VALUE",
        help="set one of the mapping's knobs (repeatable; --list-knobs lists them)",
    )
    parser.add_argument(
        "--list-knobs", action="store_true", help="describe the mapping's knobs and exit"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the mapping's randomness")
    parser.add_argument("-v", "--verbose", action="store_true")


def list_knobs(mapping: str) -> int:
    from oscserver.audio.knobs import describe_knobs
    from oscserver.audio.mappings import mapping_class

    kind = mapping_class(mapping)
    print(f"{kind.name}: {kind.summary}")
    for info in describe_knobs(kind.Knobs):
        print(f"  {info.line()}")
    return 0


def run_drive(args: argparse.Namespace) -> int:
    from oscserver.audio.driver import DriveSettings, drive_input, drive_song
    from oscserver.audio.knobs import parse_assignments

    if args.list_knobs:
        return list_knobs(args.mapping)
    if (args.song is None) == (args.input is None):
        raise AudioError("give a song file or --input DEVICE (one of them)")
    host, _, port = args.to.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AudioError(f"--to expects HOST:PORT, got {args.to!r}")
    if args.lookahead is not None:
        lookahead = args.lookahead / 1000.0
    else:
        lookahead = 0.0 if args.input is not None else 0.1
    settings = DriveSettings(
        song=args.song,
        host=host,
        port=int(port),
        mapping=args.mapping,
        knobs=dict(parse_assignments(args.knob)),
        fps=args.fps,
        lookahead=lookahead,
        play=args.play,
        input_device=args.input,
        model=args.model,
        seed=args.seed,
        start_delay=args.start_delay,
    )
    try:
        report = drive_input(settings) if args.input is not None else drive_song(settings)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    return 0 if report.bundles else 1


def run_render(args: argparse.Namespace) -> int:
    from oscserver.audio.knobs import parse_assignments
    from oscserver.audio.render import RenderSettings, parse_size, render_video

    if args.list_knobs:
        return list_knobs(args.mapping)
    if args.song is None or args.output is None:
        raise AudioError("render needs a song and -o OUTPUT.mp4")
    settings = RenderSettings(
        song=args.song,
        output=args.output,
        model=args.model,
        mapping=args.mapping,
        knobs=dict(parse_assignments(args.knob)),
        fps=args.fps,
        size=parse_size(args.size) if args.size else None,
        seed=args.seed,
        encoder=args.encoder,
        crf=args.crf,
        provider=args.provider,
        threads=args.threads,
    )
    report = render_video(settings, show_progress=not args.quiet)
    print(report.summary(), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m oscserver.audio drive|render ...``"""
    parser = argparse.ArgumentParser(
        prog="python -m oscserver.audio", description="Audio to visuals: drive and render."
    )
    commands = parser.add_subparsers(title="commands")
    add_audio_parsers(commands)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        return args.run(args)
    except OscServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
