"""The controls a generator is played with: targets set from OSC, values stepped at frame rate.

Writers (the OSC router for every transport, the schedule) call ``apply_together`` with
validated changes; the frame clock thread calls ``step`` once per frame and gets a snapshot of
every value. A lock keeps the two apart; both sides hold it for microseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from oscserver.control.feedback import AnchorLoader, FeedbackControl, load_in_thread
from oscserver.control.motion import DEFAULT_MOTION, Channel, Motion
from oscserver.control.rhythm import Lfo, NoiseWalk
from oscserver.generator.contract import GeneratorSpec


@dataclass(frozen=True, slots=True)
class SetTarget:
    """Set a control's whole target vector (or its one value for a scalar); ``seed`` when
    the target was drawn from a noise seed."""

    name: str
    value: np.ndarray
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class SetElements:
    """Set some elements of a control's target: ``target[indices] = values``."""

    name: str
    indices: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, slots=True)
class SetMotion:
    """Change how a control moves toward its target; ``name`` None means every control."""

    name: str | None
    motion: Motion


@dataclass(frozen=True, slots=True)
class FeedbackChange:
    """Steer a feedback generator: ``noise`` (amount), ``blend`` (amount), ``reset``, or
    ``image`` (path and frame): see feedback.py."""

    action: str
    amount: float = 0.0
    path: str = ""
    frame: int = 0


@dataclass(frozen=True, slots=True)
class SetLfo:
    """Move a scalar control around its target in time with the beat (None: stop)."""

    name: str
    lfo: Lfo | None


@dataclass(frozen=True, slots=True)
class SetWalk:
    """Give a noise control a new nearby target every few beats (None: stop)."""

    name: str
    walk: NoiseWalk | None


Change = SetTarget | SetElements | SetMotion | FeedbackChange | SetLfo | SetWalk


