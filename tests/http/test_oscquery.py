"""OSCQuery over real HTTP and a real WebSocket for a real in-process server.

The namespace is read by python-oscquery's client (a client nobody here wrote, strict about
node shapes); every advertised TYPE and RANGE is checked against what the server accepts over
real UDP, at both ends of each range and just beyond; LISTEN streams a value change as binary
OSC and PATH_CHANGED follows /model.
"""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonoscquery.osc_query_client import OSCQueryClient
from pythonoscquery.shared.osc_access import OSCAccess
from zeroconf import ServiceInfo

from oscserver.osc.decoder import decode
from oscserver.server import ServeConfig, Server
from tests.support import (
    OscSender,
    build_tiny_generator,
    osc_message,
    serve_config,
    wait_for,
)

ON_REQUEST = ("/class/set", "/noise/set", "/noise/seed", "/class/7", "/now/class/3", "/now/noise")
"""Nodes answered when asked but not listed (children of a node that has a value)."""


def _config(model, **kw) -> ServeConfig:
    return serve_config(model, **({"oscquery_port": 0} | kw))


def _client(port: int) -> OSCQueryClient:
    """python-oscquery's client, pointed at 127.0.0.1 by hand (no mDNS: nothing is browsed)."""
    info = ServiceInfo(
        "_oscjson._tcp.local.",
        "oscserver._oscjson._tcp.local.",
        addresses=[socket.inet_aton("127.0.0.1")],
        port=port,
    )
    return OSCQueryClient(info)


def test_python_oscquery_reads_every_node(tiny_generator):
    async def main():
        server = await Server.start(_config(str(tiny_generator)))
        try:
            client = _client(server.oscquery.port)
            root = await asyncio.to_thread(client.query_node, "/")
            listed = [node.full_path for node in root]
            for expected in ("/class", "/noise", "/truncation", "/model", "/smooth/class"):
                assert expected in listed
            assert "/now/truncation" in listed and "/get" in listed and "/subscribe" in listed
            for path in listed[1:] + list(ON_REQUEST):
                node = await asyncio.to_thread(client.query_node, path)
                assert node is not None, path
                assert node.full_path == path
            klass = await asyncio.to_thread(client.query_node, "/class")
            assert klass.access is OSCAccess.READWRITE_VALUE and len(klass.value) == 8
            now = await asyncio.to_thread(client.query_node, "/now/truncation")
            assert now.access is OSCAccess.READONLY_VALUE
            seed = await asyncio.to_thread(client.query_node, "/noise/seed")
            assert seed.value == [0]
            model = await asyncio.to_thread(client.query_node, "/model")
            assert model.value == ["tiny"]
            info = await asyncio.to_thread(client.get_host_info)
            assert info.osc_port == server.osc_port and info.osc_transport == "UDP"
            assert info.extensions["LISTEN"] is True and info.extensions["PATH_CHANGED"] is True

            with OscSender(server.osc_port) as osc:
                osc.send("/noise/seed", 42)
                osc.send("/class/7", 0.25)
            assert await wait_for(lambda: server.counters.as_dict()["accepted"] == 2)
            seed = await asyncio.to_thread(client.query_node, "/noise/seed")
            element = await asyncio.to_thread(client.query_node, "/class/7")
            assert seed.value == [42] and element.value == [pytest.approx(0.25)]
        finally:
            await server.stop()

    asyncio.run(main())


def test_answers_for_attributes_and_unknown_nodes(tiny_generator):
    async def main():
        server = await Server.start(_config(str(tiny_generator)))
        base = f"http://127.0.0.1:{server.oscquery.port}"
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/truncation?VALUE") as response:
                    assert await response.json() == {"VALUE": [pytest.approx(0.5)]}
                async with http.get(f"{base}/class/set?VALUE") as response:
                    assert response.status == 204  # a command has no value
                async with http.get(f"{base}/truncation?BOGUS") as response:
                    assert response.status == 400
                async with http.get(f"{base}/nope") as response:
                    assert response.status == 404
                async with http.get(f"{base}/class/8") as response:
                    assert response.status == 404  # past the end of 8 classes
                async with http.get(f"{base}/") as response:
                    root = await response.json()
            # No node both holds a value and lists children.
            stack = [root]
            while stack:
                node = stack.pop()
                assert not ("VALUE" in node and node.get("CONTENTS")), node["FULL_PATH"]
                stack.extend(node.get("CONTENTS", {}).values())
            assert root["CONTENTS"]["class"]["DESCRIPTION"].count("/class/set")
        finally:
            await server.stop()

    asyncio.run(main())


def _every_typed_node(root: dict, extra: list[dict]) -> list[dict]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node.get("TYPE"):
            found.append(node)
        stack.extend(node.get("CONTENTS", {}).values())
    return found + extra


STRINGS = {
    "/get": "/truncation",
    "/subscribe": "/truncation",
    "/model": "tiny",
    "/quantize": "bar",
    "/bank/load": "bank.npz",
}


def _message_at(node: dict, where: str) -> list[object]:
    """Arguments at the low end, the high end or the middle of each advertised RANGE."""
    args: list[object] = []
    for tag, bounds in zip(node["TYPE"], node["RANGE"], strict=True):
        if tag == "s":
            choices = (bounds or {}).get("VALS")
            args.append(choices[0] if choices else STRINGS[node["FULL_PATH"]])
            continue
        low, high = bounds["MIN"], bounds["MAX"]
        value = {"low": low, "high": high, "middle": (low + high) / 2}[where]
        args.append(int(value) if tag == "i" else float(value))
    return args


