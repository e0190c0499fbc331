"""The frame clock and the render thread.

One thread owns the generator: at each tick of the frame clock it applies scheduled
control changes that are due, steps every control's motion, runs inference on the latest
values, and publishes the frame. When inference is slower than the clock, the ticks it
missed are dropped (counted), never queued: the next frame always uses the newest controls.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from oscserver.control.controls import Controls
from oscserver.control.feedback import from_pixels
from oscserver.control.schedule import Schedule
from oscserver.frame import Frame
from oscserver.render.runtime import GeneratorRuntime
from oscserver.stats import RateLimitedLog, RateMeter, RollingWindow

log = logging.getLogger("oscserver.render")


@dataclass
class RenderStats:
    rendered: int = 0
    dropped: int = 0
    errors: int = 0
    swaps: int = 0
    fps: RateMeter = field(default_factory=RateMeter)
    render_ms: RollingWindow = field(default_factory=RollingWindow)
    osc_to_frame_ms: RollingWindow = field(default_factory=RollingWindow)


class RenderLoop:
    def __init__(
        self,
        runtime: GeneratorRuntime,
        controls: Controls,
        schedule: Schedule,
        on_frame: Callable[[Frame], None],
        fps: float = 30.0,
    ) -> None:
        if not 0 < fps <= 1000:
            raise ValueError(f"fps must be in (0, 1000], got {fps}")
        self.runtime = runtime
        self.controls = controls
        self.schedule = schedule
        self.on_frame = on_frame
        self.fps = fps
        self.stats = RenderStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._errors = RateLimitedLog(log)
        self._pending: tuple[GeneratorRuntime, Controls, threading.Event] | None = None
        self._pending_lock = threading.Lock()
        self._last_pixels: np.ndarray | None = None

    def swap(self, runtime: GeneratorRuntime, controls: Controls) -> threading.Event:
        """Render with ``runtime`` and ``controls`` from the next frame on. The returned event
        is set once the swap has happened (between two frames; none is lost to it)."""
        done = threading.Event()
        with self._pending_lock:
            self._pending = (runtime, controls, done)
        if not self.running:
            self._take_swap()
        return done

    def _take_swap(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        runtime, controls, done = pending
        last = self._last_pixels
        fmt = runtime.frame_format
        if (
            controls.feedback is not None
            and last is not None
            and last.shape == (fmt.height, fmt.width, fmt.channels)
        ):
            # A retrained model goes on from the picture on screen, not from scratch.
            runtime.reset_feedback(from_pixels(last, runtime.spec.output))
        self.runtime, self.controls = runtime, controls
        self.stats.swaps += 1
        done.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="render-loop", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the frame in progress; waits for the thread at most ``timeout`` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("render thread did not stop within %.1f s", timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        interval = 1.0 / self.fps
        start = time.perf_counter()
        next_tick = start
        last_tick = start
        index = 0
        last_seq = 0
        while not self._stop.is_set():
            now = time.perf_counter()
            if now < next_tick:
                self._stop.wait(next_tick - now)
                continue
            missed = math.floor((now - next_tick) / interval)
            if missed:
                self.stats.dropped += missed
                index += missed
            tick = next_tick + missed * interval
            next_tick = tick + interval
            if self._pending is not None:
                self._take_swap()
            # Half a frame early is on time: the change lands on the frame nearest its tag.
            self.schedule.apply_due(time.time() + interval / 2, self.controls)
            snapshot = self.controls.step(tick - last_tick)
            last_tick = tick
            began = time.perf_counter()
            try:
                pixels = self.runtime.render(snapshot.values)
            except Exception as exc:  # keep rendering; a bad frame is logged and counted
                self.stats.errors += 1
                self._errors.warning("render", f"frame {index} failed: {exc!r}")
                index += 1
                continue
            if self.controls.feedback is not None:
                self._steer_feedback(pixels)
            self._last_pixels = pixels
            finished = time.perf_counter()
            published = time.time()
            frame = Frame(
                pixels=pixels,
                index=index,
                clock_time=tick - start,
                render_ms=(finished - began) * 1000.0,
                osc_seq=snapshot.osc_seq,
                osc_arrival=snapshot.osc_arrival,
                published=published,
            )
            self.stats.rendered += 1
            self.stats.fps.tick()
            self.stats.render_ms.add(frame.render_ms)
            if snapshot.osc_seq != last_seq:
                last_seq = snapshot.osc_seq
                self.stats.osc_to_frame_ms.add((published - snapshot.osc_arrival) * 1000.0)
            self.on_frame(frame)
            index += 1

    def _steer_feedback(self, pixels: np.ndarray) -> None:
        assert self.controls.feedback is not None
        changed, picture = self.controls.feedback.next_feedback(pixels)
        if changed:
            image = None if picture is None else from_pixels(picture, self.runtime.spec.output)
            self.runtime.reset_feedback(image)
