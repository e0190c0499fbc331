"""Motion in time with the beat: LFOs on scalar inputs, and a beat-stepped noise walk.

An LFO moves an input around its target: ``value = target motion + depth * shape(phase)``,
where the phase comes from the beat clock (``position / period + phase offset``), so a period
of one beat peaks on every beat. Shapes, each +1 at phase 0: ``sine`` (a cosine),
``triangle``, ``saw`` (falling), ``square``, ``random`` (a new value each period, held).

A noise walk gives a noise input a new nearby target at each period boundary: the current
target plus ``step`` times a random direction, kept at the target's length, so the usual
spherical motion glides there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SHAPES = ("sine", "triangle", "saw", "square", "random")


@dataclass(frozen=True, slots=True)
class Lfo:
    shape: str
    period: float
    """Beats per cycle."""
    depth: float
    """Amplitude in the input's own units."""
    phase: float = 0.0
    """Offset in cycles (0..1): 0.5 peaks half a period after the beat."""

    def cycle(self, position: float) -> float:
        return position / self.period + self.phase

    def offset(self, position: float, seed: int = 0) -> float:
        """The LFO's value at song ``position`` (beats), times its depth."""
        cycle = self.cycle(position)
        x = cycle % 1.0
        if self.shape == "sine":
            value = math.cos(2.0 * math.pi * x)
        elif self.shape == "triangle":
            value = 1.0 - 4.0 * min(x, 1.0 - x)
        elif self.shape == "saw":
            value = 1.0 - 2.0 * x
        elif self.shape == "square":
            value = 1.0 if x < 0.5 else -1.0
        else:  # random: one value per cycle, the same for the same cycle
            rng = np.random.default_rng((seed, math.floor(cycle) & 0xFFFFFFFF))
            value = float(rng.uniform(-1.0, 1.0))
        return self.depth * value

    def describe(self) -> tuple[object, ...]:
        return (self.shape, self.period, self.depth, self.phase)


@dataclass(frozen=True, slots=True)
class NoiseWalk:
    step: float
    """How far each new target is, as a fraction of the target's length."""
    period: float
    """Beats between new targets."""

    def next_target(self, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        length = float(np.linalg.norm(target))
        direction = rng.standard_normal(target.shape)
        direction /= max(float(np.linalg.norm(direction)), 1e-12)
        if length < 1e-9:
            return direction * self.step
        moved = target + direction * self.step * length
        return moved * (length / max(float(np.linalg.norm(moved)), 1e-12))
