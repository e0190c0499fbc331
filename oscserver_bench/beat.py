"""``oscserver bench beat``: how well the server keeps time with a performer's transport.

A real server process (the embedded default generator, shared memory on) is fed over UDP by a
simulated transport (``oscserver.testing.transport``): ``/tempo``, ``/meter`` and ``/beat``
four times a beat, each sent +-5 ms early or late and 1% never sent. It plays 120 BPM, a change
to 140, a locate, then 174 BPM. Everything is read back from the frames in shared memory (each
carries its tick's wall-clock time and the beat position the server gave it):

- lock: beats from the start until the frames' beat positions stay within 3 ms of the song;
- beat time error (ms) while locked: p50, p99, max, for each stretch;
- how long after the tempo change and after the locate until the error is back under 3 ms;
- quantized changes: ``/class/set`` sent at random moments with ``/quantize beat``; where the
  first frame showing each landed, against the true next beat (in frame intervals).

Plain messages (arrival times, jittered) and time-tagged bundles (exact times) are both run.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import numpy as np

from oscserver.client import FrameReader
from oscserver.osc.encoder import encode_message
from oscserver.testing.transport import Segment, SimulatedTransport
from oscserver_bench.report import machine, print_json

SEGMENTS = [Segment(120, 16, 0.0), Segment(140, 12), Segment(140, 8, 128.0), Segment(174, 16)]
THRESHOLD_MS = 3.0


def add_parser(kinds: argparse._SubParsersAction) -> argparse.ArgumentParser:
    beat = kinds.add_parser("beat", help="beat clock lock, error and quantized changes")
    beat.add_argument("--fps", type=float, default=30.0)
    beat.add_argument("--jitter-ms", type=float, default=5.0)
    beat.add_argument("--loss", type=float, default=0.01)
    beat.add_argument("--changes", type=int, default=8, help="quantized changes to time")
    beat.set_defaults(
        run=lambda a: print_json(bench_beat(a.fps, a.jitter_ms / 1000, a.loss, a.changes))
    )
    return beat


def bench_beat(fps: float, jitter: float, loss: float, changes: int) -> dict:
    return {
        "machine": machine(),
        "fps": fps,
        "jitter_ms": jitter * 1000,
        "loss": loss,
        "runs": [run_once(fps, jitter, loss, changes, tagged) for tagged in (False, True)],
    }


def run_once(fps: float, jitter: float, loss: float, changes: int, tagged: bool) -> dict:
    osc_port, http_port = _free(socket.SOCK_DGRAM), _free(socket.SOCK_STREAM)
    shm = f"bench-beat-{osc_port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "oscserver", "serve", "--osc-port", str(osc_port), "--shm", shm,
         "--http-port", str(http_port), "--fps", str(fps), "--status-interval", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        frames = _Frames(shm)
        transport = SimulatedTransport(osc_port, jitter=jitter, loss=loss, tagged=tagged, seed=3)
        playing = threading.Thread(target=transport.play, args=(SEGMENTS,))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as osc:
            send = lambda address, *args: osc.sendto(  # noqa: E731
                encode_message(address, list(args)), ("127.0.0.1", osc_port)
            )
            send("/smooth", 0.0)
            send("/quantize", "beat")
            playing.start()
            sends = _quantized_changes(send, transport, changes)
            playing.join()
        frames.stop()
        status = _status(http_port)
    finally:
        server.terminate()
        server.wait(20)
    return _report(transport, frames.rows, sends, fps, tagged, status)


def _quantized_changes(send, transport: SimulatedTransport, count: int) -> list[float]:
    """Send ``count`` class changes at random moments in the steady 120 BPM stretch."""
    rng = np.random.default_rng(7)
    time.sleep(0.1)
    start = transport.beat_time(6.0)
    sends = []
    for k in range(count):
        at = start + k * 1.0 + rng.uniform(0.05, 0.45)
        time.sleep(max(0.0, at - time.time()))
        sends.append(time.time())
        send("/class/set", 100 + 7 * k, 1.0)
    return sends


def _report(transport, rows, sends, fps, tagged, status) -> dict:
    ticks = np.array([r[0] for r in rows])
    beats = np.array([r[1] for r in rows])
    truth = np.array([transport.truth(t) for t in ticks])
    bpm = np.array([_bpm_at(transport, t) for t in ticks])
    error = np.abs(beats - truth) * 60.0 / bpm * 1000.0
    marks = {
        "start": transport.beat_time(0.0),
        "change": transport.beat_time(16.0),
        "locate": transport.beat_time(128.0),
        "fast": transport.beat_time(136.0),
    }
    return {
        "tagged": tagged,
        "lock_beats": _settle(ticks, error, marks["start"], 120.0),
        "error_ms_120": _stats(error, ticks, marks["start"] + 2.0, marks["change"]),
        "tempo_change_follow_beats": _settle(ticks, error, marks["change"], 140.0),
        "locate_relock_beats": _settle(ticks, error, marks["locate"], 140.0),
        "error_ms_174": _stats(error, ticks, marks["fast"] + 2.0, ticks.max() - 0.1),
        "quantized_landing_frames": _landings(rows, sends, transport, fps),
        "server_beat": status.get("beat"),
        "sent": transport.sent,
        "lost": transport.lost,
    }


def _settle(ticks, error, since, bpm) -> float | None:
    """Beats after ``since`` until the error stays under the threshold for two beats."""
    beat = 60.0 / bpm
    after = np.flatnonzero(ticks >= since)
    for i in after:
        window = (ticks >= ticks[i]) & (ticks < ticks[i] + 2 * beat)
        if np.all(error[window] < THRESHOLD_MS):
            return round((ticks[i] - since) / beat, 2)
    return None


def _stats(error, ticks, begin, end) -> dict:
    chosen = error[(ticks > begin) & (ticks < end)]
    if not chosen.size:
        return {}
    return {
        "p50": round(float(np.percentile(chosen, 50)), 3),
        "p99": round(float(np.percentile(chosen, 99)), 3),
        "max": round(float(chosen.max()), 3),
        "frames": int(chosen.size),
    }


def _landings(rows, sends, transport, fps) -> list[float]:
    """For each quantized change: (first frame showing it - true next beat) in frames."""
    landed = []
    for sent in sends:
        before = [r for r in rows if r[0] < sent]
        after = [r for r in rows if r[0] >= sent]
        if not before or not after:
            continue
        reference = before[-1][2]
        shown = next((r for r in after if np.abs(r[2] - reference).max() > 8), None)
        if shown is None:
            continue
        next_beat = transport.beat_time(np.floor(transport.truth(sent)) + 1.0)
        landed.append(round((shown[0] - next_beat) * fps, 2))
    return landed


def _bpm_at(transport: SimulatedTransport, when: float) -> float:
    bpm = SEGMENTS[0].bpm
    for start, _, tempo in transport._pieces:
        if start <= when:
            bpm = tempo
    return bpm


class _Frames:
    def __init__(self, shm: str) -> None:
        self.rows: list[tuple[float, float, np.ndarray]] = []
        self._reader = FrameReader(shm)
        if self._reader.wait(60.0) is None:
            raise RuntimeError("the server published no frame in 60 s")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            got = self._reader.read()
            if got is None:
                time.sleep(0.002)
                continue
            pixels, meta = got
            self.rows.append((meta["tick_time"], meta["beat"], pixels[::8, ::8].astype(np.int16)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._reader.close()


def _status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as response:
        return json.load(response)


def _free(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    print(json.dumps(bench_beat(30.0, 0.005, 0.01, 8), indent=2))
