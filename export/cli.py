"""``oscserver export ...``: write generator files.

The top-level CLI calls :func:`main` with the arguments after ``export``. Each subcommand is a
:class:`Command` in :data:`COMMANDS` (name, help, a function adding its arguments, a function
running it), so BigGAN and users' torch generators can be added beside ``default``::

    oscserver export default                 # oscserver/models/default-256.onnx
    oscserver export default --size 512      # oscserver/models/default-512.onnx
    oscserver export default -o my.onnx      # anywhere else
    oscserver export default --all           # both shipped files
    oscserver export biggan --weights DIR --resolution 256 -o biggan-256.onnx [--fp16]
    oscserver export torch mygen.model:build --input latent:noise:1x64:-3,3 -o mine.onnx

See docs/export.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oscserver.generator.contract import DEFAULT_SIZES  # importing it needs no torch (--help)

#: Where the shipped generator files live (package data of ``oscserver.models``).
MODELS_DIR = Path(__file__).resolve().parent.parent / "oscserver" / "models"


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


BIGGAN_RESOLUTIONS = (128, 256, 512)


def _biggan_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights",
        type=Path,
        required=True,
        help="folder with pytorch_model.bin and config.json (pytorch-pretrained-biggan layout)",
    )
    parser.add_argument(
        "--resolution", type=int, choices=BIGGAN_RESOLUTIONS, required=True, help="frame size"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="ONNX file to write")
    _precision_arguments(parser)


def _precision_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fp16", action="store_true", help="float16 weights (half the file; inputs stay float32)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        help="largest allowed ONNX Runtime vs PyTorch difference, in output units "
        "(default: 2 levels of the 8-bit picture, 16 with --fp16)",
    )


def _biggan_run(args: argparse.Namespace) -> int:
    from export.biggan import export_biggan

    report = export_biggan(args.weights, args.resolution, args.output, args.fp16, args.tolerance)
    print(report.format(), flush=True)
    return 0


def _torch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", metavar="PACKAGE.MODULE:FACTORY", help="callable returning a torch.nn.Module"
    )
    parser.add_argument(
        "--input",
        dest="inputs",
        action="append",
        default=[],
        metavar="NAME:ROLE:SHAPE:RANGE[:DEFAULT]",
        help="declare one forward() argument, in any order, e.g. latent:noise:1x64:-3,3 "
        "(roles: class_weights, noise, scalar, vector, feedback; DEFAULT a number, a list "
        "or seed=N)",
    )
    parser.add_argument(
        "--spec", type=Path, help="JSON or TOML file declaring inputs and output instead"
    )
    parser.add_argument("--output-layout", choices=("NCHW", "NHWC"), help="default NCHW")
    parser.add_argument(
        "--output-range",
        type=float,
        nargs=2,
        metavar=("LO", "HI"),
        help="value range of the picture (default: -1 1; 0 255 for uint8)",
    )
    parser.add_argument("--name", help="generator name (default: the factory's name)")
    parser.add_argument("--description", help="one line for performers")
    parser.add_argument(
        "--path", type=Path, default=Path.cwd(), help="folder to import from (default: .)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="ONNX file to write")
    _precision_arguments(parser)


def _torch_run(args: argparse.Namespace) -> int:
    from export.onnx_export import ExportError
    from export.torch_generator import (
        GeneratorDeclaration,
        export_torch_generator,
        parse_input,
        read_spec_file,
    )

    if args.spec is not None and args.inputs:
        raise ExportError("give the inputs either with --input or in --spec, not both")
    if args.spec is not None:
        declaration = read_spec_file(args.spec)
    elif args.inputs:
        declaration = GeneratorDeclaration(inputs=[parse_input(text) for text in args.inputs])
    else:
        raise ExportError(
            "declare the generator's inputs: --input NAME:ROLE:SHAPE:RANGE[:DEFAULT] for each "
            "forward() argument, or --spec FILE (see docs/export.md)"
        )
    if args.output_layout:
        declaration.output_layout = args.output_layout
    if args.output_range:
        declaration.output_range = (args.output_range[0], args.output_range[1])
    if args.name:
        declaration.name = args.name
    if args.description:
        declaration.description = args.description
    report = export_torch_generator(
        args.target, declaration, args.output, args.fp16, args.tolerance, args.path
    )
    print(report.format(), flush=True)
    return 0


COMMANDS: dict[str, Command] = {
    "default": Command(
        name="default",
        help="the embedded default generator (style-modulated CPPN, no weights to download)",
        add_arguments=_default_arguments,
        run=_default_run,
    ),
    "biggan": Command(
        name="biggan",
        help="BigGAN-deep 128/256/512 from a local pytorch-pretrained-biggan weights folder",
        add_arguments=_biggan_arguments,
        run=_biggan_run,
    ),
    "torch": Command(
        name="torch",
        help="your own PyTorch generator (PACKAGE.MODULE:FACTORY) with declared inputs",
        add_arguments=_torch_arguments,
        run=_torch_run,
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
        if exc.name == "pytorch_pretrained_biggan":
            print(
                "export biggan needs the BigGAN architecture: pip install 'oscserver[biggan]' "
                "(pytorch-pretrained-biggan; its weights are never downloaded)",
                file=sys.stderr,
            )
            return 1
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
