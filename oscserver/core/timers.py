"""Finer timers on Windows while serving.

Windows wakes sleeping threads on its timer tick, 15.6 ms by default: a frame clock at 30 fps
(33.3 ms a frame) then ticks up to 15 ms late, and the beat clock's ticks jitter as much. The
server asks for 1 ms ticks (``timeBeginPeriod(1)``) while it serves and gives them back when it
stops (``timeEndPeriod``), as media players and DAWs do. Elsewhere nothing is needed: Linux and
macOS sleep to the microsecond. ``oscserver bench clock`` measures the ticks' lateness.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("oscserver.core.timers")

PERIOD_MS = 1
TIMERR_NOERROR = 0


@contextmanager
def fine_timers(platform: str = sys.platform, winmm: Any = None) -> Iterator[bool]:
    """While inside, 1 ms timer ticks on Windows; yields whether they were granted."""
    if platform != "win32":
        yield False
        return
    winmm = winmm if winmm is not None else _winmm()
    if winmm.timeBeginPeriod(PERIOD_MS) != TIMERR_NOERROR:
        log.warning("Windows refused 1 ms timers; frames may tick up to 15.6 ms late")
        yield False
        return
    try:
        yield True
    finally:
        winmm.timeEndPeriod(PERIOD_MS)


def _winmm() -> Any:
    if sys.platform == "win32":
        import ctypes

        return ctypes.WinDLL("winmm")
    raise OSError("winmm.dll exists on Windows only")
