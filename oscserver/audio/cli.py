"""Command line: ``oscserver drive`` (live OSC driver) and ``oscserver render`` (music video).

``add_audio_parsers(commands)`` registers both on ``oscserver``'s subcommands; until then,
``python -m oscserver.audio drive|render`` runs the same parsers. (The render benchmark is
``oscserver bench render``, in ``oscserver_bench/render.py``.)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from oscserver.audio.errors import AudioError
from oscserver.core.errors import OscServerError
from oscserver.core.options import Parser
from oscserver.core.sizes import PRESETS, SizeError, check_render_scale
from oscserver.generator.fitting import FILTERS, FITS
from oscserver.generator.providers import PROVIDER_NAMES

if TYPE_CHECKING:
    from oscserver.audio.video.render import RenderReport, RenderSettings

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

    render = commands.add_parser(
        "render",
        help="render songs to music videos (H.264 + audio)",
        description="One song: -o VIDEO.mp4. Several songs: -o FOLDER/ (each song to "
        "FOLDER/<song name>.mp4) or one -o per song, in the same order.",
    )
    render.add_argument("song", nargs="*", type=Path, help="song files (anything FFmpeg reads)")
    render.add_argument(
        "-o",
        "--output",
        action="append",
        help="video file to write (.mp4), once per song; or a folder (ending in /) for all",
    )
    render.add_argument("--model", default="default", help="generator ONNX file, or 'default'")
    _mapping_arguments(render)
    render.add_argument("--fps", type=float, default=30.0)
    render.add_argument(
        "--size",
        help=f"video size: WxH (1920x1080), one number for a square, or {', '.join(PRESETS)}; "
        "the default generator draws it natively, others are fitted (default: the generator's "
        "own size)",
    )
    render.add_argument(
        "--render-scale",
        default="1",
        metavar="F",
        help="the default generator draws at F times the size (0.25..1), scaled up "
        "(default %(default)s)",
    )
    render.add_argument(
        "--fit",
        choices=FITS,
        default="crop",
        help="a generator of another aspect: crop, contain (letterbox) or stretch "
        "(default %(default)s)",
    )
    render.add_argument(
        "--scale-filter",
        choices=FILTERS,
        default="bicubic",
        help="bicubic (sharper) or bilinear (default %(default)s)",
    )
    render.add_argument("--encoder", help="video encoder (default: best H.264 available)")
    render.add_argument("--crf", type=int, default=18, help="x264 quality, 0 (best) to 51")
    render.add_argument(
        "--provider",
        choices=tuple(PROVIDER_NAMES),
        help="force an ONNX Runtime provider (default: best available)",
    )
    render.add_argument(
        "--threads",
        type=int,
        help="inference threads (default: all cores; with --ray: per CPU worker, default 1)",
    )
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    ray = render.add_argument_group("rendering on a Ray cluster (the ray extra; docs/audio.md)")
    ray.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="render the frames on Ray workers: no ADDRESS starts a cluster on this machine, "
        "'auto' joins the running one (RAY_ADDRESS), or ray://HOST:10001; put it after the songs",
    )
    ray.add_argument(
        "--ray-workers",
        type=int,
        metavar="N",
        help="Ray actors (default: one per GPU, else the cluster's CPUs / --threads)",
    )
    ray.add_argument(
        "--chunk-frames", type=int, metavar="N", help="frames per chunk sent to a worker (90)"
    )
    ray.add_argument(
        "--in-flight",
        type=int,
        metavar="N",
        help="chunks out at once, at most (default: two per worker)",
    )
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
    from oscserver.audio.mappings import mapping_class
    from oscserver.audio.mappings.knobs import describe_knobs

    kind = mapping_class(mapping)
    print(f"{kind.name}: {kind.summary}")
    for info in describe_knobs(kind.Knobs):
        print(f"  {info.line()}")
    return 0


def run_drive(args: argparse.Namespace) -> int:
    from oscserver.audio.live.driver import DriveSettings, drive_input, drive_song
    from oscserver.audio.mappings.knobs import parse_assignments

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
    from oscserver.audio.mappings.knobs import parse_assignments
    from oscserver.audio.video.render import RenderSettings, check_paths, parse_size

    if args.list_knobs:
        return list_knobs(args.mapping)
    if not args.song or not args.output:
        raise AudioError("render needs a song and -o OUTPUT.mp4")
    for flag in ("ray_workers", "chunk_frames", "in_flight"):
        if getattr(args, flag) is not None and args.ray is None:
            raise AudioError(f"--{flag.replace('_', '-')} goes with --ray")
    knobs: dict[str, object] = dict(parse_assignments(args.knob))
    size = parse_size(args.size) if args.size else None
    try:
        render_scale = check_render_scale(args.render_scale)
    except SizeError as exc:
        raise AudioError(str(exc)) from None
    settings = [
        RenderSettings(
            song=song,
            output=output,
            model=args.model,
            mapping=args.mapping,
            knobs=knobs,
            fps=args.fps,
            size=size,
            render_scale=render_scale,
            fit=args.fit,
            scale_filter=args.scale_filter,
            seed=args.seed,
            encoder=args.encoder,
            crf=args.crf,
            provider=args.provider,
            threads=args.threads,
        )
        for song, output in zip(args.song, output_paths(args.song, args.output), strict=True)
    ]
    for one in settings:  # every song checked before the first is rendered
        check_paths(one)
    if args.ray is not None:
        from oscserver.audio.video.ray import CHUNK_FRAMES, RayOptions, render_videos_ray

        options = RayOptions(
            address=args.ray,
            workers=args.ray_workers,
            chunk_frames=CHUNK_FRAMES if args.chunk_frames is None else args.chunk_frames,
            in_flight=args.in_flight,
        )
        reports = render_videos_ray(settings, options, show_progress=not args.quiet)
        summaries = [report.summary() for report in reports]
    else:
        summaries = [report.summary() for report in render_songs(settings, not args.quiet)]
    for summary in summaries:
        print(summary, file=sys.stderr)
    return 0


def output_paths(songs: list[Path], outputs: list[str]) -> list[Path]:
    """Where each song's video goes. ``-o FOLDER/`` (an existing folder, or a path written
    with a trailing slash, created): ``FOLDER/<song stem>.mp4`` for every song; otherwise one
    ``-o`` per song, paired in order."""
    if len(outputs) == 1 and (outputs[0].endswith(("/", os.sep)) or Path(outputs[0]).is_dir()):
        folder = Path(outputs[0])
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / f"{song.stem}.mp4" for song in songs]
    elif len(outputs) == len(songs):
        paths = [Path(output) for output in outputs]
    else:
        raise AudioError(
            f"{len(songs)} songs and {len(outputs)} -o outputs: give one -o per song, in order, "
            "or one -o FOLDER/ for all of them"
        )
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise AudioError(f"two songs would both be written to {path}")
        seen.add(path.resolve())
    return paths


def render_songs(settings: list[RenderSettings], show_progress: bool = True) -> list[RenderReport]:
    """Render songs one after another in this process, loading the generator once."""
    from oscserver.audio.video.render import open_generator, render_video

    reports = []
    runtime = None
    for one in settings:
        if runtime is None and len(settings) > 1:
            runtime = open_generator(one)
        reports.append(render_video(one, show_progress, runtime))
    return reports


def main(argv: list[str] | None = None) -> int:
    """``python -m oscserver.audio drive|render ...``"""
    parser = Parser(
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
