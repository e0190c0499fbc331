"""What runs on a Ray worker for ``oscserver render --ray``: one loaded generator rendering
chunks of frames, and the generator file shipped to it.

Nothing here imports Ray: :class:`ChunkRenderer` is a plain class that
``oscserver/audio/video/ray.py`` turns into a Ray actor (``ray.remote(ChunkRenderer)``), so it
also runs (and is tested) without Ray.

The generator reaches the workers through Ray's object store, not the file system: the driver
reads the ONNX file once and puts its bytes there (:class:`ShippedModel`); each actor writes
them to its node's temporary folder under the file's own name, in a folder named after the
content's digest, and loads that copy. Workers need no shared file system and no copy of
the model; a model whose weights live in separate external-data files cannot be shipped
this way (the generators here are single files).
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from oscserver.generator.framing import Framing

SHIP_FOLDER = "oscserver-ray-models"
"""Under the worker's temporary folder: ``SHIP_FOLDER/<digest>/<model file name>``."""


@dataclass(frozen=True, slots=True)
class ShippedModel:
    """A generator file as bytes: name (kept, so TensorRT's engine cache names stay the same
    as for the file itself), content and its SHA-256."""

    name: str
    data: bytes
    digest: str

    @classmethod
    def read(cls, path: Path) -> ShippedModel:
        data = Path(path).read_bytes()
        return cls(Path(path).name, data, hashlib.sha256(data).hexdigest())

    def materialize(self, root: Path | None = None) -> Path:
        """Write the bytes to ``root/<digest>/<name>`` (once: an existing copy of the same
        size is reused) and return that path."""
        folder = Path(root or Path(tempfile.gettempdir()) / SHIP_FOLDER) / self.digest[:32]
        path = folder / self.name
        if path.is_file() and path.stat().st_size == len(self.data):
            return path
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{self.name}.{os.getpid()}.part"
        partial.write_bytes(self.data)
        os.replace(partial, path)  # atomic: a concurrent actor sees the whole file or none
        return path


def pack_values(frames: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Control values of consecutive frames, one ``(frames, length)`` float32 array per
    control (compact to send)."""
    if not frames:
        return {}
    return {name: np.stack([f[name] for f in frames]) for name in frames[0]}


def chunk_length(values: dict[str, np.ndarray]) -> int:
    return len(next(iter(values.values()))) if values else 0


class ChunkRenderer:
    """One generator, loaded once, rendering chunks of frames from packed control values.

    ``provider`` and ``threads`` are :class:`GeneratorRuntime`'s; ``framing``: the video's
    size and how the generator is fitted to it (default: its own size). It holds no state between
    frames that a chunk could depend on (generators with a feedback input are refused by the
    driver), so any worker renders any chunk to the same pixels."""

    def __init__(
        self,
        model: ShippedModel,
        provider: str | None = None,
        threads: int | None = None,
        framing: Framing | None = None,
    ) -> None:
        from oscserver.generator.framing import open_framed
        from oscserver.generator.runtime import GeneratorRuntime

        began = time.perf_counter()
        self.path = model.materialize()
        if framing is None:
            self.runtime = GeneratorRuntime(self.path, provider, threads)
        else:
            self.runtime = open_framed(self.path, framing, provider, threads)
        self.startup_seconds = time.perf_counter() - began

    def info(self) -> dict[str, object]:
        """Where and how this worker renders (logged by the driver; the tests read the pid)."""
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "acceleration": self.runtime.acceleration,
            "startup_s": round(self.startup_seconds, 3),
            **read_versions(),
        }

    def render(self, values: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
        """Render every frame of a chunk: (``(frames, height, width, channels)`` uint8, the
        seconds spent in inference). An empty chunk returns no frames (the benchmark times
        it)."""
        began = time.perf_counter()
        fmt = self.runtime.frame_format
        count = chunk_length(values)
        out = np.empty((count, fmt.height, fmt.width, fmt.channels), np.uint8)
        for i in range(count):
            out[i] = self.runtime.draw({name: rows[i] for name, rows in values.items()})
        return out, time.perf_counter() - began


def read_versions() -> dict[str, str]:
    """onnxruntime's and oscserver's versions (a worker that differs from the driver may
    render other pixels: the driver warns)."""
    import onnxruntime

    try:
        from importlib.metadata import version

        ours = version("oscserver")
    except Exception:  # not installed as a distribution
        ours = "unknown"
    return {"onnxruntime": onnxruntime.__version__, "oscserver": ours}
