"""How a part declares its settings: each option is a dataclass field with its command-line flag
and help. A part's options live beside it (``generator/options.py``, ``osc/options.py``, ...) and
the part takes its group whole; ``oscserver/config.py`` gathers the groups and derives the
``serve`` command line from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any


def option(
    default: Any,
    flag: str,
    help: str,
    convert: Callable[[Any], Any] | None = None,
    **argparse_options: Any,
) -> Any:
    """A field with its command-line flag. ``convert`` turns the parsed value into the
    setting (``--http-port -1`` -> None); the flag's name is the setting's flat name."""
    return field(
        default=default,
        metadata={"flag": flag, "help": help, "convert": convert, "argparse": argparse_options},
    )
