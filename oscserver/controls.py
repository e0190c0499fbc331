"""The controls a generator is played with: targets set from OSC, values stepped at frame rate.

Writers (the OSC listener, later the WebRTC data channel) call ``apply`` with a validated
change; the render thread calls ``step`` once per frame and gets a snapshot of every value.
A lock keeps the two apart; both sides hold it for microseconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from oscserver.generator import GeneratorSpec
from oscserver.motion import DEFAULT_MOTION, Channel, Motion


@dataclass(frozen=True, slots=True)
class SetTarget:
    """Set a control's whole target vector (or its one value for a scalar)."""

    name: str
    value: np.ndarray


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


Change = SetTarget | SetElements | SetMotion


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Control values for one frame, and the last control message that went into them."""

    values: dict[str, np.ndarray]
    osc_seq: int
    osc_arrival: float


class Controls:
    def __init__(self, spec: GeneratorSpec) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, Channel] = {
            c.name: Channel(c.default, DEFAULT_MOTION[c.role], spherical=c.role == "noise")
            for c in spec.controls
        }
        self._last_seq = 0
        self._last_arrival = 0.0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._channels)

    def apply(self, change: Change, seq: int, arrival: float) -> None:
        """Apply a validated change; ``seq`` and ``arrival`` identify the message it came from."""
        with self._lock:
            if isinstance(change, SetTarget):
                self._channels[change.name].target[:] = change.value
            elif isinstance(change, SetElements):
                self._channels[change.name].target[change.indices] = change.values
            elif change.name is None:
                for channel in self._channels.values():
                    channel.set_motion(change.motion)
            else:
                self._channels[change.name].set_motion(change.motion)
            if seq > self._last_seq:
                self._last_seq = seq
                self._last_arrival = arrival

    def step(self, dt: float) -> Snapshot:
        """Move every control ``dt`` seconds toward its target and return the new values."""
        with self._lock:
            for channel in self._channels.values():
                channel.step(dt)
            values = {
                name: channel.value.astype(np.float32) for name, channel in self._channels.items()
            }
            return Snapshot(values, self._last_seq, self._last_arrival)

    def current(self, name: str) -> tuple[np.ndarray, np.ndarray, Motion]:
        """(value, target, motion) of one control, copied, for status and discovery."""
        with self._lock:
            channel = self._channels[name]
            return channel.value.copy(), channel.target.copy(), channel.motion
