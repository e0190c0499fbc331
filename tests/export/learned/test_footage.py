"""Procedural train-window footage and reading/writing footage (oscserver_export/learned/footage.py,
frames.py)."""

from __future__ import annotations

import numpy as np
import pytest

from oscserver_export.learned.footage import LAYER_SPEEDS, FootageConfig, render_frames
from oscserver_export.learned.frames import (
    FootageError,
    read_frames,
    square_resize,
    write_pngs,
    write_video,
)
from oscserver_export.train_cli import main as train_main


def _best_shift(a: np.ndarray, b: np.ndarray, largest: int) -> int:
    """The leftward shift (pixels) that best maps frame ``a`` onto the next frame ``b``."""
    width = a.shape[1]
    errors = [np.abs(b[:, : width - s].astype(int) - a[:, s:]).mean() for s in range(largest)]
    return int(np.argmin(errors))


def test_frames_are_deterministic_and_differ_between_seeds():
    config = FootageConfig(size=64, frames=8, seed=5)
    first = render_frames(config)
    assert first.shape == (8, 64, 64, 3) and first.dtype == np.uint8
    assert np.array_equal(first, render_frames(config))
    other = render_frames(FootageConfig(size=64, frames=8, seed=6))
    assert np.abs(first.astype(int) - other).mean() > 5
    # Consecutive frames differ: the landscape moves.
    assert np.abs(first[1:].astype(int) - first[:-1]).mean() > 2


@pytest.mark.parametrize("size", [64, 128])
def test_layers_scroll_right_to_left_with_parallax(size):
    moving = [layer for layer in LAYER_SPEEDS if layer not in ("sky", "clouds")]
    still = render_frames(FootageConfig(size=size, frames=3, seed=3, layers=()))
    assert np.array_equal(still[0], still[2])  # the sky alone stays put
    for layer in moving:
        frames = render_frames(FootageConfig(size=size, frames=3, seed=3, layers=(layer,)))
        expected = LAYER_SPEEDS[layer] * size // 64
        assert _best_shift(frames[0], frames[1], 16) == expected, layer
        assert _best_shift(frames[1], frames[2], 16) == expected, layer
    speeds = [LAYER_SPEEDS[layer] for layer in moving]
    assert speeds == sorted(speeds) and speeds[0] < speeds[-1]  # far ones slower


def test_bad_config_names_the_problem():
    with pytest.raises(ValueError, match="unknown layers"):
        render_frames(FootageConfig(layers=("volcano",)))
    with pytest.raises(ValueError, match="even"):
        render_frames(FootageConfig(size=33))


def test_png_folder_round_trip_is_exact(tmp_path):
    frames = render_frames(FootageConfig(size=32, frames=4, seed=1))
    assert write_pngs(frames, tmp_path / "pngs") == 4
    assert np.array_equal(read_frames(tmp_path / "pngs", 32), frames)
    assert read_frames(tmp_path / "pngs", 16, max_frames=2).shape == (2, 16, 16, 3)


def test_video_round_trip_and_cli(tmp_path):
    video = tmp_path / "window.mp4"
    assert train_main(["footage", "-o", str(video), "--frames", "12", "--size", "64"]) == 0
    back = read_frames(video, 64)
    assert back.shape == (12, 64, 64, 3)
    original = render_frames(FootageConfig(size=64, frames=12))
    assert np.abs(back.astype(int) - original).mean() < 8  # lossy, but the same pictures
    assert write_video(original[:2], tmp_path / "two.mp4") == 2


def test_square_resize_crops_the_centre():
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, 10:30] = 200  # the centred square
    assert square_resize(image, 20).min() == 200
    assert square_resize(image, 10).shape == (10, 10, 3)


def test_unreadable_footage_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(FootageError, match="does not exist"):
        read_frames(tmp_path / "missing.mp4", 64)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FootageError, match="holds no images"):
        read_frames(tmp_path / "empty", 64)
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    with pytest.raises(FootageError, match=r"junk\.mp4"):
        read_frames(junk, 64)
    assert train_main(["vae", str(junk), "-o", str(tmp_path / "v.onnx")]) == 1
    assert "junk.mp4" in capsys.readouterr().err
