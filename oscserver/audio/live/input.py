"""Live analysis of a sound card input, one feature frame per video frame, bounded latency.

The input stream (sounddevice, from the ``live`` extra) pushes small blocks into a ring
buffer; at each video frame the newest window (about 46 ms) is analysed with one FFT: mel
power and its change, an STFT chromagram, spectral flux as onset strength, the log-mel
spectrum. Latency is one input block (256 samples) plus half the window plus up to one
video frame, about 35 to 70 ms at 30 fps, whatever the song's length.

Differences from file analysis, which sees the whole song: power and onset strength are
scaled by a peak that decays slowly (halving in 20 s) instead of the song's loudest frame;
chroma comes from the STFT, not the constant-Q transform; beats are onsets stronger than
half the peak at least 0.25 s apart; tempo is not estimated (0).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from oscserver.audio.analysis.features import FeatureFrame
from oscserver.audio.analysis.song import FMAX, N_MELS, SPECTRUM_FLOOR_DB
from oscserver.audio.errors import AudioError
from oscserver.audio.extras import require_librosa, require_sounddevice

PEAK_HALF_LIFE = 20.0
"""Seconds for the loudness reference to halve when the music gets quieter."""
BEAT_GAP = 0.25
BLOCK = 256


class LiveAnalyser:
    """Turns pushed audio blocks into :class:`FeatureFrame` rows at ``fps``."""

    def __init__(self, rate: int, fps: float) -> None:
        librosa = require_librosa()
        self.rate = rate
        self.fps = fps
        self.n_fft = 1024 if rate <= 24000 else 2048
        self._window = np.hanning(self.n_fft + 1)[:-1].astype(np.float32)
        self._mel = librosa.filters.mel(sr=rate, n_fft=self.n_fft, n_mels=N_MELS, fmax=FMAX)
        self._chroma = librosa.filters.chroma(sr=rate, n_fft=self.n_fft, tuning=0.0)
        self._ref = (self.n_fft / 4) ** 2
        self._ring = np.zeros(self.n_fft, np.float32)
        self._lock = threading.Lock()
        self._decay = 0.5 ** (1.0 / (PEAK_HALF_LIFE * fps))
        self._power_peak = 1e-12
        self._onset_peak = 1e-12
        self._previous_power = 0.0
        self._previous_log_mel: np.ndarray | None = None
        self._last_beat = -1e9

    def push(self, block: np.ndarray) -> None:
        """Append mono samples (called from the audio thread)."""
        block = np.asarray(block, np.float32).reshape(-1)[-self.n_fft :]
        with self._lock:
            self._ring = np.roll(self._ring, -block.shape[0])
            self._ring[-block.shape[0] :] = block

    def frame(self, index: int) -> FeatureFrame:
        """The features of the newest window, as video frame ``index``."""
        with self._lock:
            window = self._ring * self._window
        spectrum = np.abs(np.fft.rfft(window)) ** 2
        mel = self._mel @ spectrum
        power = float(mel.mean())
        self._power_peak = max(power, self._power_peak * self._decay)
        power_unit = power / self._power_peak
        gradient = power_unit - self._previous_power
        self._previous_power = power_unit

        log_mel = np.log10(np.maximum(mel, 1e-12))
        flux = 0.0
        if self._previous_log_mel is not None:
            flux = float(np.maximum(log_mel - self._previous_log_mel, 0.0).mean())
        self._previous_log_mel = log_mel
        self._onset_peak = max(flux, self._onset_peak * self._decay)
        onset = flux / self._onset_peak
        now = index / self.fps
        beat = onset > 0.5 and now - self._last_beat >= BEAT_GAP
        if beat:
            self._last_beat = now

        chroma = self._chroma @ spectrum
        loud = power > 1e-4 * self._power_peak and chroma.max() > 0
        chroma = chroma / chroma.max() if loud else np.zeros(12)
        db = 10.0 * (log_mel - np.log10(self._ref))
        return FeatureFrame(
            index=index,
            time=now,
            chroma=chroma.astype(np.float32),
            power=float(power_unit),
            power_gradient=float(np.clip(gradient, -1.0, 1.0)),
            onset=float(onset),
            beat=bool(beat),
            tempo=0.0,
            spectrum=np.clip(1.0 - db / SPECTRUM_FLOOR_DB, 0.0, 1.0).astype(np.float32),
        )


def open_input(device: str, fps: float) -> tuple[Any, LiveAnalyser]:
    """Open sound card input ``device`` (index or part of its name) and an analyser fed by it.
    Returns (stream, analyser); start the stream with ``stream.start()``."""
    sd = require_sounddevice("--input (live analysis of a sound card)")
    selector: int | str = int(device) if device.isdigit() else device
    try:
        info = sd.query_devices(selector, "input")
    except (ValueError, sd.PortAudioError) as exc:
        raise AudioError(
            f"no input device {device!r}: {exc}; list them with: python -m sounddevice"
        ) from exc
    rate = int(info["default_samplerate"])
    analyser = LiveAnalyser(rate, fps)

    def callback(indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        analyser.push(indata[:, 0])

    try:
        stream = sd.InputStream(
            device=selector, channels=1, samplerate=rate, blocksize=BLOCK, callback=callback
        )
    except sd.PortAudioError as exc:
        raise AudioError(f"cannot open input device {device!r}: {exc}") from exc
    return stream, analyser
