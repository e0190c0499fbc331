"""``oscserver export ...``: write generator files.

The top-level CLI calls :func:`main` with the arguments after ``export``. Each generator family
registers its own subcommand (``add_export_commands`` in its ``commands`` module, listed in
:data:`FAMILIES`)::

    oscserver export default                 # oscserver/models/default.onnx (any size)
    oscserver export default -o my.onnx      # anywhere else
    oscserver export biggan --weights DIR --resolution 256 -o biggan-256.onnx [--fp16]
    oscserver export torch mygen.model:build --input latent:noise:1x64:-3,3 -o mine.onnx

See docs/export.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oscserver.core.options import Parser
from oscserver_export.biggan import commands as biggan
from oscserver_export.command_line import Failures, run_command
from oscserver_export.custom import commands as custom
from oscserver_export.default import commands as default

#: The families ``oscserver export`` offers, in the order ``--help`` lists them.
FAMILIES = (default, biggan, custom)


def build_parser(prog: str = "oscserver export") -> argparse.ArgumentParser:
    """The ``oscserver export`` parser, one subcommand per family's generator."""
    parser = Parser(prog=prog, description="Export generators to ONNX files that oscserver plays.")
    kinds = parser.add_subparsers(dest="command", metavar="GENERATOR", required=True)
    for family in FAMILIES:
        family.add_export_commands(kinds)
    return parser


def _expected() -> tuple[type[Exception], ...]:
    from oscserver_export.writer.errors import ExportError

    return (ExportError, ModuleNotFoundError)


def _message(args: argparse.Namespace, exc: Exception) -> str | None:
    if isinstance(exc, ModuleNotFoundError):
        if exc.name == "pytorch_pretrained_biggan":
            return (
                "export biggan needs the BigGAN architecture: pip install 'oscserver[biggan]' "
                "(pytorch-pretrained-biggan; its weights are never downloaded)"
            )
        if exc.name not in ("torch", "onnx", "onnxscript"):
            return None
        return f"export needs {exc.name}: pip install 'oscserver[torch]' (see tools/setup.sh)"
    return f"export failed: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``oscserver export`` with ``argv`` (the arguments after ``export``); exit status."""
    return run_command(build_parser(), argv, Failures(_expected, _message, status=1))


if __name__ == "__main__":
    sys.exit(main())
