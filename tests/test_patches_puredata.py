"""The Pure Data patch, run by real Pd (headless) against a real server process.

A small harness patch (written here) listens for FUDI text on a UDP port and forwards it to
the patch's receivers (`oscserver-truncation-in`, `oscserver-class-in`, `oscserver-seed-in`),
as moving the sliders would. The patch sends OSC with `oscformat` and `netsend -u -b`; the
frames read back from shared memory must change after each control.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from oscserver.client import FrameReader
from tests.conftest import OscSender, free_udp_port
from tests.test_end_to_end import ServerProcess

PATCH = Path(__file__).resolve().parent.parent / "patches" / "puredata" / "oscserver.pd"
PD = shutil.which("pd") or shutil.which("puredata")

pytestmark = pytest.mark.skipif(
    PD is None, reason="Pure Data is not installed (apt-get install puredata-core)"
)

HARNESS = """#N canvas 0 0 400 200 12;
#X obj 10 10 netreceive -u {port};
#X obj 10 40 route truncation class seed;
#X obj 10 70 s oscserver-truncation-in;
#X obj 10 100 s oscserver-class-in;
#X obj 10 130 s oscserver-seed-in;
#X obj 200 10 r harness-ready;
#X obj 200 40 print harness;
#X connect 0 0 1 0;
#X connect 1 0 2 0;
#X connect 1 1 3 0;
#X connect 1 2 4 0;
#X connect 5 0 6 0;
"""


class PureData:
    """Pd running the patch and the harness; ``move`` sends one FUDI message to the harness."""

    def __init__(self, tmp_path: Path, osc_port: int) -> None:
        self.fudi_port = free_udp_port()
        harness = tmp_path / "harness.pd"
        harness.write_text(HARNESS.format(port=self.fudi_port))
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [
                PD,
                "-nogui",
                "-nosound",
                "-nomidi",
                "-stderr",
                "-open",
                str(harness),
                "-open",
                str(PATCH),
                "-send",
                f"oscserver-connect 127.0.0.1 {osc_port}",
                "-send",
                "harness-ready bang",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            if "harness: bang" in line:
                self.ready.set()

    def move(self, fudi: str) -> None:
        self.sock.sendto(f"{fudi};\n".encode(), ("127.0.0.1", self.fudi_port))

    def stop(self) -> str:
        self.sock.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return "\n".join(self.lines)


def _settled_frame(reader: FrameReader, seq_at_least: int, timeout: float = 5.0) -> np.ndarray:
    """A frame rendered after control message ``seq_at_least``, once motion has settled."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = reader.read()
        if got is not None and got[1]["osc_seq"] >= seq_at_least:
            time.sleep(0.1)
            latest = reader.read(only_new=False)
            assert latest is not None
            return latest[0]
        time.sleep(0.005)
    raise AssertionError(f"no frame with osc_seq >= {seq_at_least} within {timeout} s")


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_sliders_and_bang_change_the_frames(tmp_path):
    server = ServerProcess()
    pd = None
    try:
        with FrameReader(server.shm) as reader, OscSender(server.port) as osc:
            assert reader.wait(timeout=30) is not None, server.stop()
            osc.send("/smooth", 0.0)  # osc_seq 1: every change shows at once
            frame = _settled_frame(reader, 1)
            pd = PureData(tmp_path, server.port)
            assert pd.ready.wait(timeout=10), pd.stop()
            for seq, fudi in enumerate(("truncation 1", "class 207", "seed"), start=2):
                pd.move(fudi)
                after = _settled_frame(reader, seq)
                assert _diff(after, frame) > 2, f"{fudi!r} did not change the frame"
                frame = after
            time.sleep(0.7)  # one more status line (every 0.5 s) with every message counted
    finally:
        pd_log = pd.stop() if pd is not None else ""
        out = server.stop()
    assert "error" not in pd_log.lower(), pd_log
    status = [line for line in out.splitlines() if " fps | " in line]
    assert status and "4 accepted, 0 rejected" in status[-1], out
