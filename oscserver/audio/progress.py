"""A plain-text progress bar with an ETA, on stderr, without dependencies.

On a terminal it redraws one line (at most 10 times a second); into a pipe or a log it
writes a line every 10 % instead, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 28


def format_seconds(seconds: float) -> str:
    """``75.2`` -> ``'1:15'``; ``3725`` -> ``'1:02:05'``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """``update(done)`` as work proceeds, ``finish()`` at the end."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, unit: str = "frames"
    ) -> None:
        self.total = max(1, total)
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._last_tenth = -1
        self.done = 0

    def line(self, done: int, now: float | None = None) -> str:
        """The progress line for ``done`` of ``total`` units."""
        now = time.perf_counter() if now is None else now
        elapsed = now - self.started
        fraction = min(1.0, done / self.total)
        filled = round(BAR_WIDTH * fraction)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else float("nan")
        eta_text = format_seconds(eta) if eta == eta else "?"
        speed = f"{rate:.1f} fps" if self.unit == "frames" else f"{rate:.2f} {self.unit}/s"
        return (
            f"{self.label} {fraction * 100:3.0f}% [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
            f"{done}/{self.total} {self.unit}, {format_seconds(elapsed)} elapsed, "
            f"ETA {eta_text}, {speed}"
        )

    def update(self, done: int) -> None:
        self.done = done
        now = time.perf_counter()
        if self.interactive:
            if now - self._last_draw >= 0.1:
                self._last_draw = now
                self.stream.write("\r" + self.line(done, now))
                self.stream.flush()
            return
        tenth = int(10 * done / self.total)
        if tenth > self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self.line(done, now) + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """Write the final line (100 %, total time)."""
        end = "\n"
        if self.interactive:
            self.stream.write("\r" + self.line(self.done) + end)
        elif self._last_tenth < 10:
            self.stream.write(self.line(self.done) + end)
        self.stream.flush()
