"""The render's progress bar: tqdm on stderr, with what is done, the time so far and an ETA.

On a terminal tqdm redraws one line (at most 10 times a second). Into a pipe or a log it
writes a whole line every tenth of the work instead, without carriage returns, so a log reads
line by line.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm

BAR_FORMAT = (
    "{desc} {percentage:3.0f}% [{bar:28}] {n_fmt}/{total_fmt} {unit}, "
    "{elapsed} elapsed, ETA {remaining}, {rate_fmt}"
)


class LogLines(tqdm):
    """tqdm for a pipe or a log: each time the bar is shown it is one whole line, and clearing
    it (which a log cannot undo) writes nothing."""

    monitor_interval = 0
    """No monitor thread: it would force a line on every update after a slow stretch."""

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        if msg is not None:  # a clear (''), never the bar itself
            return False
        self.fp.write(f"{self}\n")
        self.fp.flush()
        return True

    def close(self) -> None:
        if not self.disable and self.n != self.last_print_n:
            self.refresh()  # the last line, unless the last update wrote it already
        self.leave = False  # tqdm would write it (and an empty line) again
        super().close()


def progress_bar(
    total: int, label: str, unit: str = "frames", stream: TextIO | None = None
) -> tqdm:
    """A progress bar over ``total`` units, labelled ``label``, on ``stream`` (default:
    stderr): ``update(n)`` after ``n`` more units, ``close()`` at the end (a tqdm)."""
    stream = stream if stream is not None else sys.stderr
    common: dict[str, Any] = {
        "total": max(1, total),
        "desc": label,
        "unit": unit,
        "file": stream,
        "bar_format": BAR_FORMAT,
        "ascii": "-#",
    }
    if stream.isatty():
        return tqdm(**common, mininterval=0.1)
    # Overall rate (no smoothing): a log line is read after the fact.
    return LogLines(**common, mininterval=0, miniters=-(-max(1, total) // 10), smoothing=0)
