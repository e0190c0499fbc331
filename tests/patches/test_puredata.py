"""The Pure Data patch, run by real Pd (headless) against a real server process.

A small harness patch (written here) listens for FUDI text on a UDP port and forwards it to
the patch's receivers (`oscserver-truncation-in`, `oscserver-class-in`, `oscserver-seed-in`,
`oscserver-connect`), as moving the sliders (or reconnecting) would. The patch sends OSC with
`oscformat` and `netsend -u -b`; the frames read back from shared memory must change after
each control, and the server's class target (GET /osc) must be one-hot on the patch's class
once the patch has loaded, after each class move and after each reconnect.

The tap tempo and beat sender are driven the same way (`tap` -> `oscserver-tap-in`, `stop` ->
`oscserver-beat-stop`), with the taps sent in real time from the test: once against a plain UDP
socket, where every datagram Pd sends is decoded with python-osc and checked (bare `/beat` per
tap, `/tempo` from the tap interval, `/beat N` from the metro with N counting beats, a late tap
counted as the beat it belongs to, nothing after `stop`), and once against a real server process,
which must count exactly the datagrams the patch sent and, through GET /status, report the tapped
tempo on its beat clock.
"""

from __future__ import annotations

import itertools
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
from pythonosc.osc_message import OscMessage

from oscserver.client import FrameReader
from tests.support import REPO, OscSender, free_udp_port
from tests.support.process import ServerProcess

PATCH = REPO / "patches" / "puredata" / "oscserver.pd"
PD = shutil.which("pd") or shutil.which("puredata")

pytestmark = pytest.mark.skipif(
    PD is None, reason="Pure Data is not installed (apt-get install puredata-core)"
)

