"""``oscserver bench osc``: what OSC costs the server.

1. Decode cost per datagram for ``/class`` (1000 floats), ``/class/set`` (8 pairs),
   ``/truncation`` and a 10-message bundle, side by side with python-osc's ``OscPacket`` on the
   same bytes (ratio: python-osc time / ours).
2. A 10 kHz flood of valid OSC from another process against a real server process: the event
   loop's lag (p99, max) and the render rate, each against the same server idle just before
   (ratios), with the rate limit off (every datagram decoded, validated and applied) and with
   the default limit.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import timeit
import urllib.request

from oscserver.osc.decoder import decode
from oscserver.osc.encoder import encode_message
from oscserver_bench.report import machine, print_json


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``osc`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    osc = kinds.add_parser("osc", help="OSC decode cost and event-loop lag under a flood")
    osc.add_argument("--rate", type=float, default=10_000.0, help="flood datagrams per second")
    osc.add_argument("--seconds", type=float, default=10.0, help="length of each window")
    osc.add_argument("--repeats", type=int, default=5, help="decode timing repeats (best kept)")
    osc.set_defaults(run=lambda a: print_json(bench_osc(a.rate, a.seconds, a.repeats)))
    return osc


def bench_osc(rate: float, seconds: float, repeats: int) -> dict:
    return {
        "machine": machine(),
        "decode": bench_decode(repeats),
        "flood": [bench_flood(rate, seconds, limit) for limit in (0.0, None)],
    }


def sample_datagrams() -> dict[str, bytes]:
    bundle_parts = [encode_message(f"/noise/{i}", [0.1 * i]) for i in range(10)]
    bundle = b"#bundle\x00" + b"\x00\x00\x00\x00\x00\x00\x00\x01"
    bundle += b"".join(len(p).to_bytes(4, "big") + p for p in bundle_parts)
    return {
        "/class (1000 floats)": encode_message("/class", [0.001] * 1000),
        "/class/set (8 pairs)": encode_message(
            "/class/set", [x for i in range(8) for x in (i * 100, 0.5)]
        ),
        "/truncation": encode_message("/truncation", [0.5]),
        "bundle of 10 messages": bundle,
    }


def bench_decode(repeats: int) -> list[dict]:
    from pythonosc.osc_packet import OscPacket

    rows = []
    for name, data in sample_datagrams().items():
        number = 200 if len(data) > 1000 else 5000

        def ours_once(d: bytes = data) -> object:
            return decode(d)

        def theirs_once(d: bytes = data) -> object:
            return OscPacket(d).messages

        ours = min(timeit.repeat(ours_once, number=number, repeat=repeats))
        theirs = min(timeit.repeat(theirs_once, number=number, repeat=repeats))
        rows.append(
            {
                "datagram": name,
                "bytes": len(data),
                "ours_us": round(ours / number * 1e6, 2),
                "python_osc_us": round(theirs / number * 1e6, 2),
                "ratio": round(theirs / ours, 2),
            }
        )
    return rows


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as response:
        return json.load(response)


def bench_flood(rate: float, seconds: float, limit: float | None) -> dict:
    """Idle for ``seconds``, then ``rate`` valid datagrams a second for ``seconds``; the lag and
    fps of each window come from the server's own /status (its lag window is 10 s)."""
    osc_port, http_port = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_STREAM)
    command = [
        sys.executable,
        "-m",
        "oscserver",
        "serve",
        "--osc-port",
        str(osc_port),
        "--http-port",
        str(http_port),
        "--shm",
        "",
        "--status-interval",
        "0",
    ]
    if limit is not None:
        command += ["--osc-rate-limit", str(limit)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                _status(http_port)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(seconds)
        idle = _status(http_port)
        sent = _flood(osc_port, rate, seconds)
        flooded = _status(http_port)
        time.sleep(0.5)
        counted = _status(http_port)["osc"]
    finally:
        server.terminate()
        server.wait(10)
    osc = counted
    return {
        "rate_limit": "off" if limit == 0 else "default",
        "sent": sent,
        "sent_per_s": round(sent / seconds),
        "accepted": osc["accepted"],
        "rate_limited": osc["rejected_by_reason"].get("rate_limited", 0),
        "counted": osc["accepted"] + osc["rejected"],
        "idle_lag_p99_ms": _round(idle["loop_lag_ms"]["p99"]),
        "flood_lag_p99_ms": _round(flooded["loop_lag_ms"]["p99"]),
        "flood_lag_max_ms": _round(flooded["loop_lag_ms"]["max"]),
        "idle_fps": _round(idle["fps"]),
        "flood_fps": _round(flooded["fps"]),
        "fps_ratio": _round(flooded["fps"] / idle["fps"]) if idle["fps"] else None,
    }


def _flood(port: int, rate: float, seconds: float) -> int:
    message = encode_message("/truncation", [0.5])
    batch = max(1, int(rate / 1000))  # a batch every millisecond
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            due = int(elapsed * rate)
            while sent < due:
                for _ in range(min(batch, due - sent)):
                    sock.sendto(message, ("127.0.0.1", port))
                    sent += 1
            time.sleep(0.0005)
    return sent


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
