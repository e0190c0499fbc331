"""Settings of the generator side of ``oscserver serve``: what plays and how it runs, and
learning while it plays."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oscserver.core.options import option
from oscserver.generator.contract import DEFAULT_SIZES
from oscserver.generator.providers import PROVIDER_NAMES


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
    size: int = option(
        256,
        "--size",
        "size of the default generator (ignored for --model FILE)",
        type=int,
        choices=DEFAULT_SIZES,
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
