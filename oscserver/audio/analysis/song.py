"""Analyse a song with librosa: chroma, mel power and its gradient, onsets, beats and tempo,
pooled to exactly one row per video frame.

Features are computed at a fine hop (256 samples at 22050 Hz, 11.6 ms; finer above 40 fps)
and pooled over each video frame's interval ``[i/fps, (i+1)/fps)``: the mean for chroma,
power and the spectrum, the maximum for onset strength, so a click shows in the frame during
which it sounds. Decoding goes through PyAV, so anything FFmpeg reads is a song.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from oscserver.audio.analysis.features import AudioFeatures, video_frame_count
from oscserver.audio.errors import AudioError
from oscserver.audio.extras import require_librosa

ANALYSIS_RATE = 22050
"""Sample rate the song is analysed at (mono)."""
N_FFT = 1024
"""STFT window for mel power and the spectrum (46 ms at 22050 Hz)."""
N_MELS = 64
FMAX = 8000.0
SPECTRUM_FLOOR_DB = -100.0
SPECTRUM_REF = (N_FFT / 4) ** 2
"""Mel power of roughly a full-scale sine (Hann window): 0 dB in ``spectrum``."""
MIN_ANALYSIS_SAMPLES = 64 * 1024 + N_FFT
_SILENT_CHROMA = 1e-4
"""Frames whose chroma energy is below this fraction of the song's loudest are silent."""


def analysis_hop(fps: float) -> int:
    """Analysis hop in samples at :data:`ANALYSIS_RATE`: about three hops per video frame or
    more, and a multiple of 64 (the constant-Q transform needs one)."""
    for hop in (256, 128, 64):
        if ANALYSIS_RATE / hop >= 1.9 * fps:
            return hop
    return 64


def load_audio(path: Path, rate: int = ANALYSIS_RATE) -> tuple[np.ndarray, float]:
    """Decode ``path`` to mono float32 at ``rate`` Hz. Returns (samples, duration in seconds);
    the duration is measured at the file's own sample rate."""
    import av

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"song file {path} does not exist")
    chunks: list[np.ndarray] = []
    source_samples = 0
    source_rate = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError(f"{path} has no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in container.decode(stream):
                source_samples += frame.samples
                source_rate = frame.sample_rate
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        raise AudioError(f"cannot read audio from {path}: {exc}") from exc
    if source_samples == 0 or not chunks:
        raise AudioError(f"{path} holds no audio samples")
    samples = np.concatenate(chunks).astype(np.float32, copy=False)
    return samples, source_samples / source_rate


def analyse_file(path: Path, fps: float) -> AudioFeatures:
    """Decode and analyse a song file at ``fps`` video frames per second."""
    samples, duration = load_audio(path)
    return analyse_signal(samples, ANALYSIS_RATE, fps, duration)


def analyse_signal(
    samples: np.ndarray, rate: int, fps: float, duration: float | None = None
) -> AudioFeatures:
    """Analyse mono ``samples`` at ``rate`` Hz (resampled to :data:`ANALYSIS_RATE` if needed).
    ``duration`` defaults to the length of ``samples``."""
    librosa = require_librosa()
    if not 0 < fps <= 240:
        raise AudioError(f"fps must be in (0, 240], got {fps:g}")
    y = np.ascontiguousarray(samples, dtype=np.float32)
    if duration is None:
        duration = y.shape[0] / rate
    if rate != ANALYSIS_RATE:
        y = librosa.resample(y, orig_sr=rate, target_sr=ANALYSIS_RATE)
    sr = ANALYSIS_RATE
    hop = analysis_hop(fps)
    if y.shape[0] < MIN_ANALYSIS_SAMPLES:
        # The constant-Q transform's lowest octaves run on a signal decimated 64 times, with a
        # 1024-point window: a shorter song is padded with silence (frames past its end drop).
        y = np.pad(y, (0, MIN_ANALYSIS_SAMPLES - y.shape[0]))
    n = video_frame_count(duration, fps)

    mel = librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=N_FFT, hop_length=hop, n_mels=N_MELS, fmax=FMAX, power=2.0
    )
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop, tuning=0.0, norm=None)
    onset = librosa.onset.onset_strength(
        S=librosa.power_to_db(mel, ref=np.max), sr=sr, hop_length=hop, center=False
    )
    tempo, beat_times = librosa.beat.beat_track(
        onset_envelope=onset, sr=sr, hop_length=hop, units="time"
    )
    hops = min(mel.shape[1], chroma.shape[1], onset.shape[0])
    owner = np.floor(np.arange(hops) * hop / sr * fps).astype(np.int64)

    def pool(values: np.ndarray, how: str) -> np.ndarray:
        return pool_to_frames(values[:hops], owner, n, how, fps, sr / hop)

    mel_frames = pool(mel.T, "mean")
    power = mel_frames.mean(axis=1)
    power_gradient = np.diff(power, prepend=power[:1])
    chroma_frames = pool(chroma.T, "mean")
    beats = np.zeros(n, bool)
    beat_frames = np.floor(np.asarray(beat_times) * fps).astype(np.int64)
    beats[beat_frames[(beat_frames >= 0) & (beat_frames < n)]] = True
    spectrum_db = 10.0 * np.log10(np.maximum(mel_frames, 1e-12) / SPECTRUM_REF)
    spectrum = np.clip(1.0 - spectrum_db / SPECTRUM_FLOOR_DB, 0.0, 1.0)
    return AudioFeatures(
        fps=fps,
        duration=float(duration),
        chroma=_normalise_chroma(chroma_frames).astype(np.float32),
        power=_unit(power).astype(np.float32),
        power_gradient=_unit(power_gradient).astype(np.float32),
        onset=_unit(pool(onset, "max")).astype(np.float32),
        beats=beats,
        tempo=float(np.atleast_1d(tempo)[0]),
        spectrum=spectrum.astype(np.float32),
        beat_times=np.asarray(beat_times, np.float64),
    )


