"""Write frames as H.264 with the song's audio muxed in, one frame at a time (PyAV).

The audio is decoded from the song file and encoded (AAC) alongside, up to the end of each
video frame, so the file is interleaved and memory stays constant however long the song.

Encoder choice: ``libx264``, else ``libopenh264``, else whatever PyAV's build calls ``h264``;
without any H.264 encoder, MPEG-4 Part 2 (``mpeg4``), with a note saying so. PyAV's wheels
ship libx264.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from oscserver.audio.errors import AudioError

log = logging.getLogger("oscserver.audio")

H264_ENCODERS = ("libx264", "libopenh264", "h264")
FALLBACK_ENCODER = "mpeg4"
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
_PIXEL_FORMATS = {1: "gray", 3: "rgb24", 4: "rgba"}


def encoder_available(name: str) -> str | None:
    """The name PyAV resolves ``name`` to if it can encode with it here, else None."""
    try:
        return av.codec.Codec(name, "w").name
    except (av.codec.codec.UnknownCodecError, ValueError):
        return None


def choose_video_encoder(requested: str | None = None) -> tuple[str, str | None]:
    """(encoder name, note for the user or None). ``requested`` must exist if given."""
    if requested:
        resolved = encoder_available(requested)
        if resolved is None:
            found = [n for n in (*H264_ENCODERS, FALLBACK_ENCODER) if encoder_available(n)]
            raise AudioError(
                f"video encoder {requested!r} is not in this PyAV build; available here: "
                f"{', '.join(found) or 'none'}"
            )
        return resolved, None
    for name in H264_ENCODERS:
        resolved = encoder_available(name)
        if resolved is not None:
            return resolved, None
    if encoder_available(FALLBACK_ENCODER):
        return FALLBACK_ENCODER, (
            "this PyAV build has no H.264 encoder (tried " + ", ".join(H264_ENCODERS) + "); "
            "writing MPEG-4 Part 2 video instead"
        )
    raise AudioError("this PyAV build has no H.264 or MPEG-4 video encoder")


def fit_frame(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """Centre-crop ``pixels`` to the aspect ratio ``width:height`` (scaling happens later)."""
    h, w = pixels.shape[:2]
    if w * height > h * width:  # too wide: crop the sides
        keep = max(1, round(h * width / height))
        left = (w - keep) // 2
        return pixels[:, left : left + keep]
    if w * height < h * width:  # too tall: crop top and bottom
        keep = max(1, round(w * height / width))
        top = (h - keep) // 2
        return pixels[top : top + keep]
    return pixels


class SongAudio:
    """The song's audio, decoded lazily and encoded as AAC into ``container``."""

    def __init__(self, song: Path, container: av.container.OutputContainer) -> None:
        self._input = av.open(str(song))
        if not self._input.streams.audio:
            self._input.close()
            raise AudioError(f"{song} has no audio stream")
        source = self._input.streams.audio[0]
        rate = source.rate if source.rate in AAC_RATES else 48000
        layout = "mono" if source.channels == 1 else "stereo"
        stream = container.add_stream("aac", rate=rate)
        assert isinstance(stream, av.AudioStream), "aac is an audio encoder"
        self.stream = stream
        self.stream.layout = layout
        self._container = container
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self._frames = self._input.decode(source)
        self._rate = rate
        self._written = 0
        self._done = False

    def advance_to(self, seconds: float) -> None:
        """Encode audio until at least ``seconds`` of it are written (or the song ends)."""
        while not self._done and self._written < seconds * self._rate:
            try:
                frame = next(self._frames)
            except StopIteration:
                self._encode(self._resampler.resample(None))
                self._done = True
                break
            self._encode(self._resampler.resample(frame))

    def finish(self) -> None:
        """Encode the rest of the song and flush the encoder."""
        self.advance_to(float("inf"))
        for packet in self.stream.encode(None):
            self._container.mux(packet)
        self._input.close()

    def _encode(self, frames: list[av.AudioFrame]) -> None:
        for frame in frames:
            frame.pts = self._written
            self._written += frame.samples
            for packet in self.stream.encode(frame):
                self._container.mux(packet)


