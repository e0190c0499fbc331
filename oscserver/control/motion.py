"""How each control moves from where it is toward its target, one frame at a time.

Performers send targets at any rate; the frame clock steps every control at frame rate.
Three laws: ``immediate`` (jump), ``exponential`` (close a fixed fraction of the gap per
second, set by a time constant) and ``spring`` (a "playback particle" with stiffness and
damping that follows its target with inertia). Noise vectors move spherically: their
direction travels along the great circle (slerp) and their length separately, so a morph
between two noise vectors never passes through the low-norm middle a straight line would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MODES = ("immediate", "exponential", "spring")


@dataclass(frozen=True, slots=True)
class Motion:
    mode: str = "exponential"
    seconds: float = 0.25
    """Exponential time constant: after this long, 63% of a jump is covered."""
    stiffness: float = 30.0
    """Spring constant (1/s^2): higher follows faster."""
    damping: float = 7.0
    """Spring damping (1/s): 2*sqrt(stiffness) is critical; lower overshoots and wobbles."""

    def describe(self) -> dict[str, float | str]:
        if self.mode == "spring":
            return {"mode": "spring", "stiffness": self.stiffness, "damping": self.damping}
        if self.mode == "exponential":
            return {"mode": "exponential", "seconds": self.seconds}
        return {"mode": "immediate"}


IMMEDIATE = Motion(mode="immediate")

# Defaults chosen so a performer's jumps morph smoothly without feeling laggy.
DEFAULT_MOTION = {
    "class_weights": Motion(seconds=0.3),
    "noise": Motion(seconds=0.5),
    "vector": Motion(seconds=0.3),
    "scalar": Motion(seconds=0.15),
}

_EPS = 1e-8
_MAX_SPRING_STEP = 1.0 / 240.0


class Channel:
    """One control's state: where it is, where it is going, and how it gets there."""

    def __init__(self, start: np.ndarray, motion: Motion, spherical: bool) -> None:
        self.value = start.astype(np.float64).copy()
        self.target = self.value.copy()
        self.velocity = np.zeros_like(self.value)
        self.motion = motion
        self.spherical = spherical
        self._norm_velocity = 0.0

    def set_motion(self, motion: Motion) -> None:
        if motion.mode != self.motion.mode:
            self.velocity[:] = 0.0
            self._norm_velocity = 0.0
        self.motion = motion

    def step(self, dt: float) -> None:
        """Advance by ``dt`` seconds toward the target."""
        motion = self.motion
        if motion.mode == "immediate":
            self.value[:] = self.target
            return
        if dt <= 0:
            return
        if motion.mode == "exponential":
            alpha = 1.0 - math.exp(-dt / max(motion.seconds, _EPS))
            if self.spherical:
                self.value = _slerp_norm(self.value, self.target, alpha)
            else:
                self.value += alpha * (self.target - self.value)
            return
        # Spring: sub-step so a slow frame cannot make the integration blow up.
        steps = max(1, math.ceil(dt / _MAX_SPRING_STEP))
        h = dt / steps
        for _ in range(steps):
            if self.spherical:
                self._spring_sphere(h)
            else:
                accel = (
                    motion.stiffness * (self.target - self.value) - motion.damping * self.velocity
                )
                self.velocity += accel * h
                self.value += self.velocity * h

    def _spring_sphere(self, h: float) -> None:
        k, c = self.motion.stiffness, self.motion.damping
        norm = float(np.linalg.norm(self.value))
        target_norm = float(np.linalg.norm(self.target))
        if norm < _EPS or target_norm < _EPS:
            accel = k * (self.target - self.value) - c * self.velocity
            self.velocity += accel * h
            self.value += self.velocity * h
            return
        # Direction: a particle on the unit sphere pulled along the geodesic to the target.
        u = self.value / norm
        ut = self.target / target_norm
        pull = _log_map(u, ut)
        self.velocity += (k * pull - c * self.velocity) * h
        self.velocity -= np.dot(self.velocity, u) * u
        u = _exp_map(u, self.velocity * h)
        self.velocity -= np.dot(self.velocity, u) * u
        # Length: a plain one-dimensional spring.
        self._norm_velocity += (k * (target_norm - norm) - c * self._norm_velocity) * h
        norm += self._norm_velocity * h
        self.value = u * norm


def _log_map(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Tangent vector at unit ``u`` pointing to unit ``v``, as long as the angle between them."""
    cos = float(np.clip(np.dot(u, v), -1.0, 1.0))
    w = v - cos * u
    wn = float(np.linalg.norm(w))
    if wn < _EPS:
        return np.zeros_like(u)
    return math.acos(cos) * w / wn


def _exp_map(u: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Walk from unit ``u`` along tangent ``t`` on the unit sphere."""
    angle = float(np.linalg.norm(t))
    if angle < _EPS:
        return u
    out = math.cos(angle) * u + math.sin(angle) * t / angle
    return out / np.linalg.norm(out)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation of directions, with the length interpolated linearly."""
    return _slerp_norm(a, b, t)


def _slerp_norm(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na < _EPS or nb < _EPS:
        return a + t * (b - a)
    ua, ub = a / na, b / nb
    cos = float(np.clip(np.dot(ua, ub), -1.0, 1.0))
    angle = math.acos(cos)
    if angle < 1e-6:
        direction = ua + t * (ub - ua)
    else:
        s = math.sin(angle)
        if s < 1e-6:
            # Opposite directions: any great circle will do; linear keeps it deterministic.
            return a + t * (b - a)
        direction = (math.sin((1 - t) * angle) * ua + math.sin(t * angle) * ub) / s
    direction /= np.linalg.norm(direction)
    return direction * (na + t * (nb - na))