def pool_to_frames(
    values: np.ndarray, owner: np.ndarray, n: int, how: str, fps: float, hop_rate: float
) -> np.ndarray:
    """Pool analysis hops (rows of ``values``) into ``n`` video frames: hop ``j`` belongs to
    frame ``owner[j]``. ``how`` is ``mean`` or ``max``. A frame that owns no hop (fps near the
    hop rate) takes the hop nearest its middle."""
    rows = values.reshape(values.shape[0], -1).astype(np.float64)
    inside = (owner >= 0) & (owner < n)
    rows, idx = rows[inside], owner[inside]
    counts = np.bincount(idx, minlength=n)
    if how == "mean":
        out = np.zeros((n, rows.shape[1]))
        np.add.at(out, idx, rows)
        out[counts > 0] /= counts[counts > 0, None]
    elif how == "max":
        out = np.full((n, rows.shape[1]), -np.inf)
        np.maximum.at(out, idx, rows)
    else:
        raise ValueError(f"how must be 'mean' or 'max', got {how!r}")
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        nearest = np.clip(np.round((empty + 0.5) / fps * hop_rate), 0, values.shape[0] - 1)
        out[empty] = values.reshape(values.shape[0], -1)[nearest.astype(np.int64)]
    return out.reshape((n, *values.shape[1:]))


def _unit(values: np.ndarray) -> np.ndarray:
    """Scale so the largest magnitude is 1 (all zeros stay zeros)."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    return values / peak if peak > 0 else np.zeros_like(values)


def _normalise_chroma(chroma: np.ndarray) -> np.ndarray:
    """Each frame's strongest pitch class becomes 1; near-silent frames become all zeros."""
    energy = chroma.max(axis=1)
    loud = energy > _SILENT_CHROMA * max(float(energy.max()), 1e-30)
    out = np.zeros_like(chroma)
    out[loud] = chroma[loud] / energy[loud, None]
    return out