def test_every_advertised_type_and_range_is_exactly_what_is_accepted(tiny_generator, tmp_path):
    from tests.support.banks import make_bank

    media = tmp_path / "media"
    media.mkdir()
    make_bank(media / "bank.npz", count=3)

    async def main():
        server = await Server.start(_config(str(tiny_generator), media_dir=[str(media)]))
        base = f"http://127.0.0.1:{server.oscquery.port}"
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/") as response:
                    root = await response.json()
                extra = []
                for path in ON_REQUEST:
                    async with http.get(f"{base}{path}") as response:
                        extra.append(await response.json())
            nodes = [n for n in _every_typed_node(root, extra) if n["ACCESS"] != 1]
            assert len(nodes) >= 18
            expected = 0
            with OscSender(server.osc_port) as osc:
                for node in nodes:
                    for where in ("low", "high", "middle"):
                        osc.send(node["FULL_PATH"], *_message_at(node, where))
                        expected += 1
            counters = server.counters
            assert await wait_for(lambda: counters.as_dict()["accepted"] == expected)
            assert await wait_for(lambda: server.banks.current is not None)  # loaded, not refused
            assert counters.as_dict()["rejected"] == 0, counters.as_dict()

            # Just beyond each numeric end: refused as out of range, nothing else.
            beyond = 0
            with OscSender(server.osc_port) as osc:
                for node in nodes:
                    for i, (tag, bounds) in enumerate(
                        zip(node["TYPE"], node["RANGE"], strict=True)
                    ):
                        if tag == "s" or bounds is None:
                            continue
                        low, high = bounds["MIN"], bounds["MAX"]
                        step = max(0.01, abs(high) * 1e-4)  # beyond float32's rounding
                        for outside in (low - step, high + step):
                            args = _message_at(node, "middle")
                            args[i] = (
                                int(
                                    np.floor(outside)
                                    if outside < bounds["MIN"]
                                    else np.ceil(outside)
                                )
                                if tag == "i"
                                else float(outside)
                            )
                            osc.send(node["FULL_PATH"], *args)
                            beyond += 1
            assert await wait_for(lambda: counters.as_dict()["rejected"] == beyond)
            by_reason = counters.as_dict()["rejected_by_reason"]
            assert by_reason["out_of_range"] + by_reason["bad_index"] == beyond, by_reason
        finally:
            await server.stop()

    asyncio.run(main())


def test_websocket_listen_streams_changes_and_path_changed(tmp_path):
    first = build_tiny_generator(tmp_path / "a.onnx")
    second = build_tiny_generator(tmp_path / "b.onnx", classes=6)

    async def main():
        server = await Server.start(_config([str(first), str(second)]))
        url = f"http://127.0.0.1:{server.oscquery.port}/"
        try:
            async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
                await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": "/truncation"}))
                await ws.send_str(json.dumps({"COMMAND": "LISTEN", "DATA": "/now/truncation"}))
                await asyncio.sleep(0.1)
                with OscSender(server.osc_port) as osc:
                    osc.send("/smooth/truncation", 0.3)
                    osc.send("/truncation", 0.9)
                targets, moving = [], []
                while (
                    targets[-1:] != [pytest.approx(0.9)] or sum(0.5 < m < 0.9 for m in moving) < 3
                ):
                    message = await asyncio.wait_for(ws.receive(), 5.0)
                    assert message.type == aiohttp.WSMsgType.BINARY
                    received = OscMessage(message.data)  # python-osc reads what we stream
                    store = targets if received.address == "/truncation" else moving
                    store.append(received.params[0])
                assert targets[0] == pytest.approx(0.5)  # LISTEN starts with the value now
                assert moving == sorted(moving)  # on its way, frame by frame, never back

                # OSC sent over the WebSocket is played like UDP, and answered on it.
                await ws.send_bytes(osc_message("/ping", 7))
                while True:
                    message = await asyncio.wait_for(ws.receive(), 5.0)
                    got = decode(message.data).messages[0]
                    if got.address == "/pong":
                        assert got.args == (7,)
                        break

                await ws.send_str(json.dumps({"COMMAND": "IGNORE", "DATA": "/now/truncation"}))
                with OscSender(server.osc_port) as osc:
                    osc.send("/model", "tiny-2")
                while True:
                    message = await asyncio.wait_for(ws.receive(), 5.0)
                    if message.type == aiohttp.WSMsgType.TEXT:
                        assert json.loads(message.data) == {"COMMAND": "PATH_CHANGED", "DATA": "/"}
                        break
                assert server.status()["oscquery_listeners"] == 1
            assert await wait_for(lambda: server.status()["oscquery_listeners"] == 0)
            assert len(server.subscriptions) == 0
        finally:
            await server.stop()

    asyncio.run(main())


def test_port_in_use_is_a_clear_error(tiny_generator):
    async def main():
        server = await Server.start(_config(str(tiny_generator)))
        try:
            assert server.oscquery is not None
            second = _config(str(tiny_generator), oscquery_port=server.oscquery.port)
            with pytest.raises(Exception, match="--oscquery-port"):
                await Server.start(second)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as osc:
                osc.bind(("127.0.0.1", second.osc.port))  # what it had started is closed again
        finally:
            await server.stop()

    asyncio.run(main())
