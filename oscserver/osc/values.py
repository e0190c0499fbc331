"""OSC argument values that are not plain Python numbers, strings, blobs, booleans or None.

The decoder hands every argument on as what it is, so validation can say "a colour is not a
number" (``wrong_type``) instead of guessing. Plain types map as: ``i``/``h`` -> int,
``f``/``d`` -> float, ``s`` -> str, ``b`` -> bytes, ``T``/``F`` -> bool, ``N`` -> None,
``[ ... ]`` -> list.
"""

from __future__ import annotations

from dataclasses import dataclass

NTP_UNIX_OFFSET = 2_208_988_800
"""Seconds from 1900-01-01 (the OSC/NTP epoch) to 1970-01-01 (the Unix epoch)."""


class Symbol(str):
    """``S``: a string some systems keep apart from ``s`` (Max and Pd symbols)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Symbol({str.__repr__(self)})"


@dataclass(frozen=True, slots=True)
class Char:
    """``c``: one character, sent as a 32-bit code."""

    code: int

    def __str__(self) -> str:
        return chr(self.code) if 0 <= self.code <= 0x10FFFF else f"\\x{self.code:x}"


@dataclass(frozen=True, slots=True)
class Color:
    """``r``: an RGBA colour, one byte per channel."""

    r: int
    g: int
    b: int
    a: int


@dataclass(frozen=True, slots=True)
class Midi:
    """``m``: a MIDI message: port id, status byte, two data bytes."""

    port: int
    status: int
    data1: int
    data2: int


@dataclass(frozen=True, slots=True)
class TimeTag:
    """``t`` (and a bundle's time): NTP seconds since 1900 and a 2^-32 s fraction."""

    seconds: int
    fraction: int

    @property
    def immediately(self) -> bool:
        """OSC's special tag 1: "apply as soon as it arrives"."""
        return self.seconds == 0 and self.fraction == 1

    @property
    def unix(self) -> float:
        """Wall-clock seconds since 1970 (what ``time.time()`` returns)."""
        return self.seconds - NTP_UNIX_OFFSET + self.fraction / 2**32

    @classmethod
    def from_unix(cls, when: float) -> TimeTag:
        ntp = when + NTP_UNIX_OFFSET
        seconds = int(ntp)
        fraction = min(int((ntp - seconds) * 2**32), 2**32 - 1)
        return cls(seconds, fraction)


IMMEDIATELY = TimeTag(0, 1)


class _Impulse:
    """``I``: OSC 1.1's impulse (OSC 1.0's "infinitum"): an event with no value."""

    _instance: _Impulse | None = None

    def __new__(cls) -> _Impulse:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Impulse"


Impulse = _Impulse()


def type_name(value: object) -> str:
    """What a performer would call this value in an error message."""
    if value is None:
        return "nil"
    if value is Impulse:
        return "impulse"
    names = {
        bool: "boolean",
        int: "int",
        float: "float",
        str: "string",
        Symbol: "symbol",
        bytes: "blob",
        list: "array",
        Char: "char",
        Color: "colour",
        Midi: "MIDI message",
        TimeTag: "time tag",
    }
    return names.get(type(value), type(value).__name__)
