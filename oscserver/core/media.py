"""The folders OSC may name files in (``/model PATH``, ``/feedback/image PATH``), and reading a
picture from an image or a video file.

Anyone who can reach the OSC port can send a path, so a path is read only when it lies inside
one of the media folders (``--media-dir``, by default the folders of the ``--model`` files):
``..`` is refused outright, an absolute path must be inside a folder, a relative path is looked
up in each folder in turn, and symbolic links are followed before the check, so a link that
points out of a folder is refused. Refusals are ``bad_file``, with the folders named.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePath

import av
import numpy as np

from oscserver.core.errors import ControlError, Reason


class MediaFolders:
    def __init__(self, folders: Sequence[Path | str]) -> None:
        self.folders = tuple(Path(os.path.realpath(f)) for f in dict.fromkeys(map(str, folders)))

    def resolve(self, address: str, path: str, suffix: str | None = None) -> Path:
        """The real file ``path`` names inside a media folder, or ControlError(Reason.BAD_FILE)."""
        if not path or "\x00" in path:
            raise self._refuse(address, path, "is empty or holds a NUL character")
        if ".." in PurePath(path).parts:
            raise self._refuse(address, path, "contains '..'")
        if suffix is not None and PurePath(path).suffix.lower() != suffix:
            raise self._refuse(address, path, f"is not a {suffix} file")
        candidates = [Path(path)] if os.path.isabs(path) else [f / path for f in self.folders]
        for candidate in candidates:
            real = Path(os.path.realpath(candidate))
            if not any(real.is_relative_to(folder) for folder in self.folders):
                if os.path.isabs(path):
                    raise self._refuse(address, path, "is outside the media folders")
                continue  # a link out of this folder: refused, but another folder may have it
            if real.is_file():
                return real
        raise self._refuse(address, path, "is not a file in the media folders")

    def _refuse(self, address: str, path: str, why: str) -> ControlError:
        folders = ", ".join(str(f) for f in self.folders) or "none"
        return ControlError(
            Reason.BAD_FILE,
            f"{address}: {path!r:.120} {why} (media folders: {folders}; allow another with "
            "--media-dir)",
        )


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
    time_base = stream.time_base
    if frame <= 0 or not rate or time_base is None:  # no seek: count the frames decoded
        for index, decoded in enumerate(container.decode(stream)):
            if index >= frame:
                return decoded
        return None
    target = int(frame / (rate * time_base)) + (stream.start_time or 0)
    container.seek(target, stream=stream, backward=True, any_frame=False)
    for decoded in container.decode(stream):  # counted from the timestamps after a seek
        if decoded.pts is None:
            return None
        since_start = (decoded.pts - (stream.start_time or 0)) * time_base
        if round(float(since_start * rate)) >= frame:
            return decoded
    return None
