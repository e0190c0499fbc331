"""The settings of ``oscserver serve``, in groups, and the command line derived from them.

Each option is declared once, as a field of its group with its flag and help, beside the part
that takes the group whole (``generator/options.py``, ``osc/options.py``, ``http/options.py``,
``sinks/options.py``); ``add_options`` builds the parser from the fields and
``ServeConfig.from_flat`` builds a config from the parsed arguments (or from the same names
given by hand, as the tests and benchmarks do).

    config = ServeConfig.from_flat(model="default", osc_port=9001, shm=None)
    config.osc.port, config.outputs.shm, config.runtime.model
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from oscserver.generator.options import LearningOptions, RuntimeOptions
from oscserver.http.options import HttpOptions
from oscserver.osc.options import OscOptions
from oscserver.sinks.options import OutputOptions

GROUPS = {
    "runtime": RuntimeOptions,
    "osc": OscOptions,
    "http": HttpOptions,
    "outputs": OutputOptions,
    "learning": LearningOptions,
}


@dataclass(frozen=True, slots=True)
class ServeConfig:
    runtime: RuntimeOptions = field(default_factory=RuntimeOptions)
    osc: OscOptions = field(default_factory=OscOptions)
    http: HttpOptions = field(default_factory=HttpOptions)
    outputs: OutputOptions = field(default_factory=OutputOptions)
    learning: LearningOptions = field(default_factory=LearningOptions)

    @classmethod
    def from_flat(cls, **settings: Any) -> ServeConfig:
        """A config from flat names (the flags' names: ``osc_port``, ``shm``, ``model`` ...);
        values go through each option's ``convert``. Unknown names are a TypeError."""
        changes: dict[str, dict[str, Any]] = {group: {} for group in GROUPS}
        places = _flat_names()
        for name, value in settings.items():
            if name not in places:
                raise TypeError(f"no serve option {name!r} (options: {', '.join(places)})")
            group, attribute, convert = places[name]
            changes[group][attribute] = convert(value) if convert else value
        return cls(**{g: replace(GROUPS[g](), **c) for g, c in changes.items()})


def _flat_names() -> dict[str, tuple[str, str, Callable[[Any], Any] | None]]:
    names = {}
    for group, options in GROUPS.items():
        for f in fields(options):
            flat = f.metadata["flag"].lstrip("-").replace("-", "_")
            names[flat] = (group, f.name, f.metadata["convert"])
    return names


def add_options(parser: argparse.ArgumentParser) -> None:
    """Every serve option, from the groups above, in groups of ``--help``."""
    for group, options in GROUPS.items():
        section = parser.add_argument_group(group)
        for f in fields(options):
            meta: Mapping[str, Any] = f.metadata
            extra = dict(meta["argparse"])
            if extra.get("action") != "append":
                extra.setdefault("default", f.default)
            section.add_argument(meta["flag"], help=meta["help"], **extra)


def from_args(args: argparse.Namespace) -> ServeConfig:
    """The config the parsed ``serve`` arguments ask for."""
    return ServeConfig.from_flat(**{name: getattr(args, name) for name in _flat_names()})
