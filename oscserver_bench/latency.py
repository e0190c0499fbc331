"""``oscserver bench latency``: OSC-to-frame latency, read from shared memory.

A server runs in its own process; the benchmark sends ``/truncation`` over UDP at random phases
of the frame clock and reads the ring until a frame whose metadata shows the message arrived.
:func:`measure_osc_to_frame` is that loop alone, for any server already running (the GPU check
in ``tools/gpu/`` measures its own server with it).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from oscserver.osc.encoder import encode_message
from oscserver_bench.report import machine, print_json

if TYPE_CHECKING:
    from oscserver.client import FrameReader


def add_parser(
    kinds: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``latency`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    lat = kinds.add_parser("latency", help="OSC-to-frame latency read from shared memory")
    lat.add_argument("--fps", type=float, nargs="+", default=[30.0, 60.0])
    lat.add_argument("--messages", type=int, default=200)
    lat.add_argument("--size", default="256", help="output size: WxH, a preset or one number")
    lat.add_argument("--model", default="default", help="generator file (default: embedded)")
    lat.set_defaults(run=lambda a: print_json(bench_latency(a.fps, a.messages, a.size, a.model)))
    return lat


@dataclass
class LatencySamples:
    """What :func:`measure_osc_to_frame` saw, in milliseconds, one entry per message a frame
    showed: sent to seen (``end_to_end_ms``), arrival to publication in the server
    (``in_server_ms``) and the generator's own time for that frame (``render_ms``)."""

    end_to_end_ms: list[float] = field(default_factory=list)
    in_server_ms: list[float] = field(default_factory=list)
    render_ms: list[float] = field(default_factory=list)

    def percentiles(self) -> dict[str, float]:
        """The medians and 99th percentiles, keyed ``end_to_end_ms_p50`` and so on."""
        out = {}
        for name, values in (
            ("end_to_end_ms", self.end_to_end_ms),
            ("in_server_ms", self.in_server_ms),
            ("render_ms", self.render_ms),
        ):
            out[f"{name}_p50"] = float(np.percentile(values, 50))
            out[f"{name}_p99"] = float(np.percentile(values, 99))
        return out


def measure_osc_to_frame(
    reader: FrameReader,
    send: Callable[[bytes], object],
    fps: float,
    messages: int,
    *,
    settle: float = 0.0,
    until: float | None = None,
) -> LatencySamples:
    """Turn the server's smoothing off (``/smooth 0``, then ``settle`` seconds), then send
    ``messages`` ``/truncation`` values through ``send`` (one OSC packet each), each at a
    random phase of a frame clock running at ``fps``, and read ``reader`` until a frame whose
    metadata shows the value arrived. Stops early at ``until`` (a ``time.monotonic()``)."""
    send(encode_message("/smooth", [0.0]))
    if settle:
        time.sleep(settle)
    rng = np.random.default_rng(1)
    samples = LatencySamples()
    for i in range(messages):
        if until is not None and time.monotonic() > until:
            break
        time.sleep(rng.uniform(0.0, 1.0 / fps))  # sample every phase of the clock
        sent = time.time()
        send(encode_message("/truncation", [0.3 + 0.4 * (i % 2)]))
        got = reader.wait_for_message(sent)
        if got is not None:
            meta = got[1]
            samples.end_to_end_ms.append((time.time() - sent) * 1000.0)
            samples.in_server_ms.append((meta["published"] - meta["osc_arrival"]) * 1000.0)
            samples.render_ms.append(meta["render_ms"])
    return samples


def bench_latency(fps_list: list[float], messages: int, size: int, model: str = "default") -> dict:
    """OSC-to-frame latency: send /truncation over UDP to a server in another process and read
    shared memory until a frame whose metadata shows the message arrived."""
    rows = [_latency_at(fps, messages, size, model) for fps in fps_list]
    return {"benchmark": "latency", "machine": machine(), "results": rows}


def _latency_at(fps: float, messages: int, size: int, model: str) -> dict:
    """One row of :func:`bench_latency`: a server at ``fps``, measured, stopped."""
    from oscserver.client import FrameReader

    port = _free_udp_port()
    shm_name = f"oscserver-bench-{os.getpid()}-{int(fps)}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oscserver",
            "serve",
            "--model",
            model,
            "--size",
            str(size),
            "--fps",
            str(fps),
            "--osc-port",
            str(port),
            "--shm",
            shm_name,
            "--status-interval",
            "0",
            "--http-port",
            "-1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with (
            FrameReader(shm_name) as reader,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
        ):
            if reader.wait(timeout=60.0) is None:
                raise RuntimeError("server produced no frame within 60 s")
            address = ("127.0.0.1", port)
            samples = measure_osc_to_frame(
                reader, lambda packet: sock.sendto(packet, address), fps, messages
            )
    finally:
        server.terminate()
        server.wait(10)
    interval = 1000.0 / fps
    figures = samples.percentiles()
    return {
        "fps": fps,
        "size": size,
        "messages": messages,
        "answered": len(samples.end_to_end_ms),
        **figures,
        # The target: one frame interval plus inference time (its median, its p99).
        "target_ms_with_render_p50": interval + figures["render_ms_p50"],
        "target_ms_with_render_p99": interval + figures["render_ms_p99"],
    }


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
