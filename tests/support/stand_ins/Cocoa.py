"""Stand-in for PyObjC's Cocoa: the run loop calls the Syphon sink makes."""

from __future__ import annotations

import threading

NSDefaultRunLoopMode = "kCFRunLoopDefaultMode"
TURNS: list[tuple[str, str, float]] = []
"""(mode, thread name, seconds) of every ``runMode_beforeDate_``."""


class NSDate:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    @classmethod
    def dateWithTimeIntervalSinceNow_(cls, seconds: float) -> NSDate:
        return cls(seconds)


class NSRunLoop:
    @classmethod
    def currentRunLoop(cls) -> NSRunLoop:
        return cls()

    def runMode_beforeDate_(self, mode: str, date: NSDate) -> bool:
        TURNS.append((mode, threading.current_thread().name, date.seconds))
        return True
