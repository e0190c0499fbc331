"""OSCQuery over real HTTP for a real in-process server: namespace, attributes, HOST_INFO, and
every advertised method accepting a message built from its TYPE and RANGE over real UDP."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from oscserver.oscquery import OscQueryServer
from oscserver.server import ServeConfig, Server
from tests.conftest import OscSender, free_udp_port


def _config(model: str, **kw) -> ServeConfig:
    return ServeConfig(
        model=model,
        osc_port=free_udp_port(),
        shm=None,
        http_port=None,
        fps=30.0,
        status_interval=0,
        threads=1,
        **kw,
    )


async def _wait_for(predicate, timeout: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return False


def _methods(node: dict, out: list[dict] | None = None) -> list[dict]:
    """Every node with a TYPE (an OSC method), depth first."""
    out = [] if out is None else out
    if "TYPE" in node:
        out.append(node)
    for child in node.get("CONTENTS", {}).values():
        _methods(child, out)
    return out


def _arguments(node: dict) -> list[int | float]:
    """One message's arguments: the middle of each argument's RANGE, typed as TYPE says."""
    args: list[int | float] = []
    for tag, bounds in zip(node["TYPE"], node["RANGE"], strict=True):
        middle = (bounds["MIN"] + bounds["MAX"]) / 2
        args.append(int(middle) if tag == "i" else float(middle))
    return args


async def _serve(model: str):
    server = Server(_config(model))
    await server.start()
    query = OscQueryServer(server, "127.0.0.1", 0)
    await query.start()
    return server, query


def test_namespace_attributes_and_host_info():
    async def main():
        server, query = await _serve("default")
        base = f"http://127.0.0.1:{query.port}"
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/") as response:
                    assert response.status == 200
                    root = await response.json()
                assert root["FULL_PATH"] == "/"
                assert {"class", "noise", "truncation", "smooth", "spring"} <= set(root["CONTENTS"])
                klass = root["CONTENTS"]["class"]
                assert klass["TYPE"] == "f" * 1000 and len(klass["RANGE"]) == 1000
                assert klass["RANGE"][0] == {"MIN": 0.0, "MAX": 1.0}
                assert klass["ACCESS"] == 3 and len(klass["VALUE"]) == 1000
                assert klass["CONTENTS"]["set"]["TYPE"] == "if"
                seed = root["CONTENTS"]["noise"]["CONTENTS"]["seed"]
                assert seed["TYPE"] == "i" and seed["ACCESS"] == 2 and "VALUE" not in seed
                assert root["CONTENTS"]["spring"]["TYPE"] == "ff"

                async with http.get(f"{base}/truncation?VALUE") as response:
                    assert await response.json() == {"VALUE": [pytest.approx(0.5)]}
                async with http.get(f"{base}/?HOST_INFO") as response:
                    info = await response.json()
                assert info["OSC_PORT"] == server.osc_port and info["OSC_TRANSPORT"] == "UDP"
                assert info["OSC_IP"] == "127.0.0.1" and info["EXTENSIONS"]["VALUE"] is True
                async with http.get(f"{base}/noise/seed?VALUE") as response:
                    assert response.status == 204
                async with http.get(f"{base}/truncation?BOGUS") as response:
                    assert response.status == 400
                async with http.get(f"{base}/nope") as response:
                    assert response.status == 404
                async with http.get(f"{base}/class/1000") as response:
                    assert response.status == 404

                with OscSender(server.osc_port) as osc:
                    osc.send("/truncation", 0.8)
                    osc.send("/class/207", 0.25)
                assert await _wait_for(lambda: server.counters.as_dict()["accepted"] == 2)
                async with http.get(f"{base}/truncation?VALUE") as response:
                    assert (await response.json())["VALUE"] == [pytest.approx(0.8)]
                async with http.get(f"{base}/class/207") as response:
                    element = await response.json()
                assert element["TYPE"] == "f" and element["VALUE"] == [pytest.approx(0.25)]
        finally:
            await query.stop()
            await server.stop()

    asyncio.run(main())


def test_every_advertised_method_accepts_its_type_and_range(tiny_generator):
    async def main():
        server, query = await _serve(str(tiny_generator))
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{query.port}/") as response,
            ):
                root = await response.json()
            # The namespace follows the loaded generator: the tiny one has 8 classes, 4 noise.
            assert root["CONTENTS"]["class"]["TYPE"] == "f" * 8
            assert root["CONTENTS"]["noise"]["TYPE"] == "f" * 4
            methods = _methods(root)
            assert len(methods) >= 12
            with OscSender(server.osc_port) as osc:
                for node in methods:
                    osc.send(node["FULL_PATH"], *_arguments(node))
            counters = server.counters
            assert await _wait_for(lambda: counters.as_dict()["accepted"] == len(methods))
            assert counters.as_dict()["rejected"] == 0, counters.as_dict()
        finally:
            await query.stop()
            await server.stop()

    asyncio.run(main())


def test_port_in_use_is_a_clear_error(tiny_generator):
    async def main():
        server, query = await _serve(str(tiny_generator))
        second = OscQueryServer(server, "127.0.0.1", query.port)
        try:
            with pytest.raises(Exception, match="--oscquery-port"):
                await second.start()
        finally:
            await query.stop()
            await server.stop()

    asyncio.run(main())
