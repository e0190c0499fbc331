"""How a part declares its settings: each option is a dataclass field with its command-line flag
and help. A part's options live beside it (``generator/options.py``, ``osc/options.py``, ...) and
the part takes its group whole; ``oscserver/config.py`` gathers the groups and derives the
``serve`` command line from them."""

from __future__ import annotations

import argparse
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


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's defaults formatter, quiet where there is nothing to say: no "(default: None)"
    or "(default: False)", and nothing added to a help text that speaks of its default already."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """The command lines' parser: every help shows the defaults. Subcommands made with
    ``add_subparsers().add_parser`` are Parsers too (argparse makes them of the parent's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """An option given no help still shows its default."""
        action = super().add_argument(*args, **kwargs)
        quiet = (None, False, argparse.SUPPRESS)
        if action.help is None and action.option_strings and action.default not in quiet:
            action.help = "default: %(default)s"
        return action
