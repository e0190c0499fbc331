"""Audio analysis: features at exactly one row per video frame, on synthetic songs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oscserver.audio.analysis.features import video_frame_count
from oscserver.audio.analysis.song import analyse_file, analyse_signal, load_audio
from oscserver.audio.errors import AudioError
from tests.support.audio_songs import C_MAJOR, F_SHARP_MAJOR, chord_song, click_times, click_track

FPS = 30.0


@pytest.fixture(scope="module")
def clicks(tmp_path_factory) -> Path:
    return click_track(tmp_path_factory.mktemp("clicks") / "clicks.wav", bpm=120, seconds=4.0)


@pytest.fixture(scope="module")
def click_features(clicks):
    return analyse_file(clicks, FPS)


def _peaks(values: np.ndarray, threshold: float) -> list[int]:
    return [
        i
        for i in range(len(values))
        if values[i] >= threshold
        and values[i] >= values[max(i - 1, 0)]
        and values[i] >= values[min(i + 1, len(values) - 1)]
    ]


def test_one_row_per_video_frame(click_features):
    features = click_features
    assert len(features) == 120 == video_frame_count(4.0, FPS)
    assert features.chroma.shape == (120, 12)
    assert features.spectrum.shape[0] == 120
    for name in ("power", "power_gradient", "onset", "beats"):
        assert getattr(features, name).shape == (120,)
    assert features.duration == pytest.approx(4.0)
    assert features.power.min() >= 0.0 and features.power.max() == pytest.approx(1.0)


@pytest.mark.parametrize("fps", [12.0, 24.0, 60.0, 100.0])
def test_frame_count_follows_the_frame_rate(fps):
    y = np.zeros(22050 * 2 + 100, np.float32)
    features = analyse_signal(y, 22050, fps)
    assert len(features) == round((y.shape[0] / 22050) * fps)
    assert np.isfinite(features.spectrum).all()
    assert not features.chroma.any(), "silence has no pitch"


def test_clicks_show_in_their_frames(click_features):
    expected = [int(t * FPS) for t in click_times(120, 4.0)]
    assert _peaks(click_features.power, 0.3) == expected
    assert _peaks(click_features.power_gradient, 0.3) == expected
    onsets = _peaks(click_features.onset, 0.3)
    assert len(onsets) == len(expected)
    assert all(abs(a - b) <= 1 for a, b in zip(onsets, expected, strict=True))


def test_tempo_and_beats(click_features):
    assert click_features.tempo == pytest.approx(120, rel=0.03)
    beats = np.flatnonzero(click_features.beats)
    expected = [int(t * FPS) for t in click_times(120, 4.0)]
    near = [b for b in beats if min(abs(b - e) for e in expected) <= 1]
    assert len(near) >= len(beats) - 1 >= len(expected) - 3


def test_chords_light_their_pitch_classes(tmp_path):
    song = chord_song(tmp_path / "chords.wav", (C_MAJOR, F_SHARP_MAJOR), seconds_each=1.0)
    features = analyse_file(song, FPS)
    for start, chord in ((0, C_MAJOR), (30, F_SHARP_MAJOR)):
        for i in range(start + 3, start + 27):
            top = set(np.argsort(-features.chroma[i])[:3].tolist())
            assert top == set(chord), (i, features.chroma[i])


def test_resampled_input_and_stereo_decoding(tmp_path):
    song = click_track(tmp_path / "clicks-44k.wav", bpm=120, seconds=2.0, rate=44100)
    samples, duration = load_audio(song)
    assert duration == pytest.approx(2.0)
    assert samples.ndim == 1 and abs(samples.shape[0] - 44100) < 64  # mono at 22050 Hz


def test_unreadable_songs_are_clear_errors(tmp_path):
    with pytest.raises(AudioError, match="does not exist"):
        load_audio(tmp_path / "missing.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioError, match="cannot read audio"):
        load_audio(junk)
