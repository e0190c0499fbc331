"""Steering a feedback generator (a next-frame predictor fed its own output).

Left alone, such a model can drift into a still or a mush. The performer pulls it back:
``/feedback/noise a`` injects noise once, ``/feedback/blend a`` pulls every frame toward an
anchor image, ``/feedback/image PATH [FRAME]`` loads an anchor (an image, or a frame of a
video) and restarts from it, ``/feedback/reset`` restarts from the anchor (or the model's
default). The render thread calls ``next_feedback`` after each frame.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import av
import numpy as np

from oscserver.render.generator import OutputSpec

log = logging.getLogger("oscserver.control.feedback")


class FeedbackControl:
    """Feedback state shared by the OSC side (setters) and the render thread."""

    def __init__(self, height: int, width: int, channels: int, seed: int = 0) -> None:
        self.shape = (height, width, channels)
        self._lock = threading.Lock()
        self._anchor: np.ndarray | None = None
        self._blend = 0.0
        self._noise = 0.0
        self._restart = False
        self._rng = np.random.default_rng(seed)
        self.load_errors = 0

    def inject_noise(self, amount: float) -> None:
        with self._lock:
            self._noise = max(self._noise, amount)

    def set_blend(self, amount: float) -> None:
        with self._lock:
            self._blend = amount

    @property
    def blend(self) -> float:
        with self._lock:
            return self._blend

    def restart(self) -> None:
        with self._lock:
            self._restart = True

    def set_anchor(self, image: np.ndarray) -> None:
        """Use ``image`` (height x width x channels uint8) as the anchor and restart from it."""
        if image.shape != self.shape:
            raise ValueError(f"anchor image is {image.shape}, the model makes {self.shape}")
        with self._lock:
            self._anchor = image
            self._restart = True

    def load_anchor(self, path: Path, frame: int = 0) -> threading.Thread:
        """Decode ``path`` (image or video frame) in a thread, then anchor on it."""

        def load() -> None:
            try:
                self.set_anchor(read_picture(path, frame, self.shape))
                log.info("feedback anchored on %s frame %d", path, frame)
            except Exception as exc:  # a bad file must not stop anything
                self.load_errors += 1
                log.warning("feedback image %s frame %d refused: %s", path, frame, exc)

        thread = threading.Thread(target=load, name="feedback-image", daemon=True)
        thread.start()
        return thread

    def next_feedback(self, output: np.ndarray) -> tuple[bool, np.ndarray | None]:
        """Given the frame just rendered (uint8 HWC): (False, None) to feed it back unchanged,
        else (True, picture) to feed back ``picture`` instead (None: the model's default)."""
        with self._lock:
            restart, self._restart = self._restart, False
            noise, self._noise = self._noise, 0.0
            blend, anchor = self._blend, self._anchor
        if restart:
            return True, anchor
        if noise <= 0 and (blend <= 0 or anchor is None):
            return False, None
        picture = output.astype(np.float32)
        if blend > 0 and anchor is not None:
            picture += blend * (anchor.astype(np.float32) - picture)
        if noise > 0:
            picture += self._rng.normal(0.0, noise * 255.0, picture.shape).astype(np.float32)
        return True, np.clip(picture, 0, 255).astype(np.uint8)


def from_pixels(pixels: np.ndarray, output: OutputSpec) -> np.ndarray:
    """uint8 height x width x channels back to the output tensor's layout, range and type
    (the inverse of runtime.to_pixels), batch 1."""
    values = pixels.astype(np.float32) * ((output.high - output.low) / 255.0) + output.low
    if output.dtype == np.uint8:
        values = np.rint(values)
    tensor = values[None]
    if output.layout == "NCHW":
        tensor = tensor.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(tensor.astype(output.dtype))


def read_picture(path: Path, frame: int, shape: tuple[int, int, int]) -> np.ndarray:
    """Frame ``frame`` of an image or video file, scaled to ``shape`` (h, w, c), uint8 RGB.

    A frame past the end of the file is refused from the container's own frame count before
    anything is decoded; a frame inside it is reached by seeking to the keyframe before it, so
    the work is bounded however large the index."""
    height, width, channels = shape
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file")
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError(f"{path} has no picture in it")
        stream = container.streams.video[0]
        total = frame_count(container, stream)
        if total is not None and frame >= total:
            raise ValueError(f"{path} has {total} frames; frame {frame} is past its end")
        decoded = _decode_frame(container, stream, frame)
        if decoded is None:
            raise ValueError(f"{path} has no frame {frame}")
        rgb = decoded.reformat(width=width, height=height, format="rgb24").to_ndarray()
    if channels == 1:
        return rgb.mean(axis=2, keepdims=True).astype(np.uint8)
    if channels == 4:
        return np.concatenate([rgb, np.full((height, width, 1), 255, np.uint8)], axis=2)
    return rgb


def frame_count(container: av.container.InputContainer, stream: av.video.VideoStream) -> int | None:
    """How many frames the file says it has (None when it does not say)."""
    if stream.frames:
        return int(stream.frames)
    rate = stream.average_rate or stream.guessed_rate
    if stream.duration is not None and stream.time_base is not None and rate:
        return max(1, round(float(stream.duration * stream.time_base * rate)))
    if container.duration is not None and rate:
        return max(1, round(container.duration / av.time_base * float(rate)))
    return None


def _decode_frame(
    container: av.container.InputContainer, stream: av.video.VideoStream, frame: int
) -> av.VideoFrame | None:
    rate = stream.average_rate or stream.guessed_rate
    first = 0
    if frame > 0 and rate and stream.time_base is not None:
        target = int(frame / (rate * stream.time_base)) + (stream.start_time or 0)
        container.seek(target, stream=stream, backward=True, any_frame=False)
        first = None  # counted from the timestamps after a seek
    for index, decoded in enumerate(container.decode(stream)):
        if first is None:
            if decoded.pts is None:
                return None
            since_start = (decoded.pts - (stream.start_time or 0)) * stream.time_base
            position = round(float(since_start * rate))
        else:
            position = index
        if position >= frame:
            return decoded
    return None
