"""OSCQuery: the OSC address space as JSON over HTTP, for tools that discover controls.

OSCQuery (github.com/Vidvox/OSCQueryProposal) lets Chataigne, ossia score, Vezér and similar
tools list a server's OSC methods with their types, ranges and current values. The namespace
is built from :meth:`Server.describe_addresses` on every request, so it always matches the
loaded generator.

It is served on a port of its own (``OscQueryServer``), because OSCQuery clients ask for the
namespace with a plain ``GET /`` and the main HTTP port's ``/`` is the viewer page.

    GET /                 the whole namespace (root node with CONTENTS)
    GET /truncation       one node
    GET /truncation?VALUE one attribute: {"VALUE": [0.5]}
    GET /?HOST_INFO       NAME, OSC_IP, OSC_PORT, OSC_TRANSPORT, EXTENSIONS

Vector elements (``/class/207``) answer when asked but are not listed in CONTENTS: 1000 class
nodes would swamp every client's parameter list. Answers: 404 for an unknown node, 400 for an
unknown attribute, 204 for an attribute the node does not have (VALUE of a write-only node).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from oscserver.http.runner import AppServer
from oscserver.osc.address_space import MAX_DAMPING, MAX_SEED, MAX_SMOOTH_SECONDS, MAX_STIFFNESS

if TYPE_CHECKING:
    from oscserver.server import Server

log = logging.getLogger("oscserver.oscquery")

READ_WRITE = 3
WRITE_ONLY = 2
NO_VALUE = 0

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
    "LISTEN": False,
    "PATH_CHANGED": False,
    "PATH_RENAMED": False,
    "PATH_ADDED": False,
    "PATH_REMOVED": False,
    "HTML": False,
}
"""What this server implements (HOST_INFO). No WebSocket: values are read by polling."""

_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}

Node = dict[str, Any]


def build_namespace(rows: list[dict[str, object]]) -> Node:
    """The root node (``FULL_PATH`` "/") for the rows of ``Server.describe_addresses()``."""
    root: Node = {"FULL_PATH": "/", "ACCESS": NO_VALUE, "DESCRIPTION": "oscserver", "CONTENTS": {}}
    for row in rows:
        address = str(row["address"])
        if "<" in address:  # a pattern such as /class/<i>: answered on request, not listed
            continue
        node = _container(root, address)
        node.update(method_attributes(row))
    return root


def method_attributes(row: dict[str, object]) -> Node:
    """TYPE, RANGE, ACCESS, VALUE and DESCRIPTION of one address row."""
    address = str(row["address"])
    types, ranges = _types_and_ranges(address, row)
    attributes: Node = {
        "TYPE": types,
        "RANGE": [{"MIN": low, "MAX": high} for low, high in ranges],
        "DESCRIPTION": _description(row),
    }
    target = row.get("target")
    if target is not None and address == f"/{row.get('control')}":
        attributes["ACCESS"] = READ_WRITE
        attributes["VALUE"] = target if isinstance(target, list) else [target]
    else:
        attributes["ACCESS"] = WRITE_ONLY
    return attributes


def element_node(rows: list[dict[str, object]], address: str) -> Node | None:
    """The node for one vector element such as ``/class/207``, or None if there is none."""
    prefix, _, tail = address.rpartition("/")
    if not tail.isdigit():
        return None
    for row in rows:
        if row["address"] != prefix or not isinstance(row.get("target"), list):
            continue
        target: list[float] = row["target"]  # type: ignore[assignment]
        index = int(tail)
        if index >= len(target):
            return None
        low, high = row["range"]  # type: ignore[misc]
        return {
            "FULL_PATH": address,
            "TYPE": "f",
            "RANGE": [{"MIN": low, "MAX": high}],
            "ACCESS": READ_WRITE,
            "VALUE": [target[index]],
            "DESCRIPTION": f"element {index} of {prefix}",
        }
    return None


def find_node(root: Node, address: str) -> Node | None:
    """The node at ``address`` in the namespace ``root``, or None."""
    node = root
    for part in _parts(address):
        contents = node.get("CONTENTS")
        if not isinstance(contents, dict) or part not in contents:
            return None
        node = contents[part]
    return node


def host_info(server: Server) -> Node:
    """The ``?HOST_INFO`` answer: who we are and where OSC goes."""
    spec = server.runtime.spec if server.runtime is not None else None
    info: Node = {
        "NAME": f"oscserver ({spec.name})" if spec is not None else "oscserver",
        "OSC_PORT": server.osc_port,
        "OSC_TRANSPORT": "UDP",
        "EXTENSIONS": dict(EXTENSIONS),
    }
    if server.config.osc_host not in _WILDCARD_HOSTS:
        info["OSC_IP"] = server.config.osc_host
    return info


def answer(server: Server, path: str, query: str) -> tuple[int, Node | None]:
    """HTTP status and JSON body for ``GET path?query`` (the body is None for 204)."""
    attribute = query.split("&", 1)[0].split("=", 1)[0] if query else ""
    if attribute == "HOST_INFO":
        return 200, host_info(server)
    if attribute and attribute not in ATTRIBUTES:
        return 400, {"error": f"unknown OSCQuery attribute {attribute!r}"}
    rows = server.describe_addresses()
    address = "/" + "/".join(_parts(path))
    node = find_node(build_namespace(rows), address) or element_node(rows, address)
    if node is None:
        return 404, {"error": f"no OSC node at {address!r}; GET / lists them all"}
    if not attribute:
        return 200, node
    if attribute not in node:
        return 204, None
    return 200, {attribute: node[attribute]}


async def handle(request: web.Request) -> web.StreamResponse:
    """aiohttp handler for every ``GET`` on the OSCQuery port."""
    server: Server = request.app[OSCQUERY_SERVER_KEY]  # type: ignore[assignment]
    status, body = answer(server, request.path, request.query_string)
    if body is None:
        return web.Response(status=status)
    return web.json_response(body, status=status)


OSCQUERY_SERVER_KEY = web.AppKey("oscquery_server", object)


def build_oscquery_app(server: Server) -> web.Application:
    """An app that answers OSCQuery for ``server`` on every path."""
    app = web.Application()
    app[OSCQUERY_SERVER_KEY] = server
    app.router.add_get("/{path:.*}", handle)
    return app


class OscQueryServer(AppServer):
    """Serves OSCQuery for ``server`` on ``host:port`` (port 0: any free port) until ``stop``."""

    def __init__(self, server: Server, host: str, port: int) -> None:
        super().__init__(build_oscquery_app(server), host, port, "OSCQuery", "--oscquery-port")

    async def start(self) -> None:
        await super().start()
        log.info("OSCQuery on http://%s:%d/", self.host, self.port)


# -- helpers ----------------------------------------------------------------------------------


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
            contents[part] = {"FULL_PATH": path, "ACCESS": NO_VALUE}
        node = contents[part]
    return node


def _types_and_ranges(
    address: str, row: dict[str, object]
) -> tuple[str, list[tuple[float | None, float | None]]]:
    """The OSC type tags and one (min, max) per argument, from the row and the address kind."""
    types = str(row["types"])
    value_range = row.get("range")
    low, high = value_range if isinstance(value_range, list) else (None, None)
    length = int(row.get("length", 1))  # type: ignore[call-overload]
    if types.startswith("f*"):
        count = int(types[2:])
        return "f" * count, [(low, high)] * count
    if types == "if...":  # sparse update: one pair described, more may follow
        return "if", [(0, length - 1), (low, high)]
    if address.endswith("/seed"):
        return "i", [(0, MAX_SEED)]
    if address == "/smooth" or address.startswith("/smooth/"):
        return "f", [(0.0, MAX_SMOOTH_SECONDS)]
    if address == "/spring" or address.startswith("/spring/"):
        return "ff", [(0.0, MAX_STIFFNESS), (0.0, MAX_DAMPING)]
    return types, [(low, high)] * len(types)


def _description(row: dict[str, object]) -> str:
    text = str(row.get("description", ""))
    if str(row["address"]).endswith("/set"):
        text += "; send more index value pairs in one message to set several at once"
    motion = row.get("motion")
    if isinstance(motion, dict):
        settings = ", ".join(f"{k} {v:g}" for k, v in motion.items() if k != "mode")
        text += f" (now {motion.get('mode')}{': ' + settings if settings else ''})"
    return text
