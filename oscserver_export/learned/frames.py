"""Footage in and out: videos and folders of images <-> ``(N, H, W, 3)`` uint8 frames.

Everything goes through PyAV (FFmpeg), which the runtime already needs: no Pillow, no OpenCV.
Reading crops each frame to a centred square and resizes it to the training size with area
averaging; writing picks the best H.264 encoder the av wheel has (libx264, then FFmpeg's
own ``h264`` encoders, then MPEG-4 part 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

#: Image files a frame folder may hold (read in name order).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
#: Video encoders tried in order when writing (the first that the av wheel has wins).
VIDEO_ENCODERS = ("libx264", "h264", "libopenh264", "mpeg4")


class FootageError(ValueError):
    """Footage could not be read or written; the message names the file and the reason."""


def video_encoder() -> str:
    """The first encoder of :data:`VIDEO_ENCODERS` available in this av build."""
    import av

    for name in VIDEO_ENCODERS:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # av raises UnknownCodecError (and others in older versions)
            continue
        return name
    raise FootageError(f"this av build has none of the encoders {', '.join(VIDEO_ENCODERS)}")


def write_video(frames: Iterable[np.ndarray], path: str | Path, fps: int = 30) -> int:
    """Encode ``(H, W, 3)`` uint8 frames to a video file; returns the number of frames."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = video_encoder()
    count = 0
    with av.open(str(path), "w") as container:
        stream: av.VideoStream | None = None
        for image in frames:
            if stream is None:
                added = container.add_stream(codec, rate=fps)
                if not isinstance(added, av.VideoStream):
                    raise FootageError(f"{codec} makes a {type(added).__name__}, not video")
                stream = added
                stream.height, stream.width = image.shape[:2]
                stream.pix_fmt = "yuv420p"
                if codec == "libx264":
                    stream.options = {"crf": "16", "preset": "medium"}
                else:
                    stream.bit_rate = 8_000_000
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
            count += 1
        if stream is None:
            raise FootageError(f"no frames to write to {path}")
        for packet in stream.encode():
            container.mux(packet)
    return count


def write_pngs(frames: Iterable[np.ndarray], folder: str | Path) -> int:
    """Write frames as ``folder/frame-000000.png`` ...; returns the number written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for image in frames:
        write_png(image, folder / f"frame-{count:06d}.png")
        count += 1
    return count


def write_png(image: np.ndarray, path: str | Path) -> None:
    """One ``(H, W, 3)`` uint8 picture as a PNG file."""
    import av

    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream("png", rate=1)
        stream.height, stream.width = image.shape[:2]
        stream.pix_fmt = "rgb24"
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def read_frames(
    source: str | Path, size: int, max_frames: int | None = None, start: int = 0
) -> np.ndarray:
    """Frames of a video file or an image folder as ``(N, size, size, 3)`` uint8.

    Each frame is cropped to a centred square and resized to ``size`` (area averaging).
    ``start`` frames are skipped, at most ``max_frames`` are kept. Raises
    :class:`FootageError` naming the file when it is missing, unreadable or has no frames.
    """
    source = Path(source)
    if size < 8:
        raise FootageError(f"frame size {size} is too small (at least 8 pixels)")
    if not source.exists():
        raise FootageError(f"footage {source} does not exist (a video file or a folder of images)")
    if source.is_dir():
        pictures = _image_files(source)
        frames = (_decode_one(p) for p in pictures[start:])
        start = 0
    else:
        frames = _decode_video(source)
    kept: list[np.ndarray] = []
    for index, image in enumerate(frames):
        if index < start:
            continue
        if max_frames is not None and len(kept) >= max_frames:
            break
        kept.append(square_resize(image, size))
    if not kept:
        raise FootageError(f"footage {source} has no frames (after skipping {start})")
    return np.stack(kept)


def read_picture(path: str | Path) -> np.ndarray:
    """One image file as ``(H, W, 3)`` uint8; :class:`FootageError` naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise FootageError(f"picture {path} does not exist")
    return _decode_one(path)


def square_resize(image: np.ndarray, size: int) -> np.ndarray:
    """Crop ``(H, W, 3)`` uint8 to a centred square and resize it to ``size`` x ``size``."""
    import av

    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = np.ascontiguousarray(image[top : top + side, left : left + side, :3])
    if side == size:
        return square
    frame = av.VideoFrame.from_ndarray(square, format="rgb24")
    return frame.reformat(width=size, height=size, interpolation="AREA").to_ndarray()


def _image_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FootageError(
            f"folder {folder} holds no images ({', '.join(IMAGE_SUFFIXES)}); give a video file "
            "or a folder of frames"
        )
    return files


def _decode_one(path: Path) -> np.ndarray:
    import av

    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                return frame.to_ndarray(format="rgb24")
    except (av.FFmpegError, ValueError) as exc:
        raise FootageError(f"cannot read image {path}: {exc}") from exc
    raise FootageError(f"image {path} has no picture")


def _decode_video(path: Path):
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, ValueError) as exc:
        raise FootageError(f"cannot read video {path}: {exc}") from exc
    with container:
        if not container.streams.video:
            raise FootageError(f"{path} has no video stream")
        try:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
        except av.FFmpegError as exc:
            raise FootageError(f"cannot decode video {path}: {exc}") from exc