class VideoWriter:
    """An mp4 (or any container PyAV writes) receiving frames one at a time.

    ``write(pixels)`` takes height x width x channels uint8; frames of another size than
    ``width`` x ``height`` are centre-cropped to its aspect ratio and scaled (bicubic)."""

    def __init__(
        self,
        path: Path,
        fps: float,
        width: int,
        height: int,
        song: Path | None = None,
        encoder: str | None = None,
        crf: int = 18,
        preset: str = "veryfast",
    ) -> None:
        if width % 2 or height % 2 or width < 16 or height < 16:
            raise AudioError(f"video size {width}x{height}: H.264 needs even sizes of 16 or more")
        self.codec, self.note = choose_video_encoder(encoder)
        if self.note:
            log.warning(self.note)
        self.width, self.height, self.fps = width, height, fps
        try:
            self._container = av.open(str(path), "w")
        except (av.error.FFmpegError, OSError) as exc:
            raise AudioError(f"cannot write the video {path}: {exc}") from exc
        rate = Fraction(fps).limit_denominator(1001)
        stream = self._container.add_stream(self.codec, rate=rate)
        if not isinstance(stream, av.VideoStream):
            self._container.close()
            raise AudioError(f"{self.codec} is not a video encoder; pick an H.264 one")
        self._stream = stream
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        if self.codec == "libx264":
            self._stream.options = {"crf": str(crf), "preset": preset}
        else:
            self._stream.bit_rate = int(width * height * float(rate) * 0.2)
        try:
            self.audio = SongAudio(song, self._container) if song is not None else None
        except (av.error.FFmpegError, OSError) as exc:
            self._container.close()
            raise AudioError(f"cannot read the audio of {song} to mux it: {exc}") from exc
        except AudioError:
            self._container.close()
            raise
        self.frames = 0

    def write(self, pixels: np.ndarray) -> None:
        """Encode one frame (and the audio up to its end)."""
        fmt = _PIXEL_FORMATS.get(pixels.shape[2] if pixels.ndim == 3 else 1)
        if fmt is None:
            raise AudioError(f"cannot encode frames of shape {pixels.shape}")
        h, w = pixels.shape[:2]
        if (w, h) != (self.width, self.height):
            pixels = np.ascontiguousarray(fit_frame(pixels, self.width, self.height))
        image = pixels[:, :, 0] if fmt == "gray" else pixels
        frame = av.VideoFrame.from_ndarray(image, format=fmt)
        frame = frame.reformat(
            width=self.width, height=self.height, format="yuv420p", interpolation="BICUBIC"
        )
        frame.pts = self.frames
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1
        if self.audio is not None:
            self.audio.advance_to(self.frames / self.fps)

    def close(self) -> None:
        """Flush both encoders and finish the file."""
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        if self.audio is not None:
            self.audio.finish()
        self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BackgroundWriter:
    """Runs a :class:`VideoWriter` in its own thread, so encoding overlaps inference.

    ``write`` hands a frame over and returns; it waits while ``depth`` frames are queued, so
    memory stays constant. An error in the encoder thread is raised by the next ``write`` or
    by ``close``."""

    def __init__(self, writer: VideoWriter, depth: int = 2) -> None:
        self.writer = writer
        self.busy = 0.0
        """Seconds the encoder thread spent encoding."""
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="video-encoder", daemon=True)
        self._thread.start()

    def write(self, pixels: np.ndarray) -> None:
        while True:
            self._raise_if_failed()
            try:
                self._queue.put(pixels, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Encode what is queued, finish the file, and stop the thread."""
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.2)
                break
            except queue.Full:
                continue
        self._thread.join()
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise AudioError(f"encoding failed: {self._error}") from self._error

    def _run(self) -> None:
        try:
            while (pixels := self._queue.get()) is not None:
                began = time.perf_counter()
                self.writer.write(pixels)
                self.busy += time.perf_counter() - began
            began = time.perf_counter()
            self.writer.close()
            self.busy += time.perf_counter() - began
        except BaseException as exc:  # handed to the rendering thread, which raises it
            self._error = exc
            while True:  # unblock a producer waiting on a full queue
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
