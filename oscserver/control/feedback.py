"""Steering a feedback generator (a next-frame predictor fed its own output).

Left alone, such a model can drift into a still or a mush. The performer pulls it back:
``/feedback/noise a`` injects noise once, ``/feedback/blend a`` pulls every frame toward an
anchor image, ``/feedback/image PATH [FRAME]`` loads an anchor (an image, or a frame of a
video) and restarts from it, ``/feedback/reset`` restarts from the anchor (or the model's
default). The frame clock thread calls ``next_feedback`` after each frame.

The anchor picture is decoded (``core/media.py``) away from the controls' lock and off the
event loop, by an ``AnchorLoader``: the server's runs a tracked task (``tracked_loader``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from oscserver.core.media import read_picture
from oscserver.core.tasks import TaskManager

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


AnchorLoader = Callable[[FeedbackControl, Path, int], None]
"""Decodes frame ``int`` of the file at ``Path`` and anchors the feedback on it; returns at
once (called from any thread)."""


def anchor_on(feedback: FeedbackControl, path: Path, frame: int) -> bool:
    """Decode and anchor (blocking); a bad file is logged and counted, never raised."""
    try:
        feedback.set_anchor(read_picture(path, frame, feedback.shape))
    except Exception as exc:  # a bad file must not stop anything
        feedback.load_errors += 1
        log.warning("feedback image %s frame %d refused: %s", path, frame, exc)
        return False
    log.info("feedback anchored on %s frame %d", path, frame)
    return True


def load_in_thread(feedback: FeedbackControl, path: Path, frame: int) -> None:
    """Decode on a thread of its own (offline renders and tests: no event loop to track it)."""
    thread = threading.Thread(
        target=anchor_on, args=(feedback, path, frame), name="feedback-image", daemon=True
    )
    thread.start()


def tracked_loader(tasks: TaskManager) -> AnchorLoader:
    """Decode in a task the server tracks (named, cancelled at stop), on a worker thread.
    Call it on the event loop; the loader it returns may be called from any thread."""
    loop = asyncio.get_running_loop()

    def load(feedback: FeedbackControl, path: Path, frame: int) -> None:
        def start() -> None:
            work = asyncio.to_thread(anchor_on, feedback, path, frame)
            tasks.spawn(work, name=f"feedback-image:{path.name}")

        loop.call_soon_threadsafe(start)

    return load
