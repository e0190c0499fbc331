"""Counters, rolling percentiles and rate-limited logging for the status line and /status."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque

import numpy as np

from oscserver.core.errors import Reason


class ControlCounters:
    """Accepted and rejected control messages, rejections counted per reason.

    Every message (or malformed datagram, or datagram refused at the door) is counted exactly
    once, so ``accepted + rejected + empty_bundles`` is what was received. Malformed datagrams
    are also counted by what was wrong with them (``malformed_by_kind``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.accepted = 0
        self.rejected: Counter[str] = Counter({reason.value: 0 for reason in Reason})
        self.malformed_by_kind: Counter[str] = Counter()
        self.empty_bundles = 0
        self._seq = 0

    def accept(self) -> int:
        """Count an accepted message and return its sequence number (1, 2, ...)."""
        with self._lock:
            self.accepted += 1
            self._seq += 1
            return self._seq

    def reject(self, reason: Reason) -> None:
        with self._lock:
            self.rejected[reason] += 1

    def malformed(self, kind: str) -> None:
        """What was wrong with a malformed datagram (counted as rejected on its own)."""
        with self._lock:
            self.malformed_by_kind[kind] += 1

    def empty_bundle(self, count: int = 1) -> None:
        with self._lock:
            self.empty_bundles += count

    @property
    def total_rejected(self) -> int:
        with self._lock:
            return sum(self.rejected.values())

    def status(self) -> dict[str, object]:
        return {"osc": self.as_dict()}

    def as_dict(self) -> dict[str, object]:
        with self._lock:
            return {
                "accepted": self.accepted,
                "rejected": sum(self.rejected.values()),
                "rejected_by_reason": dict(self.rejected),
                "malformed_by_kind": dict(self.malformed_by_kind),
                "empty_bundles": self.empty_bundles,
            }


class RateLimitedLog:
    """Logs a message per key at most once per ``interval`` seconds.

    The next message after a quiet spell says how many were held back."""

    def __init__(self, logger: logging.Logger, interval: float = 2.0) -> None:
        self._logger = logger
        self._interval = interval
        self._last: dict[str, float] = {}
        self._held: Counter[str] = Counter()

    def warning(self, key: str, message: str) -> None:
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._held[key] += 1
            return
        held = self._held.pop(key, 0)
        suffix = f" ({held} more like this since the last report)" if held else ""
        self._last[key] = now
        self._logger.warning("%s%s", message, suffix)


class RollingWindow:
    """The last ``size`` samples of a measure, for percentiles. Thread-safe."""

    def __init__(self, size: int = 300) -> None:
        self._values: deque[float] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, value: float) -> None:
        with self._lock:
            self._values.append(value)

    def percentiles(self, *qs: float) -> list[float | None]:
        with self._lock:
            if not self._values:
                return [None for _ in qs]
            data = np.fromiter(self._values, dtype=np.float64)
        return [float(v) for v in np.percentile(data, qs)]


class RateMeter:
    """Events per second over the last few seconds (for fps)."""

    def __init__(self, window: float = 2.0) -> None:
        self._times: deque[float] = deque()
        self._window = window
        self._lock = threading.Lock()

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._times.append(now)
            while self._times and now - self._times[0] > self._window:
                self._times.popleft()

    def rate(self) -> float:
        now = time.monotonic()
        with self._lock:
            while self._times and now - self._times[0] > self._window:
                self._times.popleft()
            if len(self._times) < 2:
                return 0.0
            return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-9)
