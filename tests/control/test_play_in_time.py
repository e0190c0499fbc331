"""Playing in time, end to end: a real server process fed over UDP by a simulated transport with
+-5 ms send jitter and 1% loss. The figures come from the frames in shared memory: each frame
carries its tick's wall-clock time and the beat position the server gave it."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from oscserver.client import FrameReader
from oscserver.testing.transport import Segment, SimulatedTransport
from tests.support import OscSender, build_tiny_generator
from tests.support.process import ServerProcess

FPS = 30.0


class Frames:
    """Every frame the server publishes, read in a thread: (tick_time, beat, pixels)."""

    def __init__(self, shm: str) -> None:
        self.reader = FrameReader(shm)
        self.frames: list[tuple[float, float, np.ndarray]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Frames:
        assert self.reader.wait(30.0) is not None
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            got = self.reader.read()
            if got is None:
                time.sleep(0.002)
                continue
            pixels, meta = got
            self.frames.append((meta["tick_time"], meta["beat"], pixels.astype(np.float64)))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.reader.close()

    def since(self, when: float) -> list[tuple[float, float, np.ndarray]]:
        return [f for f in self.frames if f[0] >= when]


def _status(server: ServerProcess) -> dict:
    for line in server.proc.stdout:  # the viewer page line names the HTTP port
        if "viewer page: http://" in line:
            server.http = line.split("viewer page: ")[1].strip().split("#")[0]
            break
    with urllib.request.urlopen(f"{server.http}status", timeout=5) as response:
        return json.load(response)


@pytest.fixture
def served(tmp_path: Path):
    model = build_tiny_generator(tmp_path / "tiny.onnx", size=16)
    server = ServerProcess("--model", str(model), "--threads", "1", fps=FPS)
    yield server
    server.stop()


def test_the_clock_locks_follows_and_quantized_changes_land_on_the_beat(served):
    with Frames(served.shm) as frames, OscSender(served.port) as osc:
        transport = SimulatedTransport(served.port, jitter=0.005, loss=0.01, seed=1)
        playing = threading.Thread(
            target=transport.play,
            args=([Segment(120, 8, 0.0), Segment(140, 6), Segment(140, 4, 64.0)],),
        )
        playing.start()
        time.sleep(0.05)
        start = transport.beat_time(0.0)
        # Lock within 4 beats: from then on the frames' beat positions are the song's.
        time.sleep(max(0.0, transport.beat_time(4.0) - time.time()) + 0.02)
        status = _status(served)
        assert status["beat"]["locked"], status["beat"]

        # A quantized change at a random moment lands on the frame nearest the next beat.
        osc.send("/smooth", 0.0)
        osc.send("/quantize", "beat")
        time.sleep(0.137)
        sent_at = time.time()
        osc.send("/class/set", 3, 1.0)
        playing.join()

    ticks = np.array([f[0] for f in frames.frames])
    beats = np.array([f[1] for f in frames.frames])
    truth = np.array([transport.truth(t) for t in ticks])
    error_ms = (beats - truth) * 60.0 / np.where(ticks < transport.beat_time(8.0) - 1e-9, 120, 140)
    error_ms *= 1000.0

    steady = (ticks > transport.beat_time(4.0)) & (ticks < transport.beat_time(8.0))
    assert np.percentile(np.abs(error_ms[steady]), 99) < 3.0, np.abs(error_ms[steady]).max()
    # 120 -> 140 BPM at beat 8: followed within 2 beats.
    after_change = (ticks > transport.beat_time(10.0)) & (ticks < transport.beat_time(14.0) - 0.05)
    assert np.percentile(np.abs(error_ms[after_change]), 99) < 3.0
    # A locate to beat 64: locked again within 4 beats.
    relocked = ticks > transport.beat_time(64.0) + 4 * 60.0 / 140 - 0.2
    relocked &= ticks < transport.beat_time(67.9)
    assert relocked.any()
    assert np.percentile(np.abs(error_ms[relocked]), 99) < 3.0

    # The quantized /class/set: the first frame that shows it.
    first = frames.frames[0][2]
    changed = [f for f in frames.since(sent_at) if np.abs(f[2] - first).max() > 0]
    pixels_before = [f[2] for f in frames.frames if f[0] < sent_at][-1]
    changed = [f for f in frames.since(sent_at) if np.abs(f[2] - pixels_before).max() > 1.5]
    assert changed, "the class change never showed"
    next_beat = transport.beat_time(np.floor(transport.truth(sent_at)) + 1.0)
    assert abs(changed[0][0] - next_beat) <= 1.0 / FPS + 0.002, (changed[0][0] - next_beat, start)


def test_an_lfo_with_a_one_beat_period_peaks_on_the_beat(served):
    with Frames(served.shm) as frames, OscSender(served.port) as osc:
        osc.send("/smooth", 0.0)
        # Two still pictures give the direction truncation moves the pixels in.
        osc.send("/truncation", 0.1)
        time.sleep(0.3)
        low = frames.frames[-1][2]
        osc.send("/truncation", 0.9)
        time.sleep(0.3)
        high = frames.frames[-1][2]
        osc.send("/truncation", 0.5)
        transport = SimulatedTransport(served.port, jitter=0.005, loss=0.01, seed=2, tagged=True)
        playing = threading.Thread(target=transport.play, args=([Segment(120, 12, 0.0)],))
        playing.start()
        time.sleep(0.2)
        osc.send("/lfo/truncation", "sine", 1.0, 0.35)
        playing.join()

    direction = (high - low).ravel()
    start = transport.beat_time(4.0)
    rows = [
        (t, (p - low).ravel() @ direction / (direction @ direction))
        for t, _, p in frames.since(start)
    ]
    ticks = np.array([t for t, _ in rows if t < transport.beat_time(11.5)])
    value = 0.1 + 0.8 * np.array([v for t, v in rows if t < transport.beat_time(11.5)])
    phase = 2 * np.pi * np.array([transport.truth(t) for t in ticks])
    # value = a + b cos(phase) + c sin(phase): the peak is where the fitted wave peaks.
    design = np.column_stack([np.ones_like(phase), np.cos(phase), np.sin(phase)])
    (a, b, c), *_ = np.linalg.lstsq(design, value, rcond=None)
    peak_beats = np.arctan2(c, b) / (2 * np.pi)  # 0: on the beat
    assert abs(peak_beats) * 60.0 / 120.0 <= 1.0 / FPS, peak_beats
    assert np.hypot(b, c) == pytest.approx(0.35, rel=0.15) and a == pytest.approx(0.5, abs=0.05)
