"""What the torch side's three command lines share: ``oscserver export``, ``train``, ``curate``.

Each family registers its own subcommands, the way ``oscserver_bench/`` does:
``oscserver_export/cli.py`` and ``oscserver_export/train_cli.py`` list the families' ``commands``
modules, and each module's ``add_export_commands(kinds)`` or ``add_train_commands(kinds)`` adds its
subparsers to ``kinds`` with ``set_defaults(run=...)``. :func:`run_command` then parses the
arguments, runs the chosen command and turns the failures a user can fix into one line on stderr and
an exit status. Building the parsers imports no torch: a command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

#: The subparsers of one command line, as ``add_subparsers`` returns them.
Kinds: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@dataclass(frozen=True)
class Failures:
    """How a command line reports a failure the user can fix, instead of a traceback.

    ``expected`` gives the exception classes (imported only once a command runs: some live
    beside torch); ``message`` words one of them for stderr, or returns None to let it
    propagate; ``status`` is the exit status then."""

    expected: Callable[[], tuple[type[Exception], ...]]
    message: Callable[[argparse.Namespace, Exception], str | None]
    status: int


def run_command(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, failures: Failures
) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``) with ``parser`` and run the chosen command
    (``args.run(args)``); returns its exit status. ``--help`` and usage errors return
    argparse's status instead of raising SystemExit."""
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help or a usage error, already printed
        return exc.code if isinstance(exc.code, int) else 2
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    expected = failures.expected()
    try:
        status: int = args.run(args)
    except expected as exc:
        message = failures.message(args, exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return failures.status
    return status


def say(message: str) -> None:
    """One line of progress or result on stderr (stdout is kept for reports)."""
    print(message, file=sys.stderr, flush=True)


def use_torch_threads(threads: int | None) -> None:
    """``torch.set_num_threads(threads)`` when ``--threads`` was given."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def add_precision_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fp16`` and ``--tolerance``, for the exports that offer float16 weights."""
    parser.add_argument(
        "--fp16", action="store_true", help="float16 weights (half the file; inputs stay float32)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        help="largest allowed ONNX Runtime vs PyTorch difference, in output units "
        "(default: 2 levels of the 8-bit picture, 16 with --fp16)",
    )
