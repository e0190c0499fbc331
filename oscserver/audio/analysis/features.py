"""What the analysis hands to the mappings: one row of features per video frame.

``AudioFeatures`` holds a whole song (from a file); ``FeatureFrame`` is one video frame of it,
and is also what live input analysis produces, frame by frame. Mappings only ever see
``FeatureFrame`` in their per-frame step, so one mapping serves both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True, slots=True)
class FeatureFrame:
    """The music during one video frame, ``[time, time + 1/fps)``."""

    index: int
    """Video frame number from the song's start (0, 1, 2, ...)."""
    time: float
    """Seconds from the song's start to this frame's start."""
    chroma: np.ndarray
    """12 pitch-class strengths, C to B; the strongest is 1 (all 0 in silence)."""
    power: float
    """Mel-spectrogram power, 0..1 of the loudest frame (live: of a slowly decaying peak)."""
    power_gradient: float
    """Change of ``power`` since the previous frame, -1..1 of the largest change."""
    onset: float
    """Onset strength (spectral flux), 0..1 of the strongest onset."""
    beat: bool
    """A beat falls inside this frame."""
    tempo: float
    """Estimated tempo in beats per minute (0 when unknown)."""
    spectrum: np.ndarray
    """Short log-mel spectrum, one value per mel band: 0 is -100 dB, 1 is 0 dB (full scale)."""


@dataclass(frozen=True, slots=True)
class AudioFeatures:
    """A whole song's features at the video frame rate: row ``i`` is video frame ``i``."""

    fps: float
    duration: float
    """Length of the song in seconds."""
    chroma: np.ndarray
    """(frames, 12) float32."""
    power: np.ndarray
    """(frames,) float32."""
    power_gradient: np.ndarray
    """(frames,) float32."""
    onset: np.ndarray
    """(frames,) float32."""
    beats: np.ndarray
    """(frames,) bool."""
    tempo: float
    spectrum: np.ndarray
    """(frames, mel bands) float32."""
    beat_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Seconds from the start of each beat librosa's beat tracker found (float64)."""

    def __len__(self) -> int:
        return int(self.power.shape[0])

    def frame(self, index: int) -> FeatureFrame:
        """Video frame ``index`` as a :class:`FeatureFrame`."""
        return FeatureFrame(
            index=index,
            time=index / self.fps,
            chroma=self.chroma[index],
            power=float(self.power[index]),
            power_gradient=float(self.power_gradient[index]),
            onset=float(self.onset[index]),
            beat=bool(self.beats[index]),
            tempo=self.tempo,
            spectrum=self.spectrum[index],
        )

    def frames(self) -> Iterator[FeatureFrame]:
        """Every video frame, in order."""
        for index in range(len(self)):
            yield self.frame(index)


def video_frame_count(duration: float, fps: float) -> int:
    """How many video frames a song of ``duration`` seconds gets: the nearest whole number,
    so the video lasts as long as the song within half a frame (at least one frame)."""
    return max(1, round(duration * fps))
