"""The Pure Data patch, run by real Pd (headless) against a real server process.

A small harness patch (written here) listens for FUDI text on a UDP port and forwards it to
the patch's receivers (`oscserver-truncation-in`, `oscserver-class-in`, `oscserver-seed-in`,
`oscserver-connect`), as moving the sliders (or reconnecting) would. The patch sends OSC with
`oscformat` and `netsend -u -b`; the frames read back from shared memory must change after
each control, and the server's class target (GET /osc) must be one-hot on the patch's class
once the patch has loaded, after each class move and after each reconnect.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from oscserver.client import FrameReader
from tests.support import OscSender, free_udp_port
from tests.test_end_to_end import ServerProcess

PATCH = Path(__file__).resolve().parent.parent / "patches" / "puredata" / "oscserver.pd"
PD = shutil.which("pd") or shutil.which("puredata")

pytestmark = pytest.mark.skipif(
    PD is None, reason="Pure Data is not installed (apt-get install puredata-core)"
)

HARNESS = """#N canvas 0 0 400 200 12;
#X obj 10 10 netreceive -u {port};
#X obj 10 40 route truncation class seed connect;
#X obj 10 70 s oscserver-truncation-in;
#X obj 10 100 s oscserver-class-in;
#X obj 10 130 s oscserver-seed-in;
#X obj 200 10 r harness-ready;
#X obj 200 40 print harness;
#X obj 10 160 s oscserver-connect;
#X connect 0 0 1 0;
#X connect 1 0 2 0;
#X connect 1 1 3 0;
#X connect 1 2 4 0;
#X connect 5 0 6 0;
#X connect 1 3 7 0;
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


def _free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _class_target(http_port: int, timeout: float = 10.0) -> np.ndarray:
    """The server's class target vector, from its address list (GET /osc)."""
    end = time.monotonic() + timeout
    while True:
        try:
            url = f"http://127.0.0.1:{http_port}/osc"
            with urllib.request.urlopen(url, timeout=5) as reply:
                rows = json.load(reply)
            break
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)
    (row,) = [r for r in rows if r["address"] == "/class"]
    return np.asarray(row["target"], dtype=np.float64)


def _class_at_load(patch: Path) -> int:
    """The class the patch starts with: the message box that its loadbang sends to
    ``oscserver-class-in`` (read from the .pd file, so the test follows the patch)."""
    records = [r.strip() for r in patch.read_text().split(";\n") if r.strip()]
    boxes = [r for r in records if r.startswith("#X ") and r.split()[1] != "connect"]
    (sender,) = [i for i, r in enumerate(boxes) if r.endswith("s oscserver-class-in")]
    feeding = [
        int(m[1])
        for r in records
        if (m := re.fullmatch(r"#X connect (\d+) \d+ (\d+) \d+", r)) and int(m[2]) == sender
    ]
    (source,) = feeding
    kind, *rest = boxes[source].split()[1:]
    assert kind == "msg", boxes[source]
    return int(rest[-1])


def _assert_one_hot(target: np.ndarray, index: int) -> None:
    assert target[index] == pytest.approx(1.0), (index, np.flatnonzero(target).tolist())
    assert np.flatnonzero(target).tolist() == [index], "every other class must be 0"


def test_sliders_and_bang_change_the_frames(tmp_path):
    at_load = _class_at_load(PATCH)
    moved_to = next(c for c in (980, 1, 500) if c != at_load)
    http_port = _free_tcp_port()
    server = ServerProcess("--http-port", str(http_port))  # the later --http-port wins
    pd = None
    try:
        with FrameReader(server.shm) as reader, OscSender(server.port) as osc:
            assert reader.wait(timeout=30) is not None, server.stop()
            osc.send("/smooth", 0.0)  # osc_seq 1: every change shows at once
            frame = _settled_frame(reader, 1)
            start = _class_target(http_port)
            defaults = np.flatnonzero(start).tolist()  # the server's own starting class(es)
            assert defaults and at_load not in defaults, (defaults, at_load)
            pd = PureData(tmp_path, server.port)
            assert pd.ready.wait(timeout=10), pd.stop()
            # osc_seq 2: the whole /class vector, sent once Pd has opened and connected
            after = _settled_frame(reader, 2)
            loaded = _class_target(http_port)
            _assert_one_hot(loaded, at_load)
            assert all(loaded[d] == 0 for d in defaults), "the default class must be off"
            assert _diff(after, frame) > 2, "loading the patch did not change the class"
            frame = after
            moves = ("truncation 1", f"class {moved_to}", "seed")
            for seq, fudi in enumerate(moves, start=3):
                pd.move(fudi)
                after = _settled_frame(reader, seq)
                assert _diff(after, frame) > 2, f"{fudi!r} did not change the frame"
                frame = after
                if fudi.startswith("class"):
                    moved = _class_target(http_port)
                    _assert_one_hot(moved, moved_to)
                    assert moved[at_load] == 0 and all(moved[d] == 0 for d in defaults)
            # connecting again (the same server here) sends the whole vector once more
            osc.send("/class/set", moved_to, 0.0, at_load, 1.0)  # osc_seq 6: something else
            assert _settled_frame(reader, 6) is not None
            _assert_one_hot(_class_target(http_port), at_load)
            pd.move(f"connect 127.0.0.1 {server.port}")
            _settled_frame(reader, 7)
            _assert_one_hot(_class_target(http_port), moved_to)
            time.sleep(0.7)  # one more status line (every 0.5 s) with every message counted
    finally:
        pd_log = pd.stop() if pd is not None else ""
        out = server.stop()
    assert "error" not in pd_log.lower(), pd_log
    status = [line for line in out.splitlines() if " fps | " in line]
    sent = 1 + 1 + len(moves) + 2  # /smooth, the load vector, the moves, /class/set, connect
    assert status and f"{sent} accepted, 0 rejected" in status[-1], out
