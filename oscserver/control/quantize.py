"""Quantized changes: a control change sent without a future time tag waits for the next beat,
bar or N beats, then lands on the frame nearest that boundary (through the same schedule as
time-tagged changes; an explicit time tag always wins).

``/quantize MODE`` sets it for everything; ``/quantize/<address> MODE`` for one address and
everything under it (``/quantize/class bar`` covers ``/class``, ``/class/set``, ``/class/207``);
the longest matching address wins. MODE: ``off``, ``beat``, ``bar`` or a number of beats.
"""

from __future__ import annotations

import threading

from oscserver.core.errors import ControlError, Reason

MIN_BEATS, MAX_BEATS = 1.0 / 16.0, 64.0
MODES = ("off", "beat", "bar")

Mode = str | float


def parse_mode(address: str, value: object) -> Mode:
    """``off``, ``beat``, ``bar`` or a number of beats (a number, or a word such as "2");
    ControlError otherwise."""
    if isinstance(value, str) and value in MODES:
        return value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ControlError(
                Reason.OUT_OF_RANGE,
                f"{address} expects off, beat, bar or a number of beats, got {value!r:.40}",
            ) from None
    if type(value) is not int and type(value) is not float:
        raise ControlError(
            Reason.WRONG_TYPE,
            f"{address} expects off, beat, bar or a number of beats, got {value!r:.40}",
        )
    beats = float(value)
    if not MIN_BEATS <= beats <= MAX_BEATS:
        raise ControlError(
            Reason.OUT_OF_RANGE,
            f"{address}: {beats:g} beats is outside {MIN_BEATS:g}..{MAX_BEATS:g}",
        )
    return beats


class Quantize:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.everything: Mode = "off"
        self._by_address: dict[str, Mode] = {}

    def set(self, mode: Mode, address: str | None = None) -> None:
        with self._lock:
            if address is None:
                self.everything = mode
            elif mode == "off" and address in self._by_address and self.everything == "off":
                del self._by_address[address]
            else:
                self._by_address[address] = mode

    def mode_for(self, address: str) -> Mode:
        with self._lock:
            best, mode = -1, self.everything
            for prefix, value in self._by_address.items():
                if (address == prefix or address.startswith(prefix + "/")) and len(prefix) > best:
                    best, mode = len(prefix), value
            return mode

    def status(self) -> dict[str, object]:
        return {"quantize": self.describe()}

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {"everything": self.everything, **self._by_address}


def beats_of(mode: Mode, meter: int) -> float | None:
    """The boundary spacing ``mode`` means, in beats (None: off)."""
    if mode == "off":
        return None
    if mode == "beat":
        return 1.0
    if mode == "bar":
        return float(meter)
    return float(mode)
