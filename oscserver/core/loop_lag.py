"""How late the event loop runs what is due: measured all the time, shown in /status.

A task sleeps ``interval`` seconds over and over and records how much later than asked it
woke. Anything that blocks the loop (a slow handler, a big copy) shows up here as lag, which is
also how late OSC, HTTP and WebRTC work gets done.
"""

from __future__ import annotations

import asyncio

from oscserver.core.stats import RollingWindow

INTERVAL_SECONDS = 0.02
WINDOW = 500  # 10 s of samples


class LoopLag:
    def __init__(self, interval: float = INTERVAL_SECONDS, window: int = WINDOW) -> None:
        self.interval = interval
        self._lag_ms = RollingWindow(window)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self._lag_ms.add(max(0.0, loop.time() - asked) * 1000.0)

    def status(self) -> dict[str, object]:
        return {"loop_lag_ms": self.summary()}

    def summary(self) -> dict[str, float | None]:
        """p50, p99 and max of the lag over the last ``window`` samples, in milliseconds."""
        p50, p99, worst = self._lag_ms.percentiles(50, 99, 100)
        return {"p50": p50, "p99": p99, "max": worst}
