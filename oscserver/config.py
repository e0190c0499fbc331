"""The settings of ``oscserver serve``, in groups, and the command line derived from them.

Each option is declared once, as a field of its group with its flag and help; ``add_options``
builds the parser from the fields and ``ServeConfig.from_flat`` builds a config from the parsed
arguments (or from the same names given by hand, as the tests and benchmarks do).

    config = ServeConfig.from_flat(model="default", osc_port=9001, shm=None)
    config.osc.port, config.outputs.shm, config.runtime.model
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from oscserver.generator.contract import DEFAULT_SIZES
from oscserver.generator.providers import PROVIDER_NAMES
from oscserver.osc.front_door import DEFAULT_RATE
from oscserver.webrtc.codecs import CODECS, DEFAULT_BITRATE, DEFAULT_CODEC


def option(
    default: Any,
    flag: str,
    help: str,
    convert: Callable[[Any], Any] | None = None,
    **argparse_options: Any,
) -> Any:
    """A field with its command-line flag. ``convert`` turns the parsed value into the
    setting (``--http-port -1`` -> None); the flag's name is the setting's flat name."""
    return field(
        default=default,
        metadata={"flag": flag, "help": help, "convert": convert, "argparse": argparse_options},
    )


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
class OscOptions:
    host: str = option("127.0.0.1", "--osc-host", "address to listen for OSC on (udp)")
    port: int = option(9000, "--osc-port", "OSC port (udp)", type=int)
    allow: str | None = option(
        None,
        "--osc-allow",
        "hosts or networks whose OSC is read (default: loopback when --osc-host is loopback, "
        "everyone otherwise)",
        metavar="CIDR[,CIDR...]",
    )
    rate_limit: float = option(
        DEFAULT_RATE,
        "--osc-rate-limit",
        f"OSC datagrams per second per sending host (default {DEFAULT_RATE:g}; 0: no limit)",
        type=float,
        metavar="N",
    )
    media_dirs: tuple[str, ...] = option(
        (),
        "--media-dir",
        "folder /model PATH and /feedback/image PATH may read from; repeat for more "
        "(default: the folders of the --model files)",
        lambda v: tuple(v or ()),
        action="append",
        metavar="DIR",
    )


@dataclass(frozen=True, slots=True)
class HttpOptions:
    host: str = option(
        "127.0.0.1",
        "--http-host",
        "viewer page and WebRTC (beyond loopback a token is required)",
    )
    port: int | None = option(
        8080,
        "--http-port",
        "HTTP port (0: any free port, -1: no HTTP)",
        lambda v: None if v is not None and v < 0 else v,
        type=int,
    )
    token: str | None = option(
        None,
        "--token",
        "token for /offer and controls (default: generated and printed when --http-host is "
        "not loopback)",
    )
    oscquery_port: int | None = option(
        None,
        "--oscquery-port",
        "OSCQuery namespace and WebSocket on this HTTP port (0: any free port; default: off)",
        type=int,
    )


@dataclass(frozen=True, slots=True)
class OutputOptions:
    shm: str | None = option(
        "oscserver", "--shm", "shared-memory name ('' to turn off)", lambda v: v or None
    )
    ndi: str | None = option(
        None,
        "--ndi",
        "also send frames as an NDI source (needs pip install 'oscserver[ndi]')",
        metavar="NAME",
    )
    webrtc_codec: str = option(
        DEFAULT_CODEC, "--webrtc-codec", "video codec for browsers", choices=tuple(CODECS)
    )
    webrtc_bitrate: int = option(
        DEFAULT_BITRATE,
        "--webrtc-bitrate",
        "video bitrate to start at, bits/s (the browser may lower it)",
        type=int,
    )


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
