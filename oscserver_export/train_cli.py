"""``oscserver train ...``: make footage and train generators from it.

The top-level CLI calls :func:`main` with the arguments after ``train``. Each family registers
its own subcommands (``add_train_commands`` in its ``commands`` module, listed in
:data:`FAMILIES`)::

    oscserver train footage -o window.mp4 [--size 64] [--frames 600] [--seed 0] [--speed 1]
    oscserver train vae FOOTAGE -o vae.onnx [--size 32|64|128|256] [--latent 32] [--epochs 20|40]
    oscserver train nextframe FOOTAGE -o nextframe.onnx [--size 64] [--minutes 2 | --epochs 10]
    oscserver train default -o mine.onnx --classes 207,volcano [--steps 55] [--fresh] [--judge]

Runs as ``python -m oscserver_export.train_cli ...`` too. See docs/learned.md and docs/curation.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oscserver.core.options import Parser
from oscserver_export.command_line import Failures, run_command
from oscserver_export.default import commands as default
from oscserver_export.learned import commands as learned

#: The families ``oscserver train`` offers, in the order ``--help`` lists their commands.
FAMILIES = (learned, default)


def build_parser(prog: str = "oscserver train") -> argparse.ArgumentParser:
    """The ``oscserver train`` parser, the families' subcommands in :data:`FAMILIES` order."""
    parser = Parser(prog=prog, description="Train learned generators.")
    kinds = parser.add_subparsers(dest="command", metavar="WHAT", required=True)
    for family in FAMILIES:
        family.add_train_commands(kinds)
    return parser


def _expected() -> tuple[type[Exception], ...]:
    from oscserver.core.errors import OscServerError
    from oscserver_export.curation.classifier import ClassifierError
    from oscserver_export.learned.frames import FootageError
    from oscserver_export.writer.errors import ExportError

    return (FootageError, ExportError, ClassifierError, OscServerError, ValueError, OSError)


def _message(args: argparse.Namespace, exc: Exception) -> str:
    return f"train {args.command} failed: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``oscserver train`` with ``argv`` (the arguments after ``train``); exit status."""
    return run_command(build_parser(), argv, Failures(_expected, _message, status=1))


if __name__ == "__main__":
    sys.exit(main())
