"""Play the song through the sound card in step with the driver's clock (``--play``).

Needs the ``live`` extra (sounddevice) and an output device; without either, a clear error
before anything is sent. The output stream's own latency is taken into account, so the
sound leaves the speakers at the time the first video frame is tagged for.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from oscserver.audio.errors import AudioError
from oscserver.audio.extras import require_sounddevice


def decode_for_playback(path: Path) -> tuple[np.ndarray, int]:
    """The whole song as float32 (samples, channels) at its own rate, 1 or 2 channels."""
    import av

    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            layout = "mono" if stream.channels == 1 else "stereo"
            rate = stream.rate
            resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
            for frame in container.decode(stream):
                chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray() for out in resampler.resample(None))
    except (av.error.FFmpegError, IndexError) as exc:
        raise AudioError(f"cannot decode {path} for playback: {exc}") from exc
    channels = 1 if layout == "mono" else 2
    samples = np.concatenate([c.reshape(-1) for c in chunks]).reshape(-1, channels)
    return samples, rate


class SongPlayer:
    """Plays decoded samples from a time on the wall clock (``time.time()``)."""

    def __init__(self, path: Path) -> None:
        sd = require_sounddevice("--play (playing the song through the sound card)")
        try:
            sd.query_devices(kind="output")
        except (ValueError, sd.PortAudioError) as exc:
            raise AudioError(f"--play: no sound output device here ({exc})") from exc
        self._samples, rate = decode_for_playback(path)
        self._position = 0
        self._lock = threading.Lock()
        try:
            self._stream: Any = sd.OutputStream(
                samplerate=rate,
                channels=self._samples.shape[1],
                dtype="float32",
                callback=self._fill,
            )
        except sd.PortAudioError as exc:
            raise AudioError(f"--play: cannot open the sound output: {exc}") from exc

    @property
    def latency(self) -> float:
        """Seconds from handing samples to the device to hearing them."""
        return float(self._stream.latency)

    def start_at(self, when: float) -> None:
        """Start so the first sample is heard at wall-clock time ``when``."""
        delay = when - self.latency - time.time()
        if delay > 0:
            time.sleep(delay)
        self._stream.start()

    def stop(self) -> None:
        self._stream.stop()
        self._stream.close()

    def _fill(self, out: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        with self._lock:
            chunk = self._samples[self._position : self._position + frames]
            self._position += frames
        out[: chunk.shape[0]] = chunk
        out[chunk.shape[0] :] = 0.0
