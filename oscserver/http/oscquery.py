"""OSCQuery: the OSC address space as JSON over HTTP, and values streamed over a WebSocket.

OSCQuery (github.com/Vidvox/OSCQueryProposal) lets Chataigne, ossia score, Vezér,
python-oscquery and similar tools list a server's OSC methods with their types, ranges and
current values. Every node is built from the same typed address descriptions the validators
check (``osc/describe.py``), on every request, so it always matches the loaded generator.

It has a port of its own (``OscQueryServer``), because OSCQuery clients ask for the namespace
with a plain ``GET /`` and the main HTTP port's ``/`` is the viewer page.

    GET /                 the whole namespace (root node with CONTENTS)
    GET /truncation       one node;  GET /truncation?VALUE  one attribute
    GET /?HOST_INFO       NAME, OSC_IP, OSC_PORT, OSC_TRANSPORT, EXTENSIONS
    WebSocket on /        {"COMMAND": "LISTEN"|"IGNORE", "DATA": "/truncation"}; changed values
                          come back as binary OSC; {"COMMAND": "PATH_CHANGED", "DATA": "/"} when
                          /model swaps the generator; binary OSC sent in is played like UDP.

Shape: no node both holds a VALUE and lists CONTENTS (several clients, python-oscquery among
them, read such a node as an error), so the commands under a vector (``/class/set``,
``/noise/seed``) and its elements (``/class/207``) answer when asked but are not listed under
it; the vector's DESCRIPTION names them. Commands without a value of their own (``/class/set``,
``/smooth``, ``/ping``) are ``ACCESS`` 0 with a ``TYPE``. Answers: 404 for an unknown node, 400
for an unknown attribute, 204 for an attribute the node does not have.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from oscserver.control.controls import ControlView
from oscserver.control.senders import Inbox, Sender
from oscserver.core.stats import RateLimitedLog
from oscserver.http.options import HttpOptions
from oscserver.http.runner import AppServer
from oscserver.http.websocket import WebSocketPeer
from oscserver.osc.describe import Address, Arg
from oscserver.osc.front_door import FrontDoor
from oscserver.osc.namespace import Namespace
from oscserver.osc.subscriptions import Subscriptions

log = logging.getLogger("oscserver.http.oscquery")

ATTRIBUTES = frozenset(
    {
        "FULL_PATH",
        "CONTENTS",
        "TYPE",
        "VALUE",
        "RANGE",
        "ACCESS",
        "DESCRIPTION",
        "TAGS",
        "CLIPMODE",
        "UNIT",
        "CRITICAL",
        "EXTENDED_TYPE",
        "OVERLOADS",
    }
)
"""Attribute names a client may ask for with ``?NAME``; others get 400."""

EXTENSIONS = {
    "ACCESS": True,
    "VALUE": True,
    "RANGE": True,
    "DESCRIPTION": True,
    "TAGS": False,
    "EXTENDED_TYPE": False,
    "UNIT": False,
    "CRITICAL": False,
    "CLIPMODE": False,
    "OVERLOADS": False,
    "LISTEN": True,
    "PATH_CHANGED": True,
    "PATH_RENAMED": False,
    "PATH_ADDED": False,
    "PATH_REMOVED": False,
    "HTML": False,
}
"""What this server implements (HOST_INFO)."""

MAX_WS_MESSAGE_BYTES = 65_536
_CONTAINERS = {
    "/now": "where each input is this frame, on its way to its target (read-only)",
    "/feedback": "steering a feedback generator (a next-frame predictor fed its own output)",
}
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}

Node = dict[str, Any]
HostInfo = Callable[[], Node]


def build_namespace(namespace: Namespace) -> Node:
    """The root node (``FULL_PATH`` "/") of everything listed."""
    reading = namespace.reading()
    root: Node = {"FULL_PATH": "/", "ACCESS": 0, "DESCRIPTION": "oscserver", "CONTENTS": {}}
    for address in [a for a in namespace.addresses() if a.listed]:
        node = _container(root, address.address)
        node.update(attributes(address, reading))
    _drop_contents_of_values(root)
    return root


def attributes(address: Address, reading: ControlView) -> Node:
    """FULL_PATH, TYPE, RANGE, ACCESS, VALUE and DESCRIPTION of one address."""
    node: Node = {"FULL_PATH": address.address, "ACCESS": address.access}
    if address.args:
        node["TYPE"] = address.types
        node["RANGE"] = [_range(arg) for arg in address.args]
    if address.read is not None:
        node["VALUE"] = list(address.read(reading))
    node["DESCRIPTION"] = address.description
    return node


def answer(
    namespace: Namespace, host_info: HostInfo, path: str, query: str
) -> tuple[int, Node | None]:
    """HTTP status and JSON body for ``GET path?query`` (the body is None for 204)."""
    attribute = query.split("&", 1)[0].split("=", 1)[0] if query else ""
    if attribute == "HOST_INFO":
        return 200, host_info()
    if attribute and attribute not in ATTRIBUTES:
        return 400, {"error": f"unknown OSCQuery attribute {attribute!r}"}
    address = "/" + "/".join(_parts(path))
    node = find_node(build_namespace(namespace), address)
    if node is None:
        described = namespace.describe(address)
        if described is not None:
            node = attributes(described, namespace.reading())
    if node is None:
        return 404, {"error": f"no OSC node at {address!r}; GET / lists them all"}
    if not attribute:
        return 200, node
    if attribute not in node:
        return 204, None
    return 200, {attribute: node[attribute]}


def find_node(root: Node, address: str) -> Node | None:
    """The node at ``address`` in the namespace ``root``, or None."""
    node = root
    for part in _parts(address):
        contents = node.get("CONTENTS")
        if not isinstance(contents, dict) or part not in contents:
            return None
        node = contents[part]
    return node


def host_info(name: str, osc_host: str, osc_port: int) -> Node:
    """The ``?HOST_INFO`` answer: who we are and where OSC goes. No WS_IP/WS_PORT: the
    WebSocket is on this same port, as the proposal assumes when they are absent."""
    info: Node = {
        "NAME": name,
        "OSC_PORT": osc_port,
        "OSC_TRANSPORT": "UDP",
        "EXTENSIONS": dict(EXTENSIONS),
    }
    if osc_host not in _WILDCARD_HOSTS:
        info["OSC_IP"] = osc_host
    return info


class OscQueryServer(AppServer):
    """Serves OSCQuery for ``namespace`` on ``host:port`` (port 0: any free port) until
    ``stop``.

    OSC sent over the WebSocket goes to ``inbox`` (the router); ``subscriptions`` streams values
    to WebSocket listeners; ``front_door`` decides which hosts may play OSC over the WebSocket
    (the same rule as for UDP)."""

    def __init__(
        self,
        namespace: Namespace,
        inbox: Inbox,
        subscriptions: Subscriptions,
        host_info: HostInfo,
        options: HttpOptions,
        front_door: FrontDoor | None = None,
    ) -> None:
        """Listens on ``options.host`` and ``options.oscquery_port``."""
        assert options.oscquery_port is not None, "OSCQuery is off"
        self._namespace = namespace
        self._inbox = inbox
        self._subscriptions = subscriptions
        self._host_info = host_info
        self._front_door = front_door or FrontDoor(None, rate=0)
        self._peers: set[WebSocketPeer] = set()
        self._log = RateLimitedLog(log)
        app = web.Application()
        app.router.add_get("/{path:.*}", self._handle)
        port = options.oscquery_port
        super().__init__(app, options.host, port, "OSCQuery", "--oscquery-port")

    async def start(self) -> None:
        await super().start()
        log.info("OSCQuery on http://%s:%d/ (WebSocket on the same port)", self.host, self.port)

    async def stop(self) -> None:
        for peer in list(self._peers):
            await peer.close()
        await super().stop()

    @property
    def listeners(self) -> int:
        return len(self._peers)

    def status(self) -> dict[str, object]:
        return {"oscquery_listeners": self.listeners}

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        status, body = answer(self._namespace, self._host_info, request.path, request.query_string)
        if body is None:
            return web.Response(status=status)
        return web.json_response(body, status=status)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_WS_MESSAGE_BYTES)
        await ws.prepare(request)
        remote = request.remote or ""
        peer = WebSocketPeer(ws, f"oscquery-ws:{remote}")
        key = ("ws", id(peer))
        self._peers.add(peer)
        sender = Sender(f"ws:{remote}", None, peer.send_reply)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._command(key, peer, message.data, remote)
                elif message.type == WSMsgType.BINARY:
                    refused = self._front_door.admit(remote)
                    if refused is not None:
                        self._inbox.reject(refused, f"OSC over WebSocket from {remote}", sender)
                    else:
                        self._inbox.handle_datagram(message.data, sender)
        finally:
            self._subscriptions.remove(key)
            self._peers.discard(peer)
            await peer.close()
        return ws

    def _command(self, key: tuple, peer: WebSocketPeer, text: str, remote: str) -> None:
        try:
            data = json.loads(text)
            command, path = data["COMMAND"], data.get("DATA")
        except (json.JSONDecodeError, KeyError, TypeError):
            self._log.warning(
                "ws", f"OSCQuery WebSocket from {remote}: not a command: {text!r:.80}"
            )
            return
        if command == "LISTEN" and isinstance(path, str):
            if self._subscriptions.extend(key, [path]) is None:
                self._subscriptions.add(key, peer, [path])
        elif command == "IGNORE" and isinstance(path, str):
            self._subscriptions.remove(key, [path])
        else:
            self._log.warning(
                "ws", f"OSCQuery WebSocket from {remote}: unknown command {command!r:.40}"
            )


# -- helpers ----------------------------------------------------------------------------------


def _range(arg: Arg) -> Node | None:
    if arg.choices is not None:
        return {"VALS": list(arg.choices)}
    if arg.low is None and arg.high is None:
        return None
    return {"MIN": arg.low, "MAX": arg.high}


def _parts(address: str) -> list[str]:
    return [part for part in address.split("/") if part]


def _container(root: Node, address: str) -> Node:
    """The node for ``address``, creating it and its parents as containers."""
    node = root
    path = ""
    for part in _parts(address):
        path += "/" + part
        contents = node.setdefault("CONTENTS", {})
        if part not in contents:
            contents[part] = {
                "FULL_PATH": path,
                "ACCESS": 0,
                "DESCRIPTION": _CONTAINERS.get(path, ""),
            }
        node = contents[part]
    return node


def _drop_contents_of_values(node: Node) -> None:
    contents = node.get("CONTENTS")
    if not contents:
        return
    if "VALUE" in node:
        del node["CONTENTS"]  # its children answer when asked
        return
    for child in contents.values():
        _drop_contents_of_values(child)
