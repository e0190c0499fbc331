"""A fuzz flood over real UDP: 12,000 datagrams covering every way OSC can be wrong (bundle
framing that lies, cut-off and unknown arguments, deep nesting, random bytes) mixed with valid
messages, bundles and empty bundles. Afterwards /status answers within 100 ms, frames still
advance at the clock's rate, a good message is applied, and the counters add up exactly."""

from __future__ import annotations

import asyncio
import math
import struct
import time
import urllib.request

import numpy as np

from oscserver.client import FrameReader
from oscserver.server import ServeConfig, Server
from tests.support import OscSender, free_udp_port, osc_message

TOTAL = 12_000
BATCH = 200
IMMEDIATELY = b"\x00\x00\x00\x00\x00\x00\x00\x01"


def _bundle(*elements: bytes) -> bytes:
    return b"#bundle\x00" + IMMEDIATELY + b"".join(struct.pack(">i", len(e)) + e for e in elements)


def _lying_bundle(rng: np.random.Generator) -> bytes:
    inner = osc_message("/truncation", 0.5)
    size = int(rng.choice([-4, -1, 0, 2, 6, len(inner) + 4, 2**31 - 1, -(2**31)]))
    return b"#bundle\x00" + IMMEDIATELY + struct.pack(">i", size) + inner


def _deep(depth: int) -> bytes:
    packet = osc_message("/truncation", 0.5)
    for _ in range(depth):
        packet = _bundle(packet)
    return packet


def _raw(address: bytes, tags: bytes, payload: bytes) -> bytes:
    def pad(raw: bytes) -> bytes:
        return raw + b"\x00" * (-len(raw) % 4)

    return pad(address + b"\x00") + pad(b"," + tags + b"\x00") + payload


def datagrams(rng: np.random.Generator):
    """(datagram, how it must be counted): "malformed", "empty", or a number of messages."""
    valid = osc_message("/truncation", 0.5)
    kinds = [
        (lambda: rng.bytes(int(rng.integers(1, 600))), "any"),
        (lambda: valid[: int(rng.integers(1, len(valid) - 1))], "malformed"),
        (lambda: _lying_bundle(rng), "malformed"),
        (lambda: _deep(int(rng.integers(9, 40))), "malformed"),
        (lambda: _raw(b"/class/set", b"icf", struct.pack(">iif", 5, 120, 0.4)), 1),  # count
        (lambda: _raw(b"/class/set", b"ic", struct.pack(">ii", 5, 120)), 1),  # a char: wrong_type
        (lambda: _raw(b"/truncation", b"r", bytes([1, 2, 3, 4])), 1),  # a colour: wrong_type
        (lambda: _raw(b"/class/set", b"ixf", struct.pack(">iif", 5, 0, 0.4)), "malformed"),
        (lambda: _raw(b"/noise/5", b"f", b""), "malformed"),
        (lambda: _raw(b"/class/set", b"if", struct.pack(">i", 3)), "malformed"),
        (lambda: valid + b"\x00\x00\x00\x01", "malformed"),
        (lambda: osc_message(f"/nothing/{int(rng.integers(0, 99))}", 1.0), 1),
        (lambda: osc_message("/class", *([0.5] * 999)), 1),
        (lambda: osc_message("/truncation", math.nan), 1),
        (lambda: osc_message("/truncation", float(rng.uniform(1.5, 1e6))), 1),
        (lambda: osc_message("/class/1000", 1.0), 1),
        (lambda: osc_message("/class/[0-2", 1.0), 1),
        (lambda: osc_message("/now/truncation", 0.5), 1),
        (lambda: _bundle(), "empty"),
        (lambda: _bundle(_bundle(), osc_message("/truncation", 7.0)), "empty+1"),
        (lambda: _bundle(*[osc_message("/class/x", 1.0)] * 3), 3),
    ]
    for i in range(TOTAL):
        make, counted = kinds[i % len(kinds)]
        yield make(), counted


