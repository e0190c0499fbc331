"""How a generator is framed for an output: the output's format, the render scale and the fit,
and opening a generator that way. The server (``library.py``) and offline renders
(``audio/video/``) open generators through :func:`open_framed`, so live and rendered frames are
made the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oscserver.core.frame import FrameFormat
from oscserver.core.sizes import scaled
from oscserver.generator.fitting import Fit
from oscserver.generator.graph import describe
from oscserver.generator.runtime import GeneratorRuntime


@dataclass(frozen=True, slots=True)
class Framing:
    """``output``: the frames' format; ``render_scale``: a generator of any size draws at that
    times the output's size (``--render-scale``); ``fit`` and ``filter``: how a frame of
    another size is brought to it (``fitting.Fit``)."""

    output: FrameFormat
    render_scale: float = 1.0
    fit: str = "crop"
    filter: str = "bilinear"

    @property
    def drawn_size(self) -> tuple[int, int]:
        """What a generator of any size draws at."""
        size = self.output.size
        return size if self.render_scale == 1 else scaled(size, self.render_scale)


def output_format(paths: list[Path], size: tuple[int, int] | None) -> FrameFormat:
    """The output for these generator files: ``size`` (width, height), or else the largest
    one's own (a generator of any size counts at its natural size); the most channels any has.
    GeneratorError for a file that is not a generator."""
    formats = [describe(path).frame_format for path in paths]
    channels = max(f.channels for f in formats)
    if size is None:
        size = max(formats, key=lambda f: f.width * f.height).size
    return FrameFormat(size[0], size[1], channels)


def open_framed(
    path: Path,
    framing: Framing,
    provider: str | None = None,
    threads: int | None = None,
    cache_dir: Path | None = None,
) -> GeneratorRuntime:
    """``path`` opened to draw frames of ``framing.output`` (slow: a session and a first frame)."""
    return GeneratorRuntime(
        path,
        provider,
        threads,
        size=framing.drawn_size,
        fit=Fit(framing.output, framing.fit, framing.filter),
        cache_dir=cache_dir,
    )
