"""The live driver against a real server process: bundles over real UDP, time-tagged ahead,
land on the server's frames in time with the song (read back from shared memory)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from oscserver.audio.errors import AudioError
from oscserver.audio.live.driver import DriveSettings, drive_song
from oscserver.client import FrameReader
from tests.support import free_udp_port, unique_name
from tests.support.audio_songs import click_times, click_track

FPS = 30.0
LOOKAHEAD = 0.1
SECONDS = 4.0
SERVE = (sys.executable, "-m", "oscserver", "serve", "--status-interval", "0")


@pytest.fixture
def server():
    port, shm = free_udp_port(), unique_name("drive")
    proc = subprocess.Popen(
        [*SERVE, "--osc-port", str(port), "--shm", shm, "--fps", str(FPS), "--threads", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield port, shm, proc
    proc.terminate()
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def test_driven_frames_change_on_the_clicks(server, tmp_path):
    port, shm, proc = server
    song = click_track(tmp_path / "clicks.wav", bpm=120, seconds=SECONDS)
    settings = DriveSettings(
        song=song, port=port, fps=FPS, lookahead=LOOKAHEAD, start_delay=1.0, seed=1
    )
    started: list[float] = []
    reports = []
    with FrameReader(shm) as reader:
        assert reader.wait(timeout=60) is not None, proc.stderr.read() if proc.poll() else ""
        driver = threading.Thread(
            target=lambda: reports.append(drive_song(settings, on_start=started.append)),
            name="driver",
        )
        driver.start()
        frames = []  # (frame index, published, render ms, change from the previous frame)
        beats = []  # (tick time, the server's beat position) of every frame
        previous = None
        deadline = time.time() + 60

        def listening() -> bool:
            if time.time() > deadline:
                return False
            return driver.is_alive() or time.time() < started[0] + SECONDS + 0.3

        while listening():
            got = reader.read()
            if got is None:
                time.sleep(0.001)
                continue
            pixels, meta = got
            pixels = pixels.astype(np.int16)
            beats.append((meta["tick_time"], meta["beat"]))
            if previous is not None and meta["frame"] == previous[0] + 1:
                change = float(np.abs(pixels - previous[1]).mean())
                frames.append((meta["frame"], meta["published"], meta["render_ms"], change))
            previous = (meta["frame"], pixels)
        driver.join(timeout=10)
    assert reports and started, "the driver did not finish"
    report = reports[0]
    # The start bundle, one per frame, and one per beat for the server's beat clock.
    assert report.beats >= SECONDS * 2 - 1
    assert report.bundles == round(SECONDS * FPS) + 1 + report.beats
    assert report.late == 0, f"{report.late} bundles were sent after their time tag"

    start = started[0]
    published = np.array([f[1] for f in frames])
    render_s = np.array([f[2] for f in frames]) / 1000.0
    change = np.array([f[3] for f in frames])
    errors = []
    for click in click_times(120, SECONDS):
        heard = start + click
        near = np.flatnonzero(np.abs(published - heard) < 0.3)
        assert near.size > 10, "frames were missing around a click"
        peak = near[np.argmax(change[near])]
        others = change[near[np.abs(near - peak) > 2]]
        assert change[peak] > 3 * others.max(), "no clear change on the click"
        errors.append(published[peak] - render_s[peak] - heard)  # its frame tick vs the click
    # Frame i holds the click when click in [i/fps, (i+1)/fps): its tag is up to one interval
    # early; the server applies a tag on the nearest tick: half an interval either way.
    interval = 1.0 / FPS
    assert all(-1.5 * interval - 0.01 <= e <= 0.5 * interval + 0.01 for e in errors), errors
    print("click to frame tick, ms:", [round(float(e) * 1000, 1) for e in errors])

    # The beat clock followed the song: from the third click on, a frame's beat position is
    # the clicks counted (librosa finds the beats to within its 11.6 ms analysis hop).
    clicks = click_times(120, SECONDS)
    first_beat = start + clicks[0]
    ticks = np.array([t for t, _ in beats])
    positions = np.array([p for _, p in beats])
    late = (ticks > start + clicks[2]) & (ticks < start + clicks[-2])
    expected = (ticks[late] - first_beat) * 2.0  # beats at 120 BPM since the first click
    error_ms = (positions[late] - expected) * 500.0
    assert np.abs(error_ms).max() < 25.0, np.abs(error_ms).max()


def test_drive_without_a_song_or_server_model_is_a_clear_error(tmp_path):
    with pytest.raises(AudioError, match="no song"):
        drive_song(DriveSettings(song=None))
    with pytest.raises(AudioError, match="does not exist"):
        drive_song(DriveSettings(song=tmp_path / "x.wav", model=str(tmp_path / "none.onnx")))
    with pytest.raises(AudioError, match="lookahead"):
        drive_song(DriveSettings(song=tmp_path / "x.wav", lookahead=20.0))