def _expected(data: bytes, counted: object) -> tuple[int, int]:
    """(messages or malformed datagrams, empty bundles) the server must count for ``data``."""
    from oscserver.osc.decoder import MalformedPacket, decode

    if counted == "any":  # random bytes: whatever the strict decoder makes of them
        try:
            packet = decode(data)
        except MalformedPacket:
            return 1, 0
        return len(packet.messages), packet.empty_bundles
    if counted == "malformed":
        return 1, 0
    if counted == "empty":
        return 0, 1
    if counted == "empty+1":
        return 1, 1
    return int(counted), 0  # type: ignore[call-overload]


def _get_status(port: int) -> tuple[dict, float]:
    import json

    start = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as response:
        body = json.load(response)
    return body, time.perf_counter() - start


def test_fuzz_flood_keeps_the_server_rendering_and_every_datagram_counted(tmp_path):
    async def main():
        from tests.support import unique_name

        shm = unique_name("flood")
        config = ServeConfig.from_flat(
            osc_port=free_udp_port(),
            shm=shm,
            fps=30.0,
            status_interval=0,
            http_port=0,
            osc_rate_limit=0,  # every datagram reaches the decoder
        )
        server = await Server.start(config)
        try:
            with FrameReader(shm) as reader, OscSender(server.osc_port) as osc:
                assert await asyncio.to_thread(reader.wait, 30.0) is not None
                first_index = reader.read(only_new=False)[1]["frame"]
                began = time.monotonic()
                plan = list(datagrams(np.random.default_rng(0)))
                want_counted = want_empty = 0
                for start in range(0, TOTAL, BATCH):
                    batch = plan[start : start + BATCH]
                    for data, counted in batch:
                        counted_here, empty_here = _expected(data, counted)
                        want_counted += counted_here
                        want_empty += empty_here
                    await asyncio.to_thread(lambda b=batch: [osc.send_raw(d) for d, _ in b])
                    for _ in range(1000):
                        counts = server.counters.as_dict()
                        if counts["accepted"] + counts["rejected"] >= want_counted:
                            break
                        await asyncio.sleep(0.005)
                    else:
                        raise AssertionError(f"only {counts} of {want_counted} counted")
                elapsed = time.monotonic() - began

                status, took = await asyncio.to_thread(_get_status, server.http.port)
                assert took < 0.1, f"/status took {took * 1000:.0f} ms after the flood"
                osc_counts = status["osc"]
                assert osc_counts["accepted"] + osc_counts["rejected"] == want_counted
                assert osc_counts["empty_bundles"] == want_empty
                by_reason = osc_counts["rejected_by_reason"]
                assert sum(by_reason.values()) == osc_counts["rejected"]
                assert by_reason["malformed"] == sum(osc_counts["malformed_by_kind"].values())
                for kind in (
                    "bad_element_size",
                    "too_deep",
                    "truncated_argument",
                    "unknown_type_tag",
                    "trailing_bytes",
                    "not_aligned",
                ):
                    assert osc_counts["malformed_by_kind"].get(kind, 0) > 0, kind
                for reason in (
                    "unknown_address",
                    "wrong_count",
                    "wrong_type",
                    "not_finite",
                    "out_of_range",
                    "bad_index",
                    "read_only",
                ):
                    assert by_reason[reason] > 0, reason
                assert osc_counts["accepted"] == 0

                # Still rendering at the clock's rate, through the flood and after it.
                await asyncio.sleep(0.3)
                last_index = reader.read(only_new=False)[1]["frame"]
                assert last_index - first_index >= 0.8 * 30.0 * elapsed
                assert server.frame_clock.running and server.frame_clock.stats.errors == 0

                # And a good message still lands.
                osc.send("/truncation", 0.9)
                for _ in range(300):
                    got = reader.read()
                    if got is not None and got[1]["osc_seq"] == 1:
                        break
                    await asyncio.sleep(0.01)
                else:
                    raise AssertionError("a valid message after the flood was not applied")
                assert server.counters.as_dict()["accepted"] == 1
        finally:
            await server.stop()

    asyncio.run(main())
