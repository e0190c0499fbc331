"""``wander``: the VAE music video's latent walk.

The walk lingers at a random latent point for a random time, then moves to the next one.
It is a lag-1 autoregressive process around the current point ``p``:

    x[t] = phi * x[t-1] + (1 - phi) * (p + jitter * e[t]),   e[t] ~ N(0, I)
    phi = exp(-1 / (fps * glide))

The mapping sends the target ``p + jitter * e[t]`` every frame; the server's exponential
motion with time constant ``glide`` (``/smooth/noise``) is exactly that recursion, and it
runs on the sphere (slerp), so a move between points never cuts through the low-norm middle
(the original walk was linear, which its author called "probably not ideal").

Stays (seconds between moves to a new point) are drawn independently:

    stay = dwell_min + Gamma(shape=dwell_shape, scale=(dwell_mean - dwell_min) / dwell_shape)

so their mean is ``dwell_mean``; ``dwell_shape`` 1 makes them exponential (memoryless: many
short stays, a few long ones), larger shapes make them more regular. A move happens on the
first video frame at or after the stay is over (with ``on_beats``, the first beat after it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import truncnorm

from oscserver.audio.analysis.features import FeatureFrame
from oscserver.audio.errors import AudioError
from oscserver.audio.mappings.base import Mapping
from oscserver.audio.mappings.knobs import knob
from oscserver.audio.mappings.messages import Message, floats, sparse_pairs
from oscserver.audio.mappings.target import ControlTarget


@dataclass(frozen=True, slots=True)
class WanderKnobs:
    dwell_mean: float = knob(
        4.0, "mean seconds between moves to a new point (the glide there included)", 0.05, 3600
    )
    dwell_shape: float = knob(
        2.0, "gamma shape of the stays: 1 exponential (irregular), larger more regular", 0.05, 1000
    )
    dwell_min: float = knob(0.5, "shortest stay in seconds (less than dwell_mean)", 0, 3600)
    glide: float = knob(
        1.0,
        "time constant in seconds of the spherical move toward the current point "
        "(the lag-1 coefficient per frame is exp(-1/(fps*glide)))",
        0.01,
        60,
    )
    jitter: float = knob(
        0.05, "standard deviation of the walk's innovations around the current point", 0, 1
    )
    spread: float = knob(1.0, "scale of the random points (their truncation)", 0.05, 1)
    on_beats: bool = knob(False, "move only on a beat: the first beat after the stay is over")
    classes: tuple[int, ...] = knob(
        (), "ImageNet classes to hold, equally weighted (none: leave the class mix alone)"
    )
    truncation: float = knob(0.5, "sent once as /truncation", 0.02, 1)
    seed: int = knob(0, "seed of the points, the stays and the innovations", 0, 2**32 - 1)


class WanderMapping(Mapping):
    name = "wander"
    summary = "a lag-1 autoregressive walk that lingers at random points and glides between them"
    Knobs = WanderKnobs

    def __init__(self, knobs: WanderKnobs, target: ControlTarget, fps: float) -> None:
        super().__init__(knobs, target, fps)
        if knobs.dwell_min >= knobs.dwell_mean:
            raise AudioError(
                f"mapping 'wander': dwell_min ({knobs.dwell_min:g} s) must be less than "
                f"dwell_mean ({knobs.dwell_mean:g} s)"
            )
        self.noise_control = target.need_noise(self.name)
        if knobs.classes:
            target.need_class_weights(self.name)
        self._rng = np.random.default_rng(knobs.seed)
        self.point: np.ndarray | None = None
        self._due = 0.0
        self.moves: list[int] = []
        """Frame indices at which the walk moved to a new point (the first is frame 0)."""
        self.stays: list[float] = []
        """The stay drawn at each move, seconds."""

    def draw_stay(self) -> float:
        """One stay in seconds from the documented distribution."""
        k = self.knobs
        shape = k.dwell_shape
        return k.dwell_min + float(self._rng.gamma(shape, (k.dwell_mean - k.dwell_min) / shape))

    def start(self) -> list[Message]:
        knobs, noise = self.knobs, self.noise_control
        out: list[Message] = [(f"/smooth/{noise.name}", (knobs.glide,))]
        if knobs.classes:
            cls = self.target.need_class_weights(self.name)
            weights = np.full(len(knobs.classes), 1.0 / len(knobs.classes))
            out.append((f"/{cls.name}", floats(np.zeros(cls.length))))
            out.append((f"/{cls.name}/set", sparse_pairs(knobs.classes, weights)))
        if self.target.truncation is not None:
            out.append((f"/{self.target.truncation.name}", floats([knobs.truncation])))
        return out

    def frame(self, frame: FeatureFrame) -> list[Message]:
        now = frame.index / self.fps
        moved = False
        if self.point is None or (now >= self._due and (frame.beat or not self.knobs.on_beats)):
            self.point = self._random_point()
            stay = self.draw_stay()
            self._due = now + stay
            self.moves.append(frame.index)
            self.stays.append(stay)
            moved = True
        if self.knobs.jitter == 0:
            if not moved:
                return []
            return [(f"/{self.noise_control.name}", floats(self.point))]
        noise = self.noise_control
        innovation = self._rng.standard_normal(noise.length) * self.knobs.jitter
        target = np.clip(self.point + innovation, noise.low, noise.high)
        return [(f"/{noise.name}", floats(target))]

    def _random_point(self) -> np.ndarray:
        noise = self.noise_control
        values = truncnorm(-2, 2).rvs(size=noise.length, random_state=self._rng)
        return np.clip(values * self.knobs.spread, noise.low, noise.high)
