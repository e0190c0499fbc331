"""Settings of the generator side of ``oscserver serve``: what plays and how it runs, and
learning while it plays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oscserver.core.errors import StartupError
from oscserver.core.options import option
from oscserver.core.sizes import PRESETS, RENDER_SCALES, SizeError, check_render_scale, parse_size
from oscserver.generator.fitting import FILTERS, FITS
from oscserver.generator.providers import PROVIDER_NAMES


def _size(value: Any) -> tuple[int, int] | None:
    if value is None or isinstance(value, tuple):
        return value
    try:
        return parse_size(str(value))
    except SizeError as exc:
        raise StartupError(str(exc)) from None


def _render_scale(value: Any) -> float:
    try:
        return check_render_scale(value)
    except SizeError as exc:
        raise StartupError(str(exc)) from None


def _models(value: Any) -> tuple[str, ...]:
    if not value:
        return ("default",)
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    models: tuple[str, ...] = option(
        ("default",),
        "--model",
        "generator ONNX file, or 'default'; repeat to load several (the first plays; "
        "/model NAME switches)",
        _models,
        action="append",
    )
    size: tuple[int, int] | None = option(
        None,
        "--size",
        f"output size: WxH (1280x720), one number for a square, or {', '.join(PRESETS)}; "
        "every output carries it (default: the largest generator's own)",
        _size,
        metavar="SIZE",
    )
    render_scale: float = option(
        1.0,
        "--render-scale",
        "a generator that draws at any size draws at this times the output size "
        f"({RENDER_SCALES[0]:g}..{RENDER_SCALES[1]:g}), and the frame is scaled up to it",
        _render_scale,
        metavar="F",
    )
    fit: str = option(
        "crop",
        "--fit",
        "how a frame of another aspect fills the output: crop (fill, edges cut), contain "
        "(letterbox in black), stretch",
        choices=FITS,
    )
    scale_filter: str = option(
        "bilinear", "--scale-filter", "bilinear, or bicubic (sharper)", choices=FILTERS
    )
    fps: float = option(30.0, "--fps", "frames a second", type=float)
    provider: str | None = option(
        None,
        "--provider",
        "force an ONNX Runtime provider (default: best available)",
        choices=tuple(PROVIDER_NAMES),
    )
    threads: int | None = option(
        None, "--threads", "inference threads (default: all cores)", type=int
    )
    cache_dir: Path | None = option(  # noqa: RUF009 (option() returns a dataclasses.field)
        None, "--cache-dir", "TensorRT engine cache (default: ~/.cache/oscserver)", type=Path
    )
    status_interval: float = option(
        1.0, "--status-interval", "seconds between status lines (0: none)", type=float
    )

    @property
    def model(self) -> str:
        """The generator that plays first."""
        return self.models[0]


@dataclass(frozen=True, slots=True)
class LearningOptions:
    learn: str | None = option(
        None, "--learn", "keep training the model on VIDEO while it plays", metavar="VIDEO"
    )
    update_every: float = option(
        20.0, "--update-every", "seconds between model swaps (--learn)", type=float
    )
    learn_dir: str | None = option(
        None, "--learn-dir", "where --learn keeps its models (default: temporary)"
    )
