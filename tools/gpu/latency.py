"""OSC-to-frame latency through a real server, with the best provider the machine has.

The server runs in its own process (``--http-port -1``: no browsers, so the WebRTC modules the GPU
machine lacks are stubbed there); the messages and the reading of shared memory are ``oscserver
bench latency``'s own loop (:func:`oscserver_bench.latency.measure_osc_to_frame`), the OSC packets
made by ``oscserver.osc.encoder``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.gpu.environment import CUDA_EP, Engines
from tools.gpu.plan import ModelPlan
from tools.gpu.stubs import WEBRTC_MODULES, importable

ROOT = Path(__file__).resolve().parents[2]

# The server in its own process: optional stubs, onnxruntime's CUDA libraries, then the CLI.
# Arguments: blocked modules, stubbed modules (comma-separated), the repository, then serve's.
SERVER_LAUNCHER = r"""
import sys
blocked = [m for m in sys.argv[1].split(",") if m]
stubbed = [m for m in sys.argv[2].split(",") if m]
sys.path.insert(0, sys.argv[3])
for name in blocked:
    sys.modules[name] = None
if stubbed:
    from tools.gpu.stubs import install_stubs
    install_stubs(stubbed)
try:
    import onnxruntime
    if hasattr(onnxruntime, "preload_dlls") and "CUDAExecutionProvider" in (
        onnxruntime.get_available_providers()
    ):
        onnxruntime.preload_dlls()
except Exception as exc:
    print(f"preload_dlls failed: {exc}", file=sys.stderr)
from oscserver.cli import main
sys.exit(main(sys.argv[4:]))
"""


def measure_latency(
    m: ModelPlan,
    record: dict[str, Any],
    *,
    engines: Engines,
    args: argparse.Namespace,
    scale: float,
    work: Path,
    blocked: list[str],
    remaining: Callable[[], float],
    children: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    """Serve ``m.path`` and measure OSC-to-frame latency; returns the figures and fills
    ``record`` with how the server ran. ``scale`` (the budget's share left) shrinks the
    messages sent; ``remaining`` says how long the server may take to show a first frame;
    the server is in ``children`` while it runs, so the budget watchdog can kill it."""
    missing = [name for name in ("aiohttp", "msgpack") if not importable(name)]
    if missing:
        raise RuntimeError(f"the server needs {', '.join(missing)}, not installed: skipped")
    from oscserver.client import FrameReader
    from oscserver_bench.latency import measure_osc_to_frame

    stub = [name for name in WEBRTC_MODULES if name in blocked or not importable(name)]
    if stub:
        record["stubbed_modules"] = stub
        record["stub_reason"] = (
            "not installed; the server imports them for browsers (WebRTC), which "
            "--http-port -1 turns off"
        )
    providers: list[str] = engines.ort.get_available_providers() if engines.ort else []
    provider = "cuda" if (not args.cpu and CUDA_EP in providers) else "cpu"
    fps = args.latency_fps
    messages = max(5, int(args.latency_messages * scale))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shm = f"gpu-check-{os.getpid()}"
    serve = [
        "serve",
        "--model",
        str(m.file()),
        "--provider",
        provider,
        "--fps",
        str(fps),
        "--osc-port",
        str(port),
        "--shm",
        shm,
        "--status-interval",
        "0",
        "--http-port",
        "-1",
    ]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    record.update(provider=provider, fps=fps, command="oscserver " + " ".join(serve))
    stderr_path = work / "server.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    still_blocked = [b for b in blocked if b.split(".")[0] not in stub]
    started = time.monotonic()
    with stderr_path.open("wb") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER_LAUNCHER,
                ",".join(still_blocked),
                ",".join(stub),
                str(ROOT),
                *serve,
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
            cwd=str(ROOT),
        )
    children.append(server)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", port)
    try:
        with FrameReader(shm) as reader:
            wait = max(5.0, min(120.0, remaining() - 5.0))
            deadline = time.monotonic() + wait
            first = None
            while first is None and time.monotonic() < deadline:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"the server exited ({server.returncode}): {_tail(stderr_path, 6)}"
                    )
                first = reader.wait(timeout=0.5)
            if first is None:
                raise RuntimeError(f"no frame within {wait:.0f} s: {_tail(stderr_path, 6)}")
            record["server_first_frame_s"] = round(time.monotonic() - started, 2)
            samples = measure_osc_to_frame(
                reader,
                lambda packet: sock.sendto(packet, address),
                fps,
                messages,
                settle=0.2,
                until=time.monotonic() + 0.2 + max(2.0, 30.0 * scale),
            )
    finally:
        sock.close()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        children.remove(server)
    lines = stderr_path.read_text(errors="replace").splitlines()
    running = [line for line in lines if " running " in line or "falling back" in line]
    record["server_log"] = running[-4:] or lines[-4:]
    accel = next(
        (
            line.split(" on ", 1)[1]
            for line in reversed(running)
            if " running " in line and " on " in line
        ),
        None,
    )
    if accel:
        record["acceleration"] = accel.split(" (first frame")[0]
    if not samples.end_to_end_ms:
        raise RuntimeError(f"no frame showed any of {messages} messages")
    figures = samples.percentiles()
    return {
        "messages": messages,
        "answered": len(samples.end_to_end_ms),
        **{key: round(value, 2) for key, value in figures.items()},
        "target_ms_p50": round(1000.0 / fps + figures["render_ms_p50"], 2),
    }


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])