@dataclass(frozen=True, slots=True)
class TimedChange:
    """A validated change and the message it came from: that message's sequence number and
    its arrival (wall-clock seconds)."""

    change: Change
    seq: int
    arrival: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Control values for one frame, and the last control message that went into them."""

    values: dict[str, np.ndarray]
    osc_seq: int
    osc_arrival: float


class Controls:
    """Every control of one generator. ``carry_from`` (the controls of the generator this one
    replaces) hands over value, target and motion of each control with the same name and
    length, so switching models keeps what the performer set."""

    def __init__(
        self,
        spec: GeneratorSpec,
        carry_from: Controls | None = None,
        load_anchor: AnchorLoader = load_in_thread,
        seed: int | None = None,
    ) -> None:
        """``load_anchor`` decodes the picture a ``/feedback/image`` names; it is called after
        the change is applied, outside the lock (the server hands in one that runs a tracked
        task). ``seed`` seeds the noise walks (None: fresh each run)."""
        self._lock = threading.Lock()
        self._load_anchor = load_anchor
        self._channels: dict[str, Channel] = {
            c.name: Channel(c.default, DEFAULT_MOTION[c.role], spherical=c.role == "noise")
            for c in spec.controls
        }
        self._seeds: dict[str, int] = {
            c.name: c.seed if c.seed is not None else 0 for c in spec.controls if c.role == "noise"
        }
        self._ranges = {c.name: (c.low, c.high) for c in spec.controls}
        self._lfos: dict[str, Lfo] = {}
        self._walks: dict[str, tuple[NoiseWalk, int | None]] = {}
        self._outputs: dict[str, np.ndarray] = {}
        self._rng = np.random.default_rng(seed)
        self._last_seq = 0
        self._last_arrival = 0.0
        fmt = spec.output.frame_format
        has_feedback = any(c.role == "feedback" for c in spec.inputs)
        self.feedback = (
            FeedbackControl(fmt.height, fmt.width, fmt.channels) if has_feedback else None
        )
        if carry_from is not None:
            self._carry(carry_from)

    def _carry(self, old: Controls) -> None:
        with old._lock:
            for name, channel in self._channels.items():
                previous = old._channels.get(name)
                if previous is not None and previous.value.shape == channel.value.shape:
                    channel.value[:] = previous.value
                    channel.target[:] = previous.target
                    channel.set_motion(previous.motion)
                    if name in self._seeds and name in old._seeds:
                        self._seeds[name] = old._seeds[name]
                    if name in old._lfos:
                        self._lfos[name] = old._lfos[name]
                    if name in old._walks:
                        self._walks[name] = old._walks[name]
            self._last_seq, self._last_arrival = old._last_seq, old._last_arrival

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._channels)

    def apply(self, change: Change, seq: int, arrival: float) -> None:
        """Apply a validated change; ``seq`` and ``arrival`` identify the message it came from."""
        self.apply_together([TimedChange(change, seq, arrival)])

    def apply_together(self, changes: Sequence[TimedChange]) -> None:
        """Apply several changes at once: the frame clock thread sees all of them or none."""
        with self._lock:
            for timed in changes:
                self._apply(timed.change, timed.seq, timed.arrival)
        if self.feedback is not None:
            for timed in changes:
                change = timed.change
                if isinstance(change, FeedbackChange) and change.action == "image":
                    self._load_anchor(self.feedback, Path(change.path), change.frame)

    def _apply(self, change: Change, seq: int, arrival: float) -> None:
        if isinstance(change, FeedbackChange):
            self._apply_feedback(change)
        elif isinstance(change, SetMotion) and change.name is None:
            for channel in self._channels.values():
                channel.set_motion(change.motion)
        elif change.name is None or change.name not in self._channels:
            # Validated for a generator that has just been swapped out: moot now.
            return
        elif isinstance(change, SetLfo):
            if change.lfo is None:
                self._lfos.pop(change.name, None)
            else:
                self._lfos[change.name] = change.lfo
        elif isinstance(change, SetWalk):
            if change.walk is None:
                self._walks.pop(change.name, None)
            else:
                self._walks[change.name] = (change.walk, None)
        elif isinstance(change, SetTarget):
            self._channels[change.name].target[:] = change.value
            if change.seed is not None:
                self._seeds[change.name] = change.seed
        elif isinstance(change, SetElements):
            self._channels[change.name].target[change.indices] = change.values
        else:
            self._channels[change.name].set_motion(change.motion)
        if seq > self._last_seq:
            self._last_seq = seq
            self._last_arrival = arrival

    def _apply_feedback(self, change: FeedbackChange) -> None:
        feedback = self.feedback
        if feedback is None:
            return  # the address space offers these only for feedback generators
        if change.action == "noise":
            feedback.inject_noise(change.amount)
        elif change.action == "blend":
            feedback.set_blend(change.amount)
        elif change.action == "reset":
            feedback.restart()
        # "image": decoded by ``load_anchor`` once the lock is let go (apply_together)

    def step(self, dt: float, position: float | None = None) -> Snapshot:
        """Move every control ``dt`` seconds toward its target and return the new values;
        ``position`` (song position in beats, from the beat clock) drives LFOs and walks."""
        with self._lock:
            if position is not None:
                self._step_walks(position)
            for channel in self._channels.values():
                channel.step(dt)
            values = {
                name: channel.value.astype(np.float32) for name, channel in self._channels.items()
            }
            if position is not None:
                for name, lfo in self._lfos.items():
                    low, high = self._ranges[name]
                    moved = values[name] + np.float32(lfo.offset(position))
                    values[name] = np.clip(moved, low, high).astype(np.float32)
            self._outputs = values
            return Snapshot(values, self._last_seq, self._last_arrival)

    def _step_walks(self, position: float) -> None:
        for name, (walk, last_cycle) in list(self._walks.items()):
            cycle = int(position // walk.period)
            if last_cycle is not None and cycle != last_cycle:
                channel = self._channels[name]
                low, high = self._ranges[name]
                target = walk.next_target(channel.target, self._rng)
                channel.target[:] = np.clip(target, low, high)
            self._walks[name] = (walk, cycle)

    def current(self, name: str) -> tuple[np.ndarray, np.ndarray, Motion]:
        """(value, target, motion) of one control, copied, for status and discovery. The value
        is what the generator got last (motion, then any LFO on top)."""
        with self._lock:
            channel = self._channels[name]
            value = self._outputs.get(name, channel.value)
            return value.astype(np.float64), channel.target.copy(), channel.motion

    def rhythm(self, name: str) -> tuple[Lfo | None, NoiseWalk | None]:
        """The LFO and the walk on one control (None where there is none)."""
        with self._lock:
            walk = self._walks.get(name)
            return self._lfos.get(name), walk[0] if walk else None

    def seed(self, name: str) -> int:
        """The seed the noise control ``name`` last drew its target from."""
        with self._lock:
            return self._seeds[name]

    def reading(self) -> Reading:
        """Every control at one moment, copied once, for answering many reads."""
        with self._lock:
            state = {
                name: (
                    self._outputs.get(name, channel.value).astype(np.float64),
                    channel.target.copy(),
                    channel.motion,
                )
                for name, channel in self._channels.items()
            }
            rhythm = {
                name: (self._lfos.get(name), w[0] if (w := self._walks.get(name)) else None)
                for name in self._channels
            }
            return Reading(state, dict(self._seeds), self.feedback, rhythm)


class ControlView(Protocol):
    """What reads the controls' values: ``Controls`` (live) or a ``Reading`` (one copy)."""

    @property
    def feedback(self) -> FeedbackControl | None: ...

    def current(self, name: str) -> tuple[np.ndarray, np.ndarray, Motion]: ...

    def seed(self, name: str) -> int: ...

    def rhythm(self, name: str) -> tuple[Lfo | None, NoiseWalk | None]: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """What ``Controls.reading`` copied: read like ``Controls`` (``current``, ``seed``,
    ``feedback``), without taking its lock again for every value."""

    state: dict[str, tuple[np.ndarray, np.ndarray, Motion]]
    seeds: dict[str, int]
    feedback: FeedbackControl | None
    rhythms: dict[str, tuple[Lfo | None, NoiseWalk | None]]

    def rhythm(self, name: str) -> tuple[Lfo | None, NoiseWalk | None]:
        return self.rhythms[name]

    def current(self, name: str) -> tuple[np.ndarray, np.ndarray, Motion]:
        return self.state[name]

    def seed(self, name: str) -> int:
        return self.seeds[name]
