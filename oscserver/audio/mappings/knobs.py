"""A mapping's knobs: a frozen dataclass whose fields say their type, default, range and use.

From the command line they come as ``--knob name=value`` strings; :func:`parse_knobs` checks
names, types and ranges and says what was expected. :func:`describe_knobs` lists them (for
``--list-knobs`` and docs/audio.md).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from oscserver.audio.errors import AudioError
from oscserver.data.imagenet import find_class

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
"""A knob dataclass."""


def knob(default: Any, doc: str, low: float | None = None, high: float | None = None) -> Any:
    """A knob field: its default, one line on what it does, and the inclusive range."""
    return dataclasses.field(default=default, metadata={"doc": doc, "low": low, "high": high})


@dataclass(frozen=True, slots=True)
class KnobInfo:
    name: str
    type_name: str
    default: Any
    doc: str
    low: float | None
    high: float | None

    def line(self) -> str:
        bounds = ""
        if self.low is not None or self.high is not None:
            bounds = f", {_number(self.low)}..{_number(self.high)}"
        if isinstance(self.default, tuple):
            shown = ",".join(map(str, self.default))
        else:
            shown = str(self.default)
        return f"{self.name} ({self.type_name}{bounds}; default {shown or '(none)'}): {self.doc}"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


_TYPE_NAMES = {int: "whole number", float: "number", bool: "true/false", str: "text"}


def describe_knobs(kind: type) -> list[KnobInfo]:
    """Every knob of the dataclass ``kind``, in declaration order."""
    hints = typing.get_type_hints(kind)
    out = []
    for f in dataclasses.fields(kind):
        hint = hints[f.name]
        name = _TYPE_NAMES.get(hint, "classes (indices or names, comma-separated)")
        out.append(KnobInfo(f.name, name, f.default, f.metadata.get("doc", ""), *_bounds(f)))
    return out


def parse_knobs(kind: type[T], raw: Mapping[str, object], mapping: str) -> T:
    """Build ``kind`` from ``raw`` (name -> string or value); unknown names, bad values and
    values out of range raise :class:`AudioError` naming the knob and what it takes."""
    hints = typing.get_type_hints(kind)
    fields = {f.name: f for f in dataclasses.fields(kind)}
    values: dict[str, object] = {}
    for name, value in raw.items():
        f = fields.get(name)
        if f is None:
            raise AudioError(
                f"mapping {mapping!r} has no knob {name!r}; its knobs: {', '.join(fields)} "
                f"(--list-knobs describes them)"
            )
        values[name] = _convert(mapping, name, hints[name], value)
        _check_range(mapping, name, values[name], *_bounds(f))
    return kind(**values)


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["a=1", "b=x"]`` (from repeated ``--knob``) -> ``{"a": "1", "b": "x"}``."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise AudioError(f"--knob expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def _check_range(
    mapping: str, name: str, value: object, low: float | None, high: float | None
) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return
    if (low is not None and value < low) or (high is not None and value > high):
        raise AudioError(
            f"knob {name}={value:g} of mapping {mapping!r} is outside "
            f"{_number(low)}..{_number(high)}"
        )


def _bounds(f: dataclasses.Field) -> tuple[float | None, float | None]:
    return f.metadata.get("low"), f.metadata.get("high")


def _convert(mapping: str, name: str, hint: Any, value: object) -> object:
    where = f"knob {name} of mapping {mapping!r}"
    if not isinstance(value, str):
        if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if hint is tuple[int, ...] and isinstance(value, list | tuple):
            return tuple(_class_index(where, v) for v in value)
        if isinstance(value, hint if isinstance(hint, type) else tuple):
            return value
        raise AudioError(f"{where} expects a {_TYPE_NAMES.get(hint, 'value')}, got {value!r}")
    text = value.strip()
    try:
        if hint is int:
            return int(text)
        if hint is float:
            return float(text)
    except ValueError:
        raise AudioError(f"{where} expects a {_TYPE_NAMES[hint]}, got {text!r}") from None
    if hint is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise AudioError(f"{where} expects true or false, got {text!r}")
    if hint is str:
        return text
    if hint == tuple[int, ...]:
        return class_list(where, text)
    raise AudioError(f"{where} has a type this parser does not know: {hint!r}")


def class_list(where: str, text: str) -> tuple[int, ...]:
    """``"1,207,golden retriever"`` -> ImageNet class indices (names, WordNet ids or indices;
    AudioError naming ``where`` for one that is not a class)."""
    return tuple(_class_index(where, item) for item in text.split(",") if item.strip())


def _class_index(where: str, item: object) -> int:
    try:
        return find_class(item if isinstance(item, int) else str(item)).index
    except KeyError as exc:
        raise AudioError(f"{where}: {exc.args[0]}") from None
