"""Control changes waiting for their OSC time tag, applied by the frame clock when due.

A bundle tagged in the future never sleeps anything: its messages are validated on arrival,
then wait here, and the frame clock applies those due at each tick. Bounded in size and
in how far ahead a tag may be.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from dataclasses import dataclass, field

from oscserver.control.controls import Controls, TimedChange

MAX_AHEAD_SECONDS = 60.0
MAX_PENDING = 4096


@dataclass(order=True, slots=True)
class _Pending:
    due: float
    order: int
    timed: TimedChange = field(compare=False)


class Schedule:
    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._heap: list[_Pending] = []
        self._lock = threading.Lock()
        self._order = itertools.count()
        self._max_pending = max_pending

    def __len__(self) -> int:
        return len(self._heap)

    def status(self) -> dict[str, object]:
        return {"scheduled": len(self)}

    def is_full(self) -> bool:
        return len(self._heap) >= self._max_pending

    def has_room(self, count: int = 1) -> bool:
        return len(self._heap) + count <= self._max_pending

    def add(self, due: float, timed: TimedChange) -> None:
        with self._lock:
            heapq.heappush(self._heap, _Pending(due, next(self._order), timed))

    def clear(self) -> int:
        """Drop every waiting change (they were validated for a generator now gone)."""
        with self._lock:
            dropped = len(self._heap)
            self._heap.clear()
            return dropped

    def apply_due(self, now: float, controls: Controls) -> int:
        """Apply every change due at or before ``now`` (wall-clock seconds); return how many."""
        applied = 0
        while True:
            with self._lock:
                if not self._heap or self._heap[0].due > now:
                    return applied
                item = heapq.heappop(self._heap)
            controls.apply_together([item.timed])
            applied += 1
