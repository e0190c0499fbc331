"""Typed descriptions of OSC addresses: what each takes, whether it has a value to read.

One description per address serves validation (the ranges a handler checks), ``GET /osc``,
OSCQuery (``TYPE``, ``RANGE``, ``ACCESS``) and replies, so what is advertised is exactly what
is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oscserver.control.controls import ControlView

Reader = Callable[[ControlView], tuple[object, ...]]
"""Reads an address's current value from the controls it is given."""


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: its OSC type tag and the inclusive range (or choices) accepted."""

    type: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def range_text(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.low is None or self.high is None:
            return ""
        return f"in [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True, slots=True)
class Address:
    """One OSC address.

    ``args``: the arguments of one message (a vector's are one ``Arg`` repeated). ``repeats``:
    more groups of ``args`` may follow (index value pairs). ``optional``: how many trailing
    arguments may be left out. ``read``: how to read the current value (None: nothing to read,
    e.g. a one-shot command). ``writable``: accepts messages (False for the read-only
    ``/now/...`` values). ``listed``: shown when the address space is listed (an element such as
    ``/class/207`` answers when asked, but is not listed)."""

    address: str
    args: tuple[Arg, ...]
    description: str
    control: str | None = None
    read: Reader | None = None
    writable: bool = True
    repeats: bool = False
    optional: int = 0
    listed: bool = True

    @property
    def types(self) -> str:
        """The OSC type tag string of one message (OSCQuery's TYPE)."""
        return "".join(a.type for a in self.args)

    @property
    def signature(self) -> str:
        """The same, short for people: ``f*1000``, ``if...``, ``s[i]``."""
        tags = self.types
        if len(tags) > 2 and len(set(tags)) == 1:
            return f"{tags[0]}*{len(tags)}"
        if self.repeats:
            return tags + "..."
        if self.optional:
            cut = len(tags) - self.optional
            return tags[:cut] + "[" + tags[cut:] + "]"
        return tags

    @property
    def readable(self) -> bool:
        return self.read is not None

    @property
    def access(self) -> int:
        """OSCQuery ACCESS: 3 read/write, 1 read-only, 0 no value (a one-shot command)."""
        if not self.readable:
            return 0
        return 3 if self.writable else 1
