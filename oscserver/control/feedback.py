"""Steering a feedback generator (a next-frame predictor fed its own output).

Left alone, such a model can drift into a still or a mush. The performer pulls it back:
``/feedback/noise a`` injects noise once, ``/feedback/blend a`` pulls every frame toward an
anchor image, ``/feedback/image PATH [FRAME]`` loads an anchor (an image, or a frame of a
video) and restarts from it, ``/feedback/reset`` restarts from the anchor (or the model's
default). The frame clock thread calls ``next_feedback`` after each frame.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from oscserver.core.media import read_picture

log = logging.getLogger("oscserver.control.feedback")


class FeedbackControl:
    """Feedback state shared by the OSC side (setters) and the frame clock thread."""

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
