"""What every mapping is: knobs in, OSC messages out, one video frame at a time.

A mapping turns music into a *control trajectory*: the messages to send at the start, then
the messages for each video frame. It keeps whatever state it needs (a random walk, a chord
history) and never moves controls itself: smoothing, springs and slerp are the server's
motion, asked for with ``/smooth/...`` and ``/spring/...`` messages. The same messages go
live over OSC (``oscserver drive``) or through the server's control path offline
(``oscserver render``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from oscserver.audio.analysis.features import AudioFeatures, FeatureFrame
from oscserver.audio.mappings.knobs import parse_knobs
from oscserver.audio.mappings.messages import Message
from oscserver.audio.mappings.target import ControlTarget


class Mapping(ABC):
    """Base class: subclasses set ``name``, ``summary`` and ``Knobs`` (a knob dataclass)."""

    name: ClassVar[str]
    summary: ClassVar[str]
    Knobs: ClassVar[type]

    def __init__(self, knobs: Any, target: ControlTarget, fps: float) -> None:
        self.knobs = knobs
        self.target = target
        self.fps = fps

    @classmethod
    def create(cls, raw_knobs: dict[str, object], target: ControlTarget, fps: float) -> Mapping:
        """Parse ``raw_knobs`` (name -> string or value) and build the mapping."""
        return cls(parse_knobs(cls.Knobs, raw_knobs, cls.name), target, fps)

    def prepare(self, song: AudioFeatures) -> None:  # noqa: B027 - optional hook
        """Look at the whole song before the first frame (songs from files only; live input
        never calls it). Default: nothing."""

    @abstractmethod
    def start(self) -> list[Message]:
        """Messages that set the scene before frame 0: motion laws, fixed controls."""

    @abstractmethod
    def frame(self, frame: FeatureFrame) -> list[Message]:
        """Messages for one video frame, in order; called for frames 0, 1, 2, ..."""

    def seconds_to_frames(self, seconds: float) -> int:
        return max(1, round(seconds * self.fps))