HARNESS = """#N canvas 0 0 400 200 12;
#X obj 10 10 netreceive -u {port};
#X obj 10 40 route truncation class seed connect tap stop;
#X obj 10 70 s oscserver-truncation-in;
#X obj 10 100 s oscserver-class-in;
#X obj 10 130 s oscserver-seed-in;
#X obj 200 10 r harness-ready;
#X obj 200 40 print harness;
#X obj 10 160 s oscserver-connect;
#X obj 10 190 s oscserver-tap-in;
#X obj 10 220 s oscserver-beat-stop;
#X connect 0 0 1 0;
#X connect 1 0 2 0;
#X connect 1 1 3 0;
#X connect 1 2 4 0;
#X connect 5 0 6 0;
#X connect 1 3 7 0;
#X connect 1 4 8 0;
#X connect 1 5 9 0;
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


# -- tap tempo and beats --------------------------------------------------------------------------

TAP_INTERVALS = (0.56, 0.53, 0.5)
"""Seconds between the test's four taps, ending at 120 BPM. Each interval is 30 ms shorter than
the one before: the patch's metro starts one interval after a tap, so with steady taps its first
beat and the next tap would race (either order is right, but the test could not know which
messages to expect); a tap that comes a little early always wins."""


class OscCapture:
    """A UDP socket on 127.0.0.1 that keeps every datagram with its arrival time, decoded by
    python-osc (the patch sends plain messages, no bundles)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.got: list[tuple[float, str, list]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            message = OscMessage(data)
            with self._lock:
                self.got.append((time.monotonic(), message.address, list(message.params)))

    def messages(self) -> list[tuple[float, str, list]]:
        with self._lock:
            return list(self.got)

    def wait_for(self, match, after: float, timeout: float) -> tuple[float, str, list]:
        """The first message after ``after`` (monotonic time) for which ``match`` is true."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for entry in self.messages():
                if entry[0] > after and match(entry):
                    return entry
            time.sleep(0.005)
        raise AssertionError(f"nothing matching arrived within {timeout} s: {self.messages()}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def _is_position(entry: tuple[float, str, list]) -> bool:
    return entry[1] == "/beat" and len(entry[2]) == 1


def _tap(pd: PureData, times: list[float]) -> None:
    pd.move("tap")
    times.append(time.monotonic())


def _tap_series(pd: PureData) -> list[float]:
    """Four taps, TAP_INTERVALS apart on the test's clock; their send times."""
    times: list[float] = []
    due = time.monotonic()
    for interval in (0.0, *TAP_INTERVALS):
        due += interval
        time.sleep(max(0.0, due - time.monotonic()))
        _tap(pd, times)
    return times


def test_taps_send_tempo_ticks_and_counted_beats(tmp_path):
    """Real Pd, its datagrams decoded: four taps ending at 120 BPM, then the metro's beats; a fifth
    tap just after a beat (about 600 ms after the fourth) is that beat, not a new one; stop ends
    the beats."""
    capture = OscCapture()
    pd = None
    try:
        pd = PureData(tmp_path, capture.port)
        assert pd.ready.wait(timeout=10), pd.stop()
        capture.wait_for(lambda e: e[1] == "/class", after=0.0, timeout=10)  # connected
        taps = _tap_series(pd)
        first = capture.wait_for(_is_position, after=taps[-1], timeout=3)
        time.sleep(max(0.0, first[0] + 0.1 - time.monotonic()))
        _tap(pd, taps)  # late: the metro's beat came first, 100 ms before
        late = taps[-1] - taps[-2]
        second = capture.wait_for(_is_position, after=taps[-1], timeout=3)
        third = capture.wait_for(_is_position, after=second[0], timeout=3)
        pd.move("stop")
        stopped = time.monotonic()
        time.sleep(1.5)  # longer than any beat interval here
        got = capture.messages()
    finally:
        pd_log = pd.stop() if pd is not None else ""
        capture.close()
    assert "error" not in pd_log.lower(), pd_log
    assert {address for _, address, _ in got} == {"/class", "/tempo", "/beat"}
    # every tap: a bare /beat, right away
    bare = [t for t, address, args in got if address == "/beat" and not args]
    assert len(bare) == len(taps) == 5
    assert all(0 <= b - t < 0.1 for b, t in zip(bare, taps, strict=True)), (bare, taps)
    # /tempo from each interval after the first tap (the last of the series about 120 BPM),
    # then the late tap's: the intervals as the test measured them when it sent the taps
    tempos = [args for _, address, args in got if address == "/tempo"]
    assert all(len(a) == 1 and isinstance(a[0], float) for a in tempos), tempos
    expected = [60.0 / (b - a) for a, b in itertools.pairwise(taps)]
    assert [a[0] for a in tempos] == pytest.approx(expected, rel=0.05)
    # the metro: one beat after the fourth tap, then one beat after the late tap and on
    positions = [(t, args[0]) for t, address, args in got if address == "/beat" and args]
    assert all(isinstance(v, float) for _, v in positions)
    assert [v for _, v in positions] == [4.0, 5.0, 6.0], positions
    assert first[0] - taps[3] == pytest.approx(taps[3] - taps[2], abs=0.06)
    assert second[0] - taps[4] == pytest.approx(late, abs=0.06)
    assert third[0] - second[0] == pytest.approx(late, abs=0.06)
    assert all(t < stopped + 0.05 for t, _ in positions), "beats went on after stop"


def _status(http_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/status", timeout=5) as reply:
        return json.load(reply)


def _wait_status(http_port: int, ready, timeout: float = 10.0) -> dict:
    end = time.monotonic() + timeout
    while True:
        try:
            status = _status(http_port)
            if ready(status):
                return status
        except OSError:
            pass
        if time.monotonic() > end:
            raise AssertionError(f"the server's status did not get there within {timeout} s")
        time.sleep(0.05)


def _counted(status: dict) -> int:
    osc = status["osc"]
    return osc["accepted"] + osc["rejected"]


def test_taps_reach_the_server(tmp_path):
    """Real Pd against a real server process: every datagram of the taps and the first metro
    beat is counted, and the server's beat clock (GET /status) runs at the tapped tempo (the
    last interval, as the test measured it)."""
    http_port = _free_tcp_port()
    server = ServerProcess("--http-port", str(http_port))
    pd = None
    try:
        _wait_status(http_port, lambda s: True, timeout=30)
        pd = PureData(tmp_path, server.port)
        assert pd.ready.wait(timeout=10), pd.stop()
        _wait_status(http_port, lambda s: _counted(s) >= 1)  # the class vector at load
        taps = _tap_series(pd)
        time.sleep(max(0.0, taps[-1] + 1.5 * TAP_INTERVALS[-1] - time.monotonic()))  # one beat
        pd.move("stop")
        sent = 1 + 4 + 3 + 1  # class vector, a bare /beat per tap, /tempo x 3, /beat 4
        status = _wait_status(http_port, lambda s: _counted(s) >= sent)
        time.sleep(2 * TAP_INTERVALS[-1])
        status = _status(http_port)
    finally:
        pd_log = pd.stop() if pd is not None else ""
        out = server.stop()
    assert "error" not in pd_log.lower(), pd_log
    assert _counted(status) == sent, (status["osc"], out)
    # The beat clock's addresses belong to the server side, built alongside this patch; until
    # the server has them (GET /status shows "beat"), counting the datagrams is the check.
    beat = status.get("beat")
    if beat is not None:
        assert status["osc"]["rejected"] == 0, status["osc"]
        assert beat["source"] == "osc", beat
        tapped = 60.0 / (taps[-1] - taps[-2])  # about 120 BPM, as the test sent the taps
        assert beat["tempo"] == pytest.approx(tapped, rel=0.05), beat
        assert beat["position"] >= 4.0, beat
