"""Settings of the HTTP side of ``oscserver serve``: the viewer page, WebRTC offers, OSCQuery."""

from __future__ import annotations

from dataclasses import dataclass

from oscserver.core.options import option


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
