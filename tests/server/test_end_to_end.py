"""The real server process on the default generator, driven over UDP, read from shared memory.

The server runs as `python -m oscserver serve` in its own process; this test process is the
reader (oscserver.client) and the OSC sender, as a performance tool would be.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from oscserver.client import FrameReader
from tests.support import REPO, OscSender, free_udp_port, unique_name
from tests.support.process import ServerProcess

FPS = 30.0


@pytest.fixture
def server():
    proc = ServerProcess()
    yield proc
    proc.stop()


def _frame_after(reader: FrameReader, seq_at_least: int, timeout: float = 5.0):
    """The first frame rendered with control message ``seq_at_least`` (or a later one) applied."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = reader.read()
        if got is not None and got[1]["osc_seq"] >= seq_at_least:
            return got
        time.sleep(0.002)
    raise AssertionError(f"no frame with osc_seq >= {seq_at_least} within {timeout} s")


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_class_noise_and_truncation_change_the_frames(server):
    with FrameReader(server.shm) as reader, OscSender(server.port) as osc:
        assert reader.wait(timeout=30) is not None, server.stop()
        osc.send("/smooth", 0.0)  # 1: jump straight to targets, so one frame shows each change
        base, meta = _frame_after(reader, 1)
        assert base.shape == (256, 256, 3) and base.dtype == np.uint8
        # Settle: wait a couple of frames so the frame we compare with shows every target.
        time.sleep(0.1)
        base, _ = reader.read(only_new=False)

        zeros = [0.0] * 1000
        osc.send("/class", *zeros)  # 2
        osc.send("/class/set", 11, 1.0)  # 3: goldfinch
        goldfinch, _ = _frame_after(reader, 3)
        assert _diff(goldfinch, base) > 5

        osc.send("/noise", *np.random.default_rng(3).uniform(-1.5, 1.5, 128).tolist())  # 4
        noisy, _ = _frame_after(reader, 4)
        assert _diff(noisy, goldfinch) > 5

        osc.send("/truncation", 1.0)  # 5
        wild, meta = _frame_after(reader, 5)
        assert _diff(wild, noisy) > 5
        assert meta["osc_arrival"] > 0 and meta["published"] >= meta["osc_arrival"]

        osc.send("/truncation", 7.0)  # rejected: out of range, nothing changes
        time.sleep(0.15)
        same, meta = reader.read(only_new=False)
        assert meta["osc_seq"] == 5
        assert _diff(same, wild) == 0.0


def test_bundle_500_ms_ahead_takes_effect_then(server):
    with FrameReader(server.shm) as reader, OscSender(server.port) as osc:
        assert reader.wait(timeout=30) is not None, server.stop()
        osc.send("/smooth", 0.0)
        osc.send("/truncation", 0.2)
        _frame_after(reader, 2)
        time.sleep(0.1)
        base, _ = reader.read(only_new=False)
        due = time.time() + 0.5
        osc.send_bundle(due, ("/truncation", 1.0))
        frames = []
        end = time.time() + 1.2
        while time.time() < end:
            got = reader.read()
            if got is not None:
                frames.append((got[1]["published"], _diff(got[0], base)))
            time.sleep(0.002)
        early = [d for t, d in frames if t < due - 1.0 / FPS]
        late = [d for t, d in frames if t > due + 2.0 / FPS + 0.1]
        assert len(early) > 5 and len(late) > 5
        assert max(early) == 0.0, "the bundle took effect before its time tag"
        assert min(late) > 5, "the bundle did not take effect at its time tag"
        first_changed = min(t for t, d in frames if d > 0)
        # On the frame nearest the tag: half a frame early at most, a frame and render late.
        assert due - 0.5 / FPS - 0.005 <= first_changed <= due + 2.0 / FPS + 0.1


def test_sigint_and_sigterm_release_shared_memory():
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = ServerProcess()
        with FrameReader(proc.shm) as reader:
            assert reader.wait(timeout=30) is not None, proc.stop()
        if Path("/dev/shm").is_dir():
            assert Path("/dev/shm", proc.shm).exists()
        out = proc.stop(sig)
        assert proc.proc.returncode == 0, out
        assert "stopped" in out
        if Path("/dev/shm").is_dir():
            assert not Path("/dev/shm", proc.shm).exists()


def test_status_line_reports_fps_and_counters():
    proc = ServerProcess()
    try:
        with FrameReader(proc.shm) as reader, OscSender(proc.port) as osc:
            assert reader.wait(timeout=30) is not None
            osc.send("/truncation", 0.4)
            osc.send("/truncation", "loud")
            time.sleep(1.5)
    finally:
        out = proc.stop()
    lines = [line for line in out.splitlines() if " fps | " in line]
    assert lines, out
    assert "1 accepted, 1 rejected (wrong_type 1)" in lines[-1]
    assert "provider CPUExecutionProvider" in out


@pytest.mark.parametrize(
    ("model", "message"),
    [("missing.onnx", "does not exist"), ("pyproject.toml", "not a loadable ONNX model")],
)
def test_bad_model_is_a_clear_error(model, message):
    root = REPO
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "oscserver",
            "serve",
            "--model",
            str(root / model),
            "--osc-port",
            str(free_udp_port()),
            "--shm",
            unique_name("bad"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_port_taken_is_a_clear_error():
    first = ServerProcess()
    try:
        with FrameReader(first.shm) as reader:
            assert reader.wait(timeout=30) is not None
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "oscserver",
                "serve",
                "--osc-port",
                str(first.port),
                "--shm",
                unique_name("second"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )
        assert result.returncode == 2
        assert f"udp 127.0.0.1:{first.port}" in result.stderr and "--osc-port" in result.stderr
    finally:
        first.stop()
