"""``chroma``: the BigGAN music visualizer's mapping.

Pitch picks the picture, loudness moves it:

- **Classes from pitch.** Each of 12 chosen ImageNet classes stands for a pitch class (C, C#,
  ..., B). Every frame the class mix is the (smoothed) chromagram over those pitch classes, so
  the strongest pitch classes weigh most; a chord change moves the weights to the chord's
  classes at the speed ``pitch_sensitivity`` sets (the server's exponential motion). With N
  classes (N < 12) the N pitch classes strongest over the whole song get them, strongest first.
- **Noise from the spectrogram.** The noise vector walks: each frame every element steps by
  ``tempo_sensitivity * (power + rise of power)`` in its own direction, turning back near the
  edge of the noise range. Loud passages and attacks move the picture; silence holds it.
  ``jitter`` damps a random half of the elements' steps (redrawn every ``jitter_interval``
  seconds) so the walk does not repeat itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from oscserver.audio.analysis.features import AudioFeatures, FeatureFrame
from oscserver.audio.errors import AudioError
from oscserver.audio.mappings.base import Mapping
from oscserver.audio.mappings.knobs import knob
from oscserver.audio.mappings.messages import Message, floats, sparse_pairs
from oscserver.audio.mappings.target import ControlTarget
from oscserver.generator.noise import truncated_noise

#: One class per pitch class, C to B: volcano, coral reef, strawberry, monarch butterfly, alp,
#: daisy, balloon, bubble, starfish, geyser, pineapple, valley.
DEFAULT_CLASSES = (980, 973, 949, 323, 970, 985, 417, 971, 327, 974, 953, 979)
REFERENCE_FPS = 30.0
"""``tempo_sensitivity`` is the step per frame at this frame rate; other rates scale it."""


@dataclass(frozen=True, slots=True)
class ChromaKnobs:
    pitch_sensitivity: float = knob(
        220.0,
        "how fast the class mix follows the pitches: the class weights move with a time "
        "constant of (300 - pitch_sensitivity) x 5 ms (220: 0.4 s, 299: at once)",
        1,
        299,
    )
    tempo_sensitivity: float = knob(
        0.25,
        "how far loudness and attacks move the noise: the step of every noise element per "
        "frame at full power (at 30 fps; scaled to the frame rate)",
        0,
        1,
    )
    depth: float = knob(
        1.0, "total weight of the class mix (1: full; lower: nearer the class-less look)", 0.01, 1
    )
    jitter: float = knob(
        0.5, "how much a random half of the noise elements' steps are damped (0: none)", 0, 1
    )
    jitter_interval: float = knob(4.0, "seconds between new draws of the jitter", 0.1, 3600)
    truncation: float = knob(
        1.0, "sent once as /truncation: low calm and typical, high wild", 0.02, 1
    )
    smooth_factor: int = knob(
        10,
        "video frames the chromagram is averaged over (a moving average of the past frames), "
        "so short pitch flickers do not flip the classes back and forth; 1: none",
        1,
        600,
    )
    classes: tuple[int, ...] = knob(
        DEFAULT_CLASSES,
        "ImageNet classes for the pitch classes C, C#, ..., B (12 of them), or N < 12 classes "
        "for the song's N strongest pitch classes, strongest first",
    )
    seed: int = knob(
        0, "seed of the starting noise (as /noise/seed draws it) and the jitter", 0, 2**32 - 1
    )


class ChromaMapping(Mapping):
    name = "chroma"
    summary = "chromagram picks the classes, spectrogram power and its rise move the noise"
    Knobs = ChromaKnobs

    def __init__(self, knobs: ChromaKnobs, target: ControlTarget, fps: float) -> None:
        super().__init__(knobs, target, fps)
        self.class_control = target.need_class_weights(self.name)
        self.noise_control = target.need_noise(self.name)
        classes = knobs.classes
        if not 1 <= len(classes) <= 12:
            raise AudioError(f"mapping {self.name!r} takes 1 to 12 classes, got {len(classes)}")
        if len(set(classes)) != len(classes):
            raise AudioError(f"mapping {self.name!r}: classes repeat in {classes}")
        if max(classes) >= self.class_control.length:
            raise AudioError(
                f"class {max(classes)} is past the generator's {self.class_control.length} classes"
            )
        self.classes = np.asarray(classes, np.int64)
        rng = np.random.default_rng(knobs.seed)
        length = self.noise_control.length
        low, high = self.noise_control.low, self.noise_control.high
        self.noise = np.clip(truncated_noise(knobs.seed % 2**32, length), low, high)
        self.noise = self.noise.astype(np.float64)
        self.direction = np.where(rng.random(length) < 0.5, -1.0, 1.0)
        self._rng = rng
        self._jitter_every = self.seconds_to_frames(knobs.jitter_interval)
        self._jitter_scale = np.ones(length)
        self._history: deque[np.ndarray] = deque(maxlen=knobs.smooth_factor)
        self._pitch_energy = np.zeros(12)
        self._ranking_fixed = len(classes) == 12
        self._pitches = np.arange(12) if self._ranking_fixed else np.arange(len(classes))

    @property
    def pitch_classes(self) -> np.ndarray:
        """The pitch class (0 = C) each class stands for, in the order of ``classes``."""
        return self._pitches

    def prepare(self, song: AudioFeatures) -> None:
        if not self._ranking_fixed:
            self._pitches = _strongest(song.chroma.sum(axis=0), len(self.classes))
            self._ranking_fixed = True

    def start(self) -> list[Message]:
        knobs = self.knobs
        cls, noise = self.class_control, self.noise_control
        reaction = (300.0 - knobs.pitch_sensitivity) * 0.005
        out: list[Message] = [
            (f"/smooth/{cls.name}", (reaction,)),
            (f"/smooth/{noise.name}", (0.0,)),
            (f"/{cls.name}", floats(np.zeros(cls.length))),
            # Until the music says otherwise, an even mix of the classes (not a class-less look).
            (f"/{cls.name}/set", sparse_pairs(self.classes, self._even_mix())),
            (f"/{noise.name}", floats(self.noise)),
        ]
        if self.target.truncation is not None:
            name = self.target.truncation.name
            out += [(f"/smooth/{name}", (0.0,)), (f"/{name}", floats([knobs.truncation]))]
        return out

    def _even_mix(self) -> np.ndarray:
        return np.full(len(self.classes), self.knobs.depth / len(self.classes))

    def frame(self, frame: FeatureFrame) -> list[Message]:
        out: list[Message] = []
        weights = self._class_weights(frame)
        if weights is not None:
            out.append((f"/{self.class_control.name}/set", sparse_pairs(self.classes, weights)))
        out.append((f"/{self.noise_control.name}", floats(self._step_noise(frame))))
        return out

    def _class_weights(self, frame: FeatureFrame) -> np.ndarray | None:
        chroma = np.asarray(frame.chroma, np.float64)
        if chroma.max() <= 0:
            return None  # silence: hold the classes where they are
        self._history.append(chroma)
        if not self._ranking_fixed:  # live input: rank by the energy heard so far
            self._pitch_energy += chroma
            self._pitches = _strongest(self._pitch_energy, len(self.classes))
        smoothed = np.mean(self._history, axis=0)[self._pitches]
        total = smoothed.sum()
        if total <= 0:
            return None
        return self.knobs.depth * smoothed / total

    def _step_noise(self, frame: FeatureFrame) -> np.ndarray:
        knobs = self.knobs
        if frame.index % self._jitter_every == 0:
            damped = self._rng.random(self.noise.shape[0]) < 0.5
            self._jitter_scale = np.where(damped, 1.0 - knobs.jitter, 1.0)
        low, high = self.noise_control.low, self.noise_control.high
        step_scale = knobs.tempo_sensitivity * REFERENCE_FPS / self.fps
        limit_high = max(high - step_scale, 0.5 * high)
        limit_low = min(low + step_scale, 0.5 * low)
        self.direction[self.noise >= limit_high] = -1.0
        self.direction[self.noise <= limit_low] = 1.0
        drive = max(frame.power, 0.0) + max(frame.power_gradient, 0.0)
        self.noise += self.direction * self._jitter_scale * step_scale * drive
        np.clip(self.noise, low, high, out=self.noise)
        return self.noise


def _strongest(energy: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` pitch classes with the most energy, strongest first (ties: lower first)."""
    return np.argsort(-energy, kind="stable")[:count]
