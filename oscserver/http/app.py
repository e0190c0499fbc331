"""aiohttp routes on the server's event loop.

GET  /         viewer page (static files, no build step)
POST /offer    WebRTC signalling: {"sdp", "type", "token"?} -> answer
GET  /status   provider, fps, frame times, OSC counters, latency, viewers
GET  /osc      every OSC address with its type, length, range, default and current value
GET  /classes  ImageNet class names for the viewer's class picker
"""

from __future__ import annotations

import json
import logging
import secrets
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from oscserver.data.imagenet import imagenet_classes
from oscserver.http.options import HttpOptions
from oscserver.http.runner import AppServer
from oscserver.osc.listing import address_rows
from oscserver.osc.namespace import Namespace

log = logging.getLogger("oscserver.http")

MAX_BODY_BYTES = 64 * 1024
STATIC = Path(str(resources.files("oscserver.http") / "static"))


class StatusView(Protocol):
    """The server's numbers (``status.StatusBoard``)."""

    def status(self) -> dict[str, object]: ...


class Offers(Protocol):
    """Who answers WebRTC offers (the WebRTC sink)."""

    async def connect(self, sdp: str, kind: str) -> Any: ...


STATUS_KEY = web.AppKey[StatusView]("status")
NAMESPACE_KEY = web.AppKey[Namespace]("namespace")
OFFERS_KEY = web.AppKey[Offers | None]("offers")
TOKEN_KEY = web.AppKey[str | None]("token")


def build_app(
    status: StatusView, namespace: Namespace, offers: Offers | None, token: str | None
) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATUS_KEY] = status
    app[NAMESPACE_KEY] = namespace
    app[OFFERS_KEY] = offers
    app[TOKEN_KEY] = token
    app.router.add_get("/", _index)
    app.router.add_post("/offer", _offer)
    app.router.add_get("/status", _status)
    app.router.add_get("/osc", _osc)
    app.router.add_get("/classes", _classes)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app


class HttpServer(AppServer):
    """The viewer app on ``host:port`` (port 0: any free port)."""

    def __init__(
        self,
        status: StatusView,
        namespace: Namespace,
        offers: Offers | None,
        options: HttpOptions,
        token: str | None,
    ) -> None:
        assert options.port is not None, "HTTP is off (--http-port -1)"
        app = build_app(status, namespace, offers, token)
        super().__init__(app, options.host, options.port, "HTTP", "--http-port")


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def _offer(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, 'the body must be JSON: {"sdp": ..., "type": "offer"}')
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    token = request.app[TOKEN_KEY]
    if token is not None and not secrets.compare_digest(str(body.get("token", "")), token):
        return _error(403, "this server needs a token: open the address it printed at start-up")
    sdp, kind = body.get("sdp"), body.get("type")
    if not isinstance(sdp, str) or kind != "offer":
        return _error(400, 'expected {"sdp": "...", "type": "offer"}')
    sink = request.app[OFFERS_KEY]
    if sink is None:
        return _error(503, "WebRTC is not running on this server")
    try:
        answer = await sink.connect(sdp, kind)
    except ConnectionRefusedError as exc:
        return _error(503, str(exc))
    except ValueError as exc:  # aiortc rejects malformed SDP with ValueError
        return _error(400, f"could not use that offer: {exc}")
    return web.json_response(answer)


async def _status(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATUS_KEY].status())


async def _osc(request: web.Request) -> web.Response:
    return web.json_response(address_rows(request.app[NAMESPACE_KEY]))


async def _classes(request: web.Request) -> web.Response:
    names = [
        {"index": c.index, "label": c.label, "names": list(c.names)} for c in imagenet_classes()
    ]
    return web.json_response(names, headers={"Cache-Control": "max-age=3600"})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
