"""NDI output: a real server process sends NDI, another process receives it by address.

NDI senders normally announce themselves over mDNS (multicast), which tests must never send.
So the whole exchange runs inside a private network namespace (``unshare -n``) that has only
a loopback interface: a multicast datagram there has no route and goes nowhere, and nothing
in it can reach any other machine. On top of that, NDI is configured with a discovery server
(:func:`write_ndi_config`), which per NDI's documentation makes senders skip mDNS; the
receiver connects by address, with no finder. The test refuses to run its NDI part if it
cannot make the namespace.

Run inside the namespace as ``python -m tests.sinks.test_ndi drive FOLDER`` (the driver: starts the
server, receives, sends OSC) and ``python -m tests.sinks.test_ndi serve PORT NAME`` (the server).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.support import REPO
from tests.support.platforms import linux_only

HAVE_CYNDILIB = importlib.util.find_spec("cyndilib") is not None
FIRST_SENDER_PORT = 5961
"""NDI's messaging server listens on 5960; senders take 5961 and up."""


def private_network_command() -> list[str] | None:
    """``unshare`` arguments that give a process its own loopback-only network, or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    for command in (["unshare", "-n"], ["unshare", "-rn"]):
        probe = subprocess.run([*command, "true"], capture_output=True, timeout=10)
        if probe.returncode == 0:
            return command
    return None


NETNS = private_network_command() if HAVE_CYNDILIB else None


def test_missing_cyndilib_is_a_clear_error(monkeypatch):
    from oscserver.core.errors import SinkError
    from oscserver.core.frame import FrameFormat
    from oscserver.sinks.ndi import NdiSink

    monkeypatch.setitem(sys.modules, "cyndilib", None)
    monkeypatch.setitem(sys.modules, "cyndilib.sender", None)
    with pytest.raises(SinkError, match=r"oscserver\[ndi\]"):
        asyncio.run(NdiSink("x").start(FrameFormat(16, 16, 3)))


def test_ndi_config_names_a_discovery_server(tmp_path):
    from oscserver.sinks.ndi import write_ndi_config

    path = write_ndi_config(tmp_path, discovery="127.0.0.1:5959")
    config = json.loads(path.read_text())["ndi"]
    assert path.name == "ndi-config.v1.json"
    assert config["networks"]["discovery"] == "127.0.0.1:5959"
    assert config["multicast"]["send"]["enable"] is False


@pytest.mark.skipif(not HAVE_CYNDILIB, reason="the ndi extra (cyndilib) is not installed")
@pytest.mark.skipif(
    NETNS is None, reason="cannot make a private network namespace, so NDI could use multicast"
)
@linux_only("a private network namespace (unshare -n) and /proc/net/tcp")
def test_frames_received_by_address_follow_osc(tmp_path):
    assert NETNS is not None
    script = f"ip link set lo up && exec {sys.executable} -m tests.sinks.test_ndi drive {tmp_path}"
    result = subprocess.run(
        [*NETNS, "--", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["shape"] == [256, 256, 3]
    assert report["frames_before"] >= 5 and report["frames_after"] >= 5, report
    assert report["change"] > 5, report
    assert report["still_before"] < 2, report  # no OSC, no change (but codec noise)


# -- inside the private network --------------------------------------------------------------


def _only_loopback() -> bool:
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def _ndi_stream_port(timeout: float) -> int:
    """The first NDI sender's TCP port, from this namespace's listening sockets."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ports = []
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            port = int(local.split(":")[1], 16)
            if state == "0A" and port >= FIRST_SENDER_PORT:  # 0A: LISTEN
                ports.append(port)
        if ports:
            return min(ports)
        time.sleep(0.1)
    raise TimeoutError("no NDI sender appeared")


def _frames(receiver, seconds: float) -> list[np.ndarray]:
    frames = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = receiver.capture(timeout=0.2)
        if got is not None:
            frames.append(got[0])
    return frames


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def drive(folder: Path) -> int:
    """Start the server with NDI, receive its frames by address, and change them over OSC."""
    if not _only_loopback():
        print("refusing: this network namespace has interfaces besides lo", file=sys.stderr)
        return 3
    from oscserver.sinks.ndi import write_ndi_config

    write_ndi_config(folder, discovery="127.0.0.1:1")  # nothing listens: registers nowhere
    os.environ["NDI_CONFIG_DIR"] = str(folder)
    from oscserver.testing.ndi_receiver import NdiUrlReceiver
    from tests.support import OscSender, free_udp_port

    osc_port = free_udp_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.sinks.test_ndi", "serve", str(osc_port), "oscserver-test"],
        cwd=REPO,
    )
    try:
        port = _ndi_stream_port(timeout=60)
        with NdiUrlReceiver(f"127.0.0.1:{port}") as receiver, OscSender(osc_port) as osc:
            osc.send("/smooth", 0.0)
            if not _frames(receiver, 1.0):
                raise RuntimeError("no NDI frames arrived")
            before = _frames(receiver, 0.7)
            osc.send("/truncation", 1.0)
            osc.send("/class/set", 11, 1.0)
            _frames(receiver, 0.3)
            after = _frames(receiver, 0.7)
        report = {
            "port": port,
            "shape": list(before[-1].shape),
            "frames_before": len(before),
            "frames_after": len(after),
            "still_before": _diff(before[0], before[-1]),
            "change": _diff(before[-1], after[-1]),
        }
        print(json.dumps(report))
        return 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def serve(osc_port: int, source_name: str) -> int:
    """The server on the default generator with an NDI sink, until SIGTERM."""
    from oscserver.server import ServeConfig, Server
    from oscserver.sinks.ndi import NdiSink

    async def main() -> None:
        config = ServeConfig.from_flat(
            osc_port=osc_port, shm=None, http_port=None, status_interval=0, threads=1
        )
        server = await Server.start(config)
        assert server.bus is not None
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await server.bus.add_sink(NdiSink(source_name, fps=config.runtime.fps))
            await stop.wait()
        finally:
            await server.stop()

    asyncio.run(main())
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "drive":
        sys.exit(drive(Path(sys.argv[2])))
    sys.exit(serve(int(sys.argv[2]), sys.argv[3]))
