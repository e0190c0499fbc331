"""Settings of the OSC port of ``oscserver serve``."""

from __future__ import annotations

from dataclasses import dataclass

from oscserver.core.options import option
from oscserver.osc.front_door import DEFAULT_RATE


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
