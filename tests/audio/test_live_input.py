"""Live input analysis, fed block by block as a sound card would (the device itself needs the
``live`` extra and hardware, neither of which is here: those paths are checked for their
errors only)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile

from oscserver.audio.errors import AudioError
from oscserver.audio.live.driver import read_spec
from oscserver.audio.live.input import BLOCK, LiveAnalyser, open_input
from oscserver.audio.mappings import make_mapping
from oscserver.audio.mappings.target import ControlTarget
from oscserver.audio.video.offline_controls import OfflineControls
from tests.support.audio_songs import C_MAJOR, F_SHARP_MAJOR, chord, click_times, click_track

FPS = 30.0
RATE = 22050


def live_frames(samples: np.ndarray, rate: int = RATE):
    """Feed ``samples`` in input-sized blocks and take a frame at each video frame time."""
    analyser = LiveAnalyser(rate, FPS)
    per_frame = rate / FPS
    fed = 0
    for index in range(int(samples.shape[0] / per_frame)):
        until = int((index + 1) * per_frame)
        while fed < until:
            block = samples[fed : min(fed + BLOCK, until)]
            analyser.push(block)
            fed += block.shape[0]
        yield analyser.frame(index)


def have_sounddevice() -> bool:
    try:
        import sounddevice  # noqa: F401
    except (ModuleNotFoundError, OSError):
        return False
    return True


def test_live_power_peaks_on_the_clicks(tmp_path):
    song = click_track(tmp_path / "c.wav", bpm=120, seconds=3.0)
    samples = soundfile.read(song, dtype="float32")[0][:, 0]
    frames = list(live_frames(samples))
    power = np.array([f.power for f in frames])
    peaks = [i for i in range(1, len(power) - 1) if power[i] > 0.5 and power[i] >= power[i - 1]]
    peaks = [p for p in peaks if power[p] >= power[p + 1]]
    expected = [int(t * FPS) for t in click_times(120, 3.0)]
    assert len(peaks) == len(expected)
    # The window ends at the frame's end, so a click shows in its own frame or the next one.
    assert all(0 <= p - e <= 1 for p, e in zip(peaks, expected, strict=True)), (peaks, expected)
    beats = [f.index for f in frames if f.beat]
    assert all(min(abs(b - e) for e in expected) <= 1 for b in beats) and beats


def test_live_chroma_follows_the_chord():
    samples = np.concatenate([chord(C_MAJOR, 1.0), chord(F_SHARP_MAJOR, 1.0)])
    frames = list(live_frames(samples))
    assert set(np.argsort(-frames[20].chroma)[:3].tolist()) == set(C_MAJOR)
    assert set(np.argsort(-frames[50].chroma)[:3].tolist()) == set(F_SHARP_MAJOR)
    assert frames[50].spectrum.shape == (64,) and 0 < frames[50].spectrum.max() <= 1


def test_live_frames_drive_every_mapping_validly():
    spec = read_spec("default")
    target = ControlTarget.from_spec(spec)
    samples = np.concatenate([chord(C_MAJOR, 0.5), np.zeros(RATE // 2, np.float32)])
    for name in ("chroma", "wander"):
        mapping = make_mapping(name, {"classes": "volcano,daisy,bubble"}, target, FPS)
        controls = OfflineControls(spec)
        controls.send(mapping.start())  # no prepare(): live input has no whole song
        for frame in live_frames(samples):
            controls.send(mapping.frame(frame), frame.index)
            controls.step(1 / FPS)
    clusters = make_mapping("clusters", {}, target, FPS)
    with pytest.raises(AudioError, match=r"load=model\.npz"):
        clusters.start()


@pytest.mark.skipif(have_sounddevice(), reason="sounddevice is installed here")
def test_input_and_play_without_the_live_extra_are_clear_errors(tmp_path):
    with pytest.raises(AudioError, match=r"'live' extra.*oscserver\[live\]"):
        open_input("0", FPS)
    from oscserver.audio.live.playback import SongPlayer

    with pytest.raises(AudioError, match=r"--play.*'live' extra"):
        SongPlayer(click_track(tmp_path / "c.wav", seconds=1.0))
    result = subprocess.run(
        [sys.executable, "-m", "oscserver.audio", "drive", "--input", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "error: --input" in result.stderr and "'live' extra" in result.stderr
