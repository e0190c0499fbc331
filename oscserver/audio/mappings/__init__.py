"""The mappings from music to controls, by name: ``chroma``, ``clusters``, ``wander``,
``lyrics``. Each is one module with its knobs documented; docs/audio.md describes them."""

from __future__ import annotations

from oscserver.audio.errors import AudioError
from oscserver.audio.mappings.base import Mapping
from oscserver.audio.mappings.chroma import ChromaMapping
from oscserver.audio.mappings.clusters import ClusterMapping
from oscserver.audio.mappings.lyrics import LyricsMapping
from oscserver.audio.mappings.target import ControlTarget
from oscserver.audio.mappings.wander import WanderMapping

MAPPINGS: dict[str, type[Mapping]] = {
    m.name: m for m in (ChromaMapping, ClusterMapping, WanderMapping, LyricsMapping)
}


def mapping_class(name: str) -> type[Mapping]:
    """The mapping called ``name``; an unknown name lists the known ones."""
    try:
        return MAPPINGS[name]
    except KeyError:
        raise AudioError(
            f"no mapping called {name!r}; choose one of {', '.join(MAPPINGS)}"
        ) from None


def make_mapping(
    name: str, knobs: dict[str, object], target: ControlTarget, fps: float, seed: int | None = None
) -> Mapping:
    """Build mapping ``name`` from knob strings or values; ``seed`` (if given and the knobs
    do not set one) becomes the mapping's ``seed`` knob."""
    kind = mapping_class(name)
    if seed is not None and "seed" not in knobs:
        knobs = {**knobs, "seed": seed}
    return kind.create(knobs, target, fps)


__all__ = ["MAPPINGS", "Mapping", "make_mapping", "mapping_class"]
