"""10,000 malformed or random datagrams over real UDP: the server keeps rendering, and its
rejection counters add up to what was sent."""

from __future__ import annotations

import asyncio
import math
import time

import numpy as np

from oscserver.client import FrameReader
from oscserver.server import ServeConfig, Server
from tests.conftest import OscSender, free_udp_port, osc_message, unique_name

TOTAL = 10_000
BATCH = 100


def bad_datagrams(rng: np.random.Generator):
    """Every kind of wrong a network or a confused patch can produce, one message each."""
    valid = osc_message("/truncation", 0.5)
    kinds = [
        lambda: rng.bytes(int(rng.integers(1, 600))),
        lambda: valid[: int(rng.integers(1, len(valid) - 1))],
        lambda: osc_message(f"/nothing/{int(rng.integers(0, 99))}", 1.0),
        lambda: osc_message("/class", *([0.5] * 999)),
        lambda: osc_message("/truncation", "loud"),
        lambda: osc_message("/truncation", math.nan),
        lambda: osc_message("/truncation", float(rng.uniform(1.5, 1e6))),
        lambda: osc_message("/class/1000", 1.0),
        lambda: osc_message("/class/set", 3.5, 1.0),
        lambda: b"/truncation\x00,f\x00\x00" + rng.bytes(int(rng.integers(0, 3))),
        lambda: osc_message("/noise/seed", True),
        lambda: osc_message("/noise", *([math.inf] * 128)),
    ]
    for i in range(TOTAL):
        data = kinds[i % len(kinds)]()
        if data.startswith(b"#bundle"):
            data = b"x" + data
        yield data


def test_flood_of_bad_datagrams_keeps_server_rendering():
    async def main():
        shm = unique_name("flood")
        config = ServeConfig(
            osc_port=free_udp_port(), shm=shm, fps=30.0, status_interval=0, http_port=None
        )
        server = Server(config)
        await server.start()
        try:
            with FrameReader(shm) as reader, OscSender(server.osc_port) as osc:
                assert await asyncio.to_thread(reader.wait, 30.0) is not None
                first_index = reader.read(only_new=False)[1]["frame"]
                began = time.monotonic()
                datagrams = list(bad_datagrams(np.random.default_rng(0)))
                for start in range(0, TOTAL, BATCH):
                    batch = datagrams[start : start + BATCH]
                    await asyncio.to_thread(lambda b=batch: [osc.send_raw(d) for d in b])
                    expected = start + len(batch)
                    for _ in range(1000):
                        counts = server.counters.as_dict()
                        if counts["accepted"] + counts["rejected"] >= expected:
                            break
                        await asyncio.sleep(0.005)
                    else:
                        raise AssertionError(f"only {counts} of {expected} datagrams counted")
                elapsed = time.monotonic() - began
                counts = server.counters.as_dict()
                assert counts["accepted"] == 0
                assert counts["rejected"] == TOTAL
                assert sum(counts["rejected_by_reason"].values()) == TOTAL
                for reason in (
                    "malformed",
                    "unknown_address",
                    "wrong_count",
                    "wrong_type",
                    "not_finite",
                    "out_of_range",
                    "bad_index",
                ):
                    assert counts["rejected_by_reason"][reason] > 0, reason

                # Still rendering, at the clock's rate, through the flood.
                await asyncio.sleep(0.2)
                last_index = reader.read(only_new=False)[1]["frame"]
                assert last_index - first_index >= 0.8 * 30.0 * elapsed
                assert server.render_loop.running
                assert server.render_loop.stats.errors == 0

                # And a good message still lands.
                osc.send("/truncation", 0.9)
                for _ in range(200):
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
