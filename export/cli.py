"""``oscserver export ...``: write generator files.

The top-level CLI calls :func:`main` with the arguments after ``export``. Each subcommand is a
:class:`Command` in :data:`COMMANDS` (name, help, a function adding its arguments, a function
running it), so BigGAN and users' torch generators can be added beside ``default``::

    oscserver export default                 # oscserver/models/default-256.onnx
    oscserver export default --size 512      # oscserver/models/default-512.onnx
    oscserver export default -o my.onnx      # anywhere else
    oscserver export default --all           # both shipped files
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Where the shipped generator files live (package data of ``oscserver.models``).
MODELS_DIR = Path(__file__).resolve().parent.parent / "oscserver" / "models"
#: The shipped sizes of the default generator (``export.default_generator.SIZES``; kept here so
#: that ``--help`` works without importing torch).
DEFAULT_SIZES = (256, 512)


def default_model_path(size: int) -> Path:
    """The shipped default generator file for ``size`` (256 or 512)."""
    return MODELS_DIR / f"default-{size}.onnx"


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _default_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size",
        type=int,
        choices=DEFAULT_SIZES,
        default=DEFAULT_SIZES[0],
        help="frame size in pixels (default %(default)s)",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "-o", "--output", type=Path, help="output file (default: the shipped file for --size)"
    )
    target.add_argument(
        "--all", action="store_true", help="write every shipped size into oscserver/models/"
    )


def _default_run(args: argparse.Namespace) -> int:
    from export.default_generator import export_default

    if args.all:
        jobs = [(size, default_model_path(size)) for size in DEFAULT_SIZES]
    else:
        jobs = [(args.size, args.output or default_model_path(args.size))]
    for size, path in jobs:
        report = export_default(size, path)
        print(report.format(), flush=True)
    return 0


COMMANDS: dict[str, Command] = {
    "default": Command(
        name="default",
        help="the embedded default generator (style-modulated CPPN, no weights to download)",
        add_arguments=_default_arguments,
        run=_default_run,
    ),
}


def build_parser(prog: str = "oscserver export") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Export generators to ONNX files that oscserver plays."
    )
    sub = parser.add_subparsers(dest="command", metavar="GENERATOR", required=True)
    for command in COMMANDS.values():
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``oscserver export`` with ``argv`` (the arguments after ``export``); exit status."""
    from export.onnx_export import ExportError

    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return COMMANDS[args.command].run(args)
    except ModuleNotFoundError as exc:
        if exc.name not in ("torch", "onnx", "onnxscript"):
            raise
        print(
            f"export needs {exc.name}: pip install 'oscserver[torch]' (see tools/setup.sh)",
            file=sys.stderr,
        )
        return 1
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
