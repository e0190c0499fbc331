"""The 1000 ImageNet classes, in the order of BigGAN's (and the default generator's) class vector.

    from oscserver.data.imagenet import imagenet_classes, find_class

    imagenet_classes()[207].label      # 'golden retriever'
    find_class("goldfinch").index      # 11
    find_class("207").label            # 'golden retriever'

Read from ``oscserver/data/imagenet_classes.tsv`` once and cached. Used by the audio mappings
(class names in knobs, lyrics) and by class pickers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

CLASS_COUNT = 1000


@dataclass(frozen=True, slots=True)
class ImageNetClass:
    """One class: its index in the class vector, WordNet id, and names (most usual first)."""

    index: int
    wordnet_id: str
    names: tuple[str, ...]

    @property
    def label(self) -> str:
        """The usual short name, e.g. 'golden retriever'."""
        return self.names[0]


@cache
def imagenet_classes() -> tuple[ImageNetClass, ...]:
    """All 1000 classes; ``imagenet_classes()[i].index == i``."""
    text = resources.files("oscserver.data").joinpath("imagenet_classes.tsv").read_text("utf-8")
    classes = []
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        index, wordnet_id, names = line.split("\t")
        classes.append(
            ImageNetClass(int(index), wordnet_id, tuple(n.strip() for n in names.split(",")))
        )
    if [c.index for c in classes] != list(range(CLASS_COUNT)):
        raise RuntimeError("oscserver/data/imagenet_classes.tsv is damaged: indices not 0..999")
    return tuple(classes)


@cache
def _by_name() -> dict[str, ImageNetClass]:
    table: dict[str, ImageNetClass] = {}
    for c in imagenet_classes():
        for name in c.names:
            table.setdefault(name.lower(), c)  # the first class to use a name keeps it
    return table


def find_class(name_or_index: str | int) -> ImageNetClass:
    """A class by index (``207``, ``"207"``), WordNet id (``"n02099601"``) or any of its names
    (case-insensitive: ``"Golden Retriever"``). Raises ``KeyError`` with suggestions."""
    if isinstance(name_or_index, int) or str(name_or_index).strip().isdigit():
        index = int(name_or_index)
        if not 0 <= index < CLASS_COUNT:
            raise KeyError(f"class index {index} is outside 0..{CLASS_COUNT - 1}")
        return imagenet_classes()[index]
    key = str(name_or_index).strip().lower()
    found = _by_name().get(key)
    if found is not None:
        return found
    for c in imagenet_classes():
        if c.wordnet_id == key:
            return c
    close = [c for c in imagenet_classes() if any(key in n.lower() for n in c.names)][:5]
    hint = (
        "; did you mean " + ", ".join(f"{c.label!r} ({c.index})" for c in close) + "?"
        if close
        else ""
    )
    raise KeyError(f"no ImageNet class is called {name_or_index!r}{hint}")
