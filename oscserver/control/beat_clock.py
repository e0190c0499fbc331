"""Where the beat is: a clock locked to the performer's transport, fed over OSC.

The performer's software knows the beat exactly (Live's song position, a Beat CHOP, a tap);
it sends ``/tempo BPM``, ``/beat POSITION`` (song position in beats; ``/beat`` alone is a tick,
"a beat starts now") and ``/meter N``. Messages arrive with network and scheduling jitter, so
the clock does not jump to each one: it fits a line, position = p0 + (t - t0) * tempo / 60,
through the recent (time, position) samples (a time-tagged message brings its exact time; an
untagged one its arrival time), and answers from that line.

- **Tempo**: from ``/tempo`` when the sender gives it (taken at once, position kept
  continuous; the line's offset is then fit over the last 4 beats), otherwise from the slope of
  the samples of the last 2 beats.
- **Jumps** (a loop, a locate): a sample more than ``JUMP_SECONDS`` off the line starts a new
  line from it.
- **Lock**: at least three samples spanning a beat, within ``LOCK_RMS_SECONDS`` of the line.
- **Quiet**: no sample for ``QUIET_BEATS`` beats (and 2 s): unlocked, free-running at the last
  tempo. Before any message the clock free-runs at 120 BPM from the start.

Thread-safe: the event loop feeds it, the frame clock thread asks it where the beat is.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_TEMPO = 120.0
MIN_TEMPO, MAX_TEMPO = 20.0, 999.0
MAX_METER = 32
WINDOW_BEATS = 4.0
"""Song time the fit looks back over when the sender gives the tempo (only the offset is fit)."""
WINDOW_BEATS_FITTING_TEMPO = 2.0
"""Shorter when the tempo itself comes from the samples, so a tempo change ages out in 2 beats."""
WINDOW_SAMPLES = 16
JUMP_SECONDS = 0.08
LOCK_SAMPLES = 3
LOCK_RMS_SECONDS = 0.008
QUIET_BEATS = 4.0
QUIET_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class BeatState:
    """The clock at one moment (``time``, wall-clock seconds)."""

    time: float
    position: float
    tempo: float
    meter: int
    locked: bool
    quiet: bool
    source: str
    """"none" before any beat message, else "osc"."""
    samples: int
    jumps: int

    @property
    def phase(self) -> float:
        return self.position % 1.0

    @property
    def bar(self) -> int:
        return math.floor(self.position / self.meter)

    def describe(self) -> dict[str, object]:
        return {
            "tempo": round(self.tempo, 3),
            "position": round(self.position, 4),
            "time": self.time,
            "phase": round(self.phase, 4),
            "bar": self.bar,
            "beat_in_bar": round(self.position - self.bar * self.meter, 4),
            "meter": self.meter,
            "locked": self.locked,
            "quiet": self.quiet,
            "source": self.source,
            "samples": self.samples,
            "jumps": self.jumps,
        }


class BeatClock:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        now = clock()
        self._t0, self._p0 = now, 0.0
        self._tempo = DEFAULT_TEMPO
        self._tempo_given = False
        self._meter = 4
        self._samples: deque[tuple[float, float]] = deque(maxlen=WINDOW_SAMPLES)
        self._last_sample: float | None = None
        self._rms = math.inf
        self._jumps = 0

    # -- fed from OSC (the event loop) ---------------------------------------------------

    def set_tempo(self, bpm: float, when: float | None = None) -> None:
        """The sender's tempo from ``when`` on; the position goes on without a jump."""
        when = self._clock() if when is None else when
        with self._lock:
            changed = not self._tempo_given or abs(float(bpm) - self._tempo) > 1e-3
            self._tempo_given = True
            if not changed:
                return  # senders repeat the tempo a few times a beat: nothing to do
            position = self._position(when)
            self._t0, self._p0 = when, position
            self._tempo = float(bpm)
            # Samples before the change were at the old tempo; keep only the line's point.
            self._samples.clear()

    def set_meter(self, beats: int) -> None:
        with self._lock:
            self._meter = int(beats)

    def beat(self, position: float | None = None, when: float | None = None) -> float:
        """A sample: the song is at ``position`` beats at ``when`` (None: a tick, the nearest
        whole beat). Returns the position taken."""
        when = self._clock() if when is None else when
        with self._lock:
            if position is None:
                position = self._tick_position(when)
            predicted = self._position(when)
            off_by = (position - predicted) * 60.0 / self._tempo
            if self._samples and abs(off_by) > JUMP_SECONDS:
                self._jumps += 1
                self._samples.clear()
            self._samples.append((when, position))
            self._last_sample = when
            self._fit()
            return position

    # -- read from anywhere -------------------------------------------------------------

    def position_at(self, when: float) -> float:
        with self._lock:
            return self._position(when)

    def time_of(self, position: float) -> float:
        """The wall-clock time the line puts ``position`` at."""
        with self._lock:
            return self._t0 + (position - self._p0) * 60.0 / self._tempo

    def next_boundary(self, when: float, every_beats: float) -> float:
        """The first time after ``when`` at which the position is a multiple of
        ``every_beats`` (bars count from position 0)."""
        with self._lock:
            position = self._position(when)
            boundary = (math.floor(position / every_beats + 1e-9) + 1) * every_beats
            return self._t0 + (boundary - self._p0) * 60.0 / self._tempo

    @property
    def meter(self) -> int:
        with self._lock:
            return self._meter

    @property
    def heard(self) -> bool:
        """Whether any beat or tempo message has come (the clock is not on its own)."""
        with self._lock:
            return self._last_sample is not None or self._tempo_given

    def status(self) -> dict[str, object]:
        return {"beat": self.state().describe()}

    def state(self, when: float | None = None) -> BeatState:
        when = self._clock() if when is None else when
        with self._lock:
            quiet = self._is_quiet(when)
            locked = (
                not quiet
                and len(self._samples) >= LOCK_SAMPLES
                and self._span_beats() >= 1.0 - 1e-6
                and self._rms <= LOCK_RMS_SECONDS
            )
            return BeatState(
                time=when,
                position=self._position(when),
                tempo=self._tempo,
                meter=self._meter,
                locked=locked,
                quiet=quiet,
                source="osc" if self._last_sample is not None or self._tempo_given else "none",
                samples=len(self._samples),
                jumps=self._jumps,
            )

    # -- the line (callers hold the lock) -------------------------------------------------

    def _position(self, when: float) -> float:
        return self._p0 + (when - self._t0) * self._tempo / 60.0

    def _tick_position(self, when: float) -> float:
        if not self._samples:
            return 0.0 if self._last_sample is None else float(round(self._position(when)))
        if not self._tempo_given and len(self._samples) < 2:
            return self._samples[-1][1] + 1.0  # no tempo yet: the next beat
        return float(round(self._position(when)))

    def _span_beats(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        return self._samples[-1][1] - self._samples[0][1]

    def _is_quiet(self, when: float) -> bool:
        if self._last_sample is None:
            return True
        beats = QUIET_BEATS * 60.0 / self._tempo
        return when - self._last_sample > max(QUIET_SECONDS, beats)

    def _fit(self) -> None:
        # Only recent song time: a tempo change ages out of the window.
        window = WINDOW_BEATS if self._tempo_given else WINDOW_BEATS_FITTING_TEMPO
        while len(self._samples) > 2 and self._span_beats() > window:
            self._samples.popleft()
        times = [t for t, _ in self._samples]
        positions = [p for _, p in self._samples]
        n = len(times)
        t_last = times[-1]
        if n >= 2 and not self._tempo_given and positions[-1] - positions[0] >= 0.5:
            mean_t = sum(times) / n
            mean_p = sum(positions) / n
            var = sum((t - mean_t) ** 2 for t in times)
            cov = sum((t - mean_t) * (p - mean_p) for t, p in zip(times, positions, strict=True))
            if var > 0 and cov > 0:
                tempo = 60.0 * cov / var
                self._tempo = min(MAX_TEMPO, max(MIN_TEMPO, tempo))
        slope = self._tempo / 60.0
        # The offset that best fits the samples at this tempo, anchored at the newest one.
        offset = sum(p - (t - t_last) * slope for t, p in self._samples) / n
        self._t0, self._p0 = t_last, offset
        residuals = [(p - (offset + (t - t_last) * slope)) / slope for t, p in self._samples]
        self._rms = math.sqrt(sum(r * r for r in residuals) / n) if n > 1 else math.inf
