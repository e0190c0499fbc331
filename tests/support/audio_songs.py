"""Synthetic songs for the audio tests, made with numpy and written with soundfile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

RATE = 22050
# Pitch classes of two triads far apart on the circle of fifths: no note in common.
C_MAJOR = (0, 4, 7)  # C E G
F_SHARP_MAJOR = (6, 10, 1)  # F# A# C#


def click_times(bpm: float, seconds: float, offset: float = 0.25) -> np.ndarray:
    """Beat times of a click track: every 60/bpm seconds from ``offset``."""
    return np.arange(offset, seconds - 0.1, 60.0 / bpm)


def click_track(path: Path, bpm: float = 120.0, seconds: float = 4.0, rate: int = RATE) -> Path:
    """Short loud clicks (a 1.5 kHz tone and noise, decaying in ~8 ms) on silence, stereo."""
    y = np.zeros(int(seconds * rate), np.float32)
    rng = np.random.default_rng(5)
    length = int(0.03 * rate)
    t = np.arange(length) / rate
    click = (np.sin(2 * np.pi * 1500 * t) + 0.5 * rng.standard_normal(length)) * np.exp(-t / 0.008)
    for when in click_times(bpm, seconds):
        start = round(float(when) * rate)
        y[start : start + length] += 0.6 * click[: y.shape[0] - start].astype(np.float32)
    soundfile.write(path, np.stack([y, y], axis=1), rate)
    return path


def chord(pitch_classes: tuple[int, ...], seconds: float, rate: int = RATE) -> np.ndarray:
    """A sustained triad of sine tones around middle C (two soft harmonics each)."""
    t = np.arange(int(seconds * rate)) / rate
    y = np.zeros_like(t)
    for pc in pitch_classes:
        f = 261.63 * 2 ** (pc / 12)
        for harmonic, level in ((1, 1.0), (2, 0.2)):
            y += level * np.sin(2 * np.pi * f * harmonic * t)
    return (0.15 * y).astype(np.float32)


def chord_song(
    path: Path, chords: tuple[tuple[int, ...], ...], seconds_each: float, rate: int = RATE
) -> Path:
    """Chords one after another, ``seconds_each`` each, mono."""
    y = np.concatenate([chord(c, seconds_each, rate) for c in chords])
    soundfile.write(path, y, rate)
    return path
