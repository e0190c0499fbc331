"""The frame clock: the thread that makes the live frames.

One thread owns the generator: at each tick of the frame clock it applies scheduled
control changes that are due, steps every control's motion, runs inference on the latest
values, and publishes the frame. When inference is slower than the clock, the ticks it
missed are dropped (counted), never queued: the next frame always uses the newest controls.

What plays comes from the stage manager (``stage.py``): the clock reads it at every tick,
so a new generator is taken between two frames and no frame is lost to a swap.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from oscserver.control.beat_clock import BeatClock
from oscserver.control.feedback import FeedbackControl
from oscserver.control.schedule import Schedule
from oscserver.core.frame import Frame, FrameFormat
from oscserver.core.stats import RateLimitedLog, RateMeter, RollingWindow
from oscserver.generator.fitting import Fit, fit_pixels
from oscserver.generator.pixels import from_pixels
from oscserver.generator.runtime import GeneratorRuntime
from oscserver.stage import Stage, StageManager

log = logging.getLogger("oscserver.frame_clock")


@dataclass
class FrameStats:
    rendered: int = 0
    dropped: int = 0
    errors: int = 0
    swaps: int = 0
    fps: RateMeter = field(default_factory=RateMeter)
    render_ms: RollingWindow = field(default_factory=RollingWindow)
    osc_to_frame_ms: RollingWindow = field(default_factory=RollingWindow)


class FrameClock:
    """Ticks ``fps`` times a second on its own thread and hands each frame to ``on_frame``
    (the frame bus's thread-safe ``publish``). Started and stopped by the server. Every frame
    has the ``output`` format, whatever generator draws it (each runtime is opened fitted to it,
    ``generator/fitting.py``)."""

    def __init__(
        self,
        stages: StageManager,
        schedule: Schedule,
        on_frame: Callable[[Frame], None],
        output: FrameFormat,
        fps: float = 30.0,
        beats: BeatClock | None = None,
    ) -> None:
        """``beats``: where the beat is at each tick (LFOs, walks, the frame's ``beat``)."""
        if not 0 < fps <= 1000:
            raise ValueError(f"fps must be in (0, 1000], got {fps}")
        self._stages = stages
        self._schedule = schedule
        self._on_frame = on_frame
        self.output = output
        self.fps = fps
        self.stats = FrameStats()
        self._beats = beats
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._errors = RateLimitedLog(log)
        self._last_pixels: np.ndarray | None = None

    def status(self) -> dict[str, object]:
        stats = self.stats
        render_p50, render_p99 = stats.render_ms.percentiles(50, 99)
        lat_p50, lat_p99 = stats.osc_to_frame_ms.percentiles(50, 99)
        return {
            "fps": stats.fps.rate(),
            "frames_rendered": stats.rendered,
            "frames_dropped": stats.dropped,
            "render_errors": stats.errors,
            "frame_ms_p50": render_p50,
            "frame_ms_p99": render_p99,
            "osc_to_frame_ms_p50": lat_p50,
            "osc_to_frame_ms_p99": lat_p99,
            "frame_size": [self.output.width, self.output.height],
            "model": {"swaps": stats.swaps},
        }

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(self._stages.current,), name="frame-clock", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the frame in progress; waits for the thread at most ``timeout`` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("frame clock thread did not stop within %.1f s", timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _follow(self, stage: Stage) -> Stage:
        """What the stage manager says plays now (taken between two frames)."""
        now = self._stages.current
        if now is stage:
            return stage
        runtime, last = now.runtime, self._last_pixels
        fmt = runtime.spec.output.frame_format
        if (
            now.controls.feedback is not None
            and last is not None
            and last.shape == (fmt.height, fmt.width, fmt.channels)
        ):
            # A retrained model goes on from the picture on screen, not from scratch.
            runtime.reset_feedback(from_pixels(last, runtime.spec.output))
        self.stats.swaps += 1
        return now

    def _run(self, stage: Stage) -> None:
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
            stage = self._follow(stage)
            controls, runtime = stage.controls, stage.runtime
            tick_time = time.time() - (time.perf_counter() - tick)  # the tick, on the wall clock
            # Half a frame early is on time: the change lands on the frame nearest its tag.
            self._schedule.apply_due(tick_time + interval / 2, controls)
            beat = self._beats.position_at(tick_time) if self._beats is not None else 0.0
            snapshot = controls.step(tick - last_tick, beat if self._beats else None)
            last_tick = tick
            began = time.perf_counter()
            try:
                pixels = runtime.draw(snapshot.values)
            except Exception as exc:  # keep rendering; a bad frame is logged and counted
                self.stats.errors += 1
                self._errors.warning("render", f"frame {index} failed: {exc!r}")
                index += 1
                continue
            drawn = runtime.drawn if runtime.drawn is not None else pixels
            if controls.feedback is not None:
                _steer_feedback(controls.feedback, runtime, drawn)
            self._last_pixels = drawn
            if pixels.shape != (self.output.height, self.output.width, self.output.channels):
                pixels = fit_pixels(pixels, Fit(self.output))  # a runtime opened unfitted
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
                tick_time=tick_time,
                beat=beat,
            )
            self.stats.rendered += 1
            self.stats.fps.tick()
            self.stats.render_ms.add(frame.render_ms)
            if snapshot.osc_seq != last_seq:
                last_seq = snapshot.osc_seq
                self.stats.osc_to_frame_ms.add((published - snapshot.osc_arrival) * 1000.0)
            self._on_frame(frame)
            index += 1


def _steer_feedback(
    feedback: FeedbackControl, runtime: GeneratorRuntime, pixels: np.ndarray
) -> None:
    changed, picture = feedback.next_feedback(pixels)
    if changed:
        image = None if picture is None else from_pixels(picture, runtime.spec.output)
        runtime.reset_feedback(image)
