"""``oscserver bench ndi``: how much sending a frame over NDI costs, next to publishing it to
shared memory. Needs the ndi extra (cyndilib).

Run it where multicast is acceptable (your own network), or as this repository does, inside a
private network namespace: ``unshare -n sh -c 'ip link set lo up && oscserver bench ndi'`` (``python
-m oscserver_bench.ndi`` takes the same options). Either way NDI is configured with a discovery
server that does not exist, so the sender registers nowhere and does not announce itself over mDNS;
one receiver in another process connects by address, so NDI really compresses every frame (it may
skip that work when nobody is connected).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from oscserver.core.frame import FrameFormat
from oscserver.core.options import Parser
from oscserver_bench.shm import bench_publish


def _own_listening_ports(minimum: int) -> list[int]:
    """TCP ports this process listens on (Linux), at or above ``minimum``."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        port = int(fields[1].split(":")[1], 16)
        if fields[3] == "0A" and fields[9] in inodes and port >= minimum:
            ports.append(port)
    return sorted(ports)


def _frames(width: int, height: int, count: int = 8) -> list[np.ndarray]:
    """Smooth moving colour fields, like a generator's output (noise would flatter nothing)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = []
    for i in range(count):
        phase = i * 0.4
        rgb = [
            np.sin(x / (23 + 9 * c) + phase) + np.cos(y / (31 + 7 * c) - phase) for c in range(3)
        ]
        frames.append((np.stack(rgb, axis=-1) * 63 + 128).clip(0, 255).astype(np.uint8))
    return frames


def bench_ndi_send(width: int, height: int, frames: int = 150, fps: float = 30.0) -> dict:
    """Time ``NdiSender.send`` paced at ``fps`` and back to back, with one receiver connected."""
    from oscserver.sinks.ndi import NdiSender

    sender = NdiSender(f"oscserver-bench-{width}x{height}", FrameFormat(width, height, 3), fps)
    pictures = _frames(width, height)
    receiver = None
    try:
        port = _own_listening_ports(5961)[0]
        receiver = subprocess.Popen(
            [sys.executable, "-m", "oscserver.testing.ndi_receiver", f"127.0.0.1:{port}", "600"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while sender.connections() == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver did not connect")
            sender.send(pictures[0])
            time.sleep(1 / fps)
        for i in range(int(fps)):  # a second of warm-up with the receiver decoding
            sender.send(pictures[i % len(pictures)])
            time.sleep(1 / fps)
        clock = time.perf_counter
        paced = []
        next_tick = clock()
        for i in range(frames):
            start = clock()
            sender.send(pictures[i % len(pictures)])
            paced.append(clock() - start)
            next_tick += 1 / fps
            time.sleep(max(0.0, next_tick - clock()))
        start = clock()
        for i in range(frames):
            sender.send(pictures[i % len(pictures)])
        back_to_back = (clock() - start) / frames
    finally:
        if receiver is not None:
            receiver.terminate()
            receiver.wait(timeout=10)
        sender.close()
    paced_ms = sorted(t * 1000 for t in paced)
    shm = bench_publish(width, height, frames=frames)
    return {
        "width": width,
        "height": height,
        "frames": frames,
        "ndi_send_ms_p50": round(statistics.median(paced_ms), 3),
        "ndi_send_ms_p99": round(paced_ms[int(0.99 * (len(paced_ms) - 1))], 3),
        "ndi_back_to_back_ms": round(back_to_back * 1000, 3),
        "ndi_max_fps": round(1 / back_to_back, 1),
        "shm_publish_ms": round(shm["publish_us"] / 1000, 4),
        "ratio_p50_to_shm": round(statistics.median(paced_ms) * 1000 / shm["publish_us"], 1),
    }


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``ndi`` under ``oscserver bench`` (``kinds`` is its subparsers)."""
    parser = kinds.add_parser("ndi", help="NDI send cost against shared-memory publish")
    add_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--frames", type=int, default=150)


def run(args: argparse.Namespace) -> int:
    """Time each size and print one JSON line per size."""
    from oscserver.sinks.ndi import write_ndi_config

    folder = Path(tempfile.mkdtemp(prefix="oscserver-ndi-"))
    write_ndi_config(folder, discovery="127.0.0.1:1")
    os.environ["NDI_CONFIG_DIR"] = str(folder)
    for size in args.sizes:
        print(json.dumps(bench_ndi_send(size, size, frames=args.frames)), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m oscserver_bench.ndi [options]``: the same as ``oscserver bench ndi``."""
    parser = Parser(
        prog="python -m oscserver_bench.ndi",
        description="NDI send cost against shared-memory publish",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
