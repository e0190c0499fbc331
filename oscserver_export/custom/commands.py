"""Your own generator's command: ``oscserver export torch``.

    oscserver export torch mygen.model:build --input latent:noise:1x64:-3,3 -o mine.onnx

See :mod:`oscserver_export.custom.torch_generator` for the input declarations and docs/export.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from oscserver_export.command_line import Kinds, add_precision_arguments


def add_export_commands(kinds: Kinds) -> None:
    """Register ``torch`` under ``oscserver export`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "torch", help="your own PyTorch generator (PACKAGE.MODULE:FACTORY) with declared inputs"
    )
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
    add_precision_arguments(parser)
    parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    """``oscserver export torch``: import the factory, check its declared inputs, export."""
    from oscserver_export.custom.torch_generator import (
        GeneratorDeclaration,
        export_torch_generator,
        parse_input,
        read_spec_file,
    )
    from oscserver_export.writer.errors import ExportError

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
