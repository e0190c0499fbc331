"""BigGAN's command: ``oscserver export biggan``.

    oscserver export biggan --weights DIR --resolution 256 -o biggan-256.onnx [--fp16]

The weights folder is read from disk, never downloaded (:mod:`oscserver_export.biggan.weights`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from oscserver_export.command_line import Kinds, add_precision_arguments

#: The BigGAN-deep resolutions ``--resolution`` accepts (as :data:`oscserver_export.biggan.model.
#: RESOLUTIONS`, repeated here so that ``--help`` needs no torch).
BIGGAN_RESOLUTIONS = (128, 256, 512)


def add_export_commands(kinds: Kinds) -> None:
    """Register ``biggan`` under ``oscserver export`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser(
        "biggan",
        help="BigGAN-deep 128/256/512 from a local pytorch-pretrained-biggan weights folder",
    )
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
    add_precision_arguments(parser)
    parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    """``oscserver export biggan``: load the weights folder, export and check the file."""
    from oscserver_export.biggan.generator import export_biggan

    report = export_biggan(args.weights, args.resolution, args.output, args.fp16, args.tolerance)
    print(report.format(), flush=True)
    return 0
