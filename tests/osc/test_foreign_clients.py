"""A real server played by OSC clients nobody here wrote: liblo's ``oscsend`` (and liblo itself
for blobs), osc.js from npm (messages, a bundle 500 ms ahead, a reply, a WebSocket LISTEN) and
Pure Data's ``[oscformat]``. What each sends is applied or refused for the right reason, and
nothing they send shifts, pads or invents a value."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time

import pytest

from oscserver.server import Server
from tests.support import REPO, serve_config
from tests.support.liblo import LIBLO, liblo_message
from tests.support.platforms import linux_only

OSCSEND = shutil.which("oscsend")
NODE = shutil.which("node")
PD = shutil.which("pd") or shutil.which("puredata")
NODE_DIR = REPO / "tests" / "node"
NODE_READY = NODE is not None and (NODE_DIR / "node_modules" / "osc").is_dir()


async def _server(**kw) -> Server:
    server = await Server.start(serve_config(**kw))
    return server


async def _counted(server: Server, total: int, timeout: float = 10.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        counts = server.counters.as_dict()
        if counts["accepted"] + counts["rejected"] >= total:
            return counts
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {server.counters.as_dict()} of {total} messages counted")


def _target(server: Server, name: str):
    return server.stages.current.controls.current(name)[1]


@pytest.mark.skipif(OSCSEND is None, reason="liblo-tools is not installed (oscsend)")
def test_oscsend_every_type():
    sends = [
        ("/truncation", "f", "0.9", "accepted"),
        ("/truncation", "d", "0.8", "accepted"),  # a double is a number too
        ("/noise/seed", "i", "42", "accepted"),
        ("/noise/seed", "h", "43", "accepted"),
        ("/class/set", "if", "207 1.0", "accepted"),
        ("/class/21?", "f", "0.5", "accepted"),  # a pattern: classes 210..219
        ("/model", "S", "default", "accepted"),  # Max and Pd symbols name things too
        ("/truncation", "s", "loud", "wrong_type"),
        ("/truncation", "c", "x", "wrong_type"),
        ("/truncation", "m", "90af0102", "wrong_type"),
        ("/truncation", "T", "", "wrong_type"),
        ("/truncation", "F", "", "wrong_type"),
        ("/truncation", "N", "", "wrong_type"),
        ("/truncation", "I", "", "wrong_type"),
        ("/class/set", "icf", "5 x 0.4", "wrong_count"),  # the char no longer shifts the float
        ("/class/set", "ic", "5 x", "wrong_type"),
        ("/class/set", "iSf", "207 x 0.3", "wrong_count"),
    ]

    async def main():
        server = await _server()
        try:
            for address, types, values, _ in sends:
                command = [OSCSEND, "127.0.0.1", str(server.osc_port), address, types]
                command += values.split()
                await asyncio.to_thread(subprocess.run, command, check=True, timeout=10)
            counts = await _counted(server, len(sends))
            expected: dict[str, int] = {}
            for *_, outcome in sends:
                expected[outcome] = expected.get(outcome, 0) + 1
            assert counts["accepted"] == expected.pop("accepted")
            assert {k: v for k, v in counts["rejected_by_reason"].items() if v} == expected
            assert _target(server, "truncation")[0] == pytest.approx(0.8)
            klass = _target(server, "class")
            assert klass[207] == 1.0 and klass[5] == 0.0 and list(klass[210:220]) == [0.5] * 10
            assert server.stages.current.controls.seed("noise") == 43
        finally:
            await server.stop()

    asyncio.run(main())


@pytest.mark.skipif(LIBLO is None, reason="liblo is not installed (apt-get install liblo-tools)")
@linux_only("liblo loaded through ctypes by its .so name")
def test_liblo_blobs_are_refused_as_numbers_and_echoed_by_ping():
    async def main():
        server = await _server()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.bind(("127.0.0.1", 0))
                sock.settimeout(3)
                target = ("127.0.0.1", server.osc_port)
                sock.sendto(liblo_message("/truncation", [("b", b"\x01\x02\x03")]), target)
                sock.sendto(liblo_message("/ping", [("b", b"blob!"), ("i", 3)]), target)
                reply = await asyncio.to_thread(sock.recv, 1024)
            assert reply == liblo_message("/pong", [("b", b"blob!"), ("i", 3)])
            counts = await _counted(server, 2)
            assert counts["accepted"] == 1 and counts["rejected_by_reason"]["wrong_type"] == 1
        finally:
            await server.stop()

    asyncio.run(main())


def _node(*args: str, timeout: float = 20.0) -> list[dict]:
    done = subprocess.run(
        [NODE, str(NODE_DIR / "osc_client.js"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(not NODE_READY, reason="node and tests/node (npm ci) are needed for osc.js")
def test_osc_js_messages_reply_and_a_bundle_500_ms_ahead():
    async def main():
        server = await _server()
        try:
            packets = [
                {"address": "/truncation", "args": [{"type": "f", "value": 0.3}]},
                {
                    "address": "/class/set",
                    "args": [{"type": "i", "value": 207}, {"type": "f", "value": 1.0}],
                },
                {
                    "address": "/truncation",
                    "args": [{"type": "r", "value": {"r": 1, "g": 2, "b": 3, "a": 4}}],
                },
                {"address": "/ping", "args": [{"type": "s", "value": "hello"}]},
            ]
            replies = await asyncio.to_thread(
                _node, "udp", str(server.osc_port), json.dumps(packets), "300"
            )
            assert replies == [{"address": "/pong", "args": [{"type": "s", "value": "hello"}]}]
            counts = await _counted(server, 4)
            assert counts["accepted"] == 3 and counts["rejected_by_reason"]["wrong_type"] == 1
            assert _target(server, "truncation")[0] == pytest.approx(0.3)
            assert _target(server, "class")[207] == 1.0

            # A bundle 500 ms ahead: its change lands on the frame nearest its time tag.
            bundle = {
                "timeTag": {"fromNow": 0.5},
                "packets": [{"address": "/truncation", "args": [{"type": "f", "value": 0.7}]}],
            }
            sent = time.time()
            node = asyncio.create_task(
                asyncio.to_thread(_node, "udp", str(server.osc_port), json.dumps([bundle]), "50")
            )
            changed = None
            while time.time() - sent < 5:
                if _target(server, "truncation")[0] == pytest.approx(0.7):
                    changed = time.time()
                    break
                await asyncio.sleep(0.002)
            await node
            assert changed is not None
            # The tag was taken in node a little after `sent`; never applied early, and late
            # by no more than a frame plus the time node took to start.
            assert changed - sent >= 0.5 - 1 / 30
            assert changed - sent < 0.5 + 1.0
            assert server.counters.as_dict()["rejected_by_reason"]["too_far_ahead"] == 0
        finally:
            await server.stop()

    asyncio.run(main())


@pytest.mark.skipif(not NODE_READY, reason="node and tests/node (npm ci) are needed for osc.js")
def test_osc_js_websocket_listens_to_a_value():
    async def main():
        server = await _server(oscquery_port=0)
        try:
            url = f"ws://127.0.0.1:{server.oscquery.port}/"
            listening = asyncio.create_task(asyncio.to_thread(_node, "ws", url, "/truncation", "2"))
            for _ in range(200):
                if server.status()["oscquery_listeners"]:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            server.router.handle_message("/truncation", [0.65])
            lines = await listening
            messages = [line for line in lines if "address" in line]
            assert messages[0] == {"address": "/truncation", "args": [{"type": "f", "value": 0.5}]}
            assert messages[1]["args"][0]["value"] == pytest.approx(0.65)
        finally:
            await server.stop()

    asyncio.run(main())


PD_PATCH = """#N canvas 0 0 600 400 12;
#X obj 10 10 loadbang;
#X obj 10 40 t b b;
#X msg 100 70 connect 127.0.0.1 {port};
#X obj 10 100 del 300;
#X obj 100 300 netsend -u -b;
#X obj 10 130 t b b b b b;
#X msg 10 170 207 0.75;
#X obj 10 200 oscformat -f if class set;
#X msg 200 170 0.25;
#X obj 200 200 oscformat truncation;
#X msg 330 170 42;
#X obj 330 200 oscformat -f i noise seed;
#X msg 430 170 symbol default;
#X obj 430 200 oscformat model;
#X msg 10 240 3 1 2 3;
#X obj 10 270 oscformat -f b truncation;
#X obj 300 250 list prepend send;
#X obj 300 275 list trim;
#X connect 0 0 1 0;
#X connect 1 0 3 0;
#X connect 1 1 2 0;
#X connect 2 0 4 0;
#X connect 3 0 5 0;
#X connect 5 0 6 0;
#X connect 5 1 8 0;
#X connect 5 2 10 0;
#X connect 5 3 12 0;
#X connect 5 4 14 0;
#X connect 6 0 7 0;
#X connect 8 0 9 0;
#X connect 10 0 11 0;
#X connect 12 0 13 0;
#X connect 14 0 15 0;
#X connect 7 0 16 0;
#X connect 9 0 16 0;
#X connect 11 0 16 0;
#X connect 13 0 16 0;
#X connect 15 0 16 0;
#X connect 16 0 17 0;
#X connect 17 0 4 0;
"""


@pytest.mark.skipif(PD is None, reason="Pure Data is not installed (apt-get install puredata-core)")
def test_pure_data_oscformat_types(tmp_path):
    async def main():
        server = await _server()
        patch = tmp_path / "send.pd"
        patch.write_text(PD_PATCH.format(port=server.osc_port))
        pd = subprocess.Popen(
            [PD, "-nogui", "-nosound", "-nomidi", "-stderr", "-open", str(patch)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            counts = await _counted(server, 5, timeout=20)
            assert counts["accepted"] == 4, counts
            assert counts["rejected_by_reason"]["wrong_type"] == 1  # the blob
            assert _target(server, "class")[207] == pytest.approx(0.75)
            assert _target(server, "truncation")[0] == pytest.approx(0.25)
            assert server.stages.current.controls.seed("noise") == 42
        finally:
            pd.kill()
            pd.wait()
            await server.stop()

    asyncio.run(main())
