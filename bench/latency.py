"""``oscserver bench latency``: OSC-to-frame latency, read from shared memory.

A server runs in its own process; the benchmark sends ``/truncation`` over UDP at random phases
of the frame clock and reads the ring until a frame whose metadata shows the message arrived.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

import numpy as np

from bench.report import machine, print_json


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``latency`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    lat = kinds.add_parser("latency", help="OSC-to-frame latency read from shared memory")
    lat.add_argument("--fps", type=float, nargs="+", default=[30.0, 60.0])
    lat.add_argument("--messages", type=int, default=200)
    lat.add_argument("--size", type=int, default=256, choices=(256, 512))
    lat.add_argument("--model", default="default", help="generator file (default: embedded)")
    lat.set_defaults(run=lambda a: print_json(bench_latency(a.fps, a.messages, a.size, a.model)))
    return lat


def bench_latency(fps_list: list[float], messages: int, size: int, model: str = "default") -> dict:
    """OSC-to-frame latency: send /truncation over UDP to a server in another process and read
    shared memory until a frame whose metadata shows the message arrived."""
    from pythonosc.udp_client import SimpleUDPClient

    from oscserver.client import FrameReader

    rows = []
    for fps in fps_list:
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
            with FrameReader(shm_name) as reader:
                if reader.wait(timeout=60.0) is None:
                    raise RuntimeError("server produced no frame within 60 s")
                client = SimpleUDPClient("127.0.0.1", port)
                client.send_message("/smooth", 0.0)
                rng = np.random.default_rng(1)
                end_to_end, in_server, render = [], [], []
                for i in range(messages):
                    time.sleep(rng.uniform(0.0, 1.0 / fps))  # sample every phase of the clock
                    sent = time.time()
                    client.send_message("/truncation", 0.3 + 0.4 * (i % 2))
                    got = reader.wait_for_message(sent)
                    if got is not None:
                        meta = got[1]
                        end_to_end.append((time.time() - sent) * 1000.0)
                        in_server.append((meta["published"] - meta["osc_arrival"]) * 1000.0)
                        render.append(meta["render_ms"])
        finally:
            server.terminate()
            server.wait(10)
        interval = 1000.0 / fps
        p = np.percentile
        rows.append(
            {
                "fps": fps,
                "size": size,
                "messages": messages,
                "answered": len(end_to_end),
                "end_to_end_ms_p50": float(p(end_to_end, 50)),
                "end_to_end_ms_p99": float(p(end_to_end, 99)),
                "in_server_ms_p50": float(p(in_server, 50)),
                "in_server_ms_p99": float(p(in_server, 99)),
                "render_ms_p50": float(p(render, 50)),
                "render_ms_p99": float(p(render, 99)),
                # The target: one frame interval plus inference time (its median, its p99).
                "target_ms_with_render_p50": interval + float(p(render, 50)),
                "target_ms_with_render_p99": interval + float(p(render, 99)),
            }
        )
    return {"benchmark": "latency", "machine": machine(), "results": rows}


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
