"""Offline rendering: ``render`` makes an mp4 whose frames change on the clicks, with the song
muxed in, as long as the song; deterministic per seed; sizes and encoders explained."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from oscserver.audio.analysis.song import analyse_file
from oscserver.audio.errors import AudioError
from oscserver.audio.mappings import make_mapping
from oscserver.audio.mappings.target import ControlTarget
from oscserver.audio.video.encoder import choose_video_encoder, fit_frame
from oscserver.audio.video.render import (
    RenderSettings,
    RenderTimings,
    control_trajectory,
    open_generator,
    parse_size,
    prepare_song,
    render_frames,
    render_video,
)
from oscserver.generator.fitting import scale
from oscserver.generator.reading import default_model_path
from oscserver.generator.runtime import GeneratorRuntime
from tests.support import build_tiny_generator
from tests.support.audio_songs import click_times, click_track

FPS = 30.0
SECONDS = 4.0
RENDER = (sys.executable, "-m", "oscserver.audio", "render")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The click track rendered through the command line, as a user would."""
    folder = tmp_path_factory.mktemp("render")
    song = click_track(folder / "clicks.wav", bpm=120, seconds=SECONDS, rate=44100)
    video = folder / "clicks.mp4"
    result = subprocess.run(
        [*RENDER, str(song), "-o", str(video), "--fps", str(FPS), "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return video, result.stderr


def test_the_video_has_h264_and_the_song_and_lasts_as_long(rendered):
    video, _ = rendered
    with av.open(str(video)) as container:
        streams = {s.type: s for s in container.streams}
        assert set(streams) == {"video", "audio"}
        v, a = streams["video"], streams["audio"]
        assert v.codec_context.name == "h264" and a.codec_context.name == "aac"
        assert (v.codec_context.width, v.codec_context.height) == (256, 256)
        assert v.frames == round(SECONDS * FPS)
        frame = 1.0 / FPS
        assert abs(float(v.duration * v.time_base) - SECONDS) <= frame
        assert abs(float(a.duration * a.time_base) - SECONDS) <= frame
        assert abs(container.duration / 1e6 - SECONDS) <= frame
        assert a.rate == 44100


def test_the_frames_change_most_on_the_clicks(rendered):
    video, _ = rendered
    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]
    change = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(frames)])
    change = np.concatenate([[0.0], change])  # change[i]: from frame i-1 to frame i
    for click in click_times(120, SECONDS):
        frame = int(click * FPS)
        window = range(max(1, frame - 5), min(len(change), frame + 6))
        peak = max(window, key=lambda i: change[i])
        assert abs(peak - click * FPS) <= 1.0, (click, peak, change[window.start : window.stop])
        quiet = [change[i] for i in window if abs(i - frame) > 2]
        assert change[peak] > 3 * max(quiet)


def test_progress_goes_to_stderr_with_an_eta(rendered):
    _, stderr = rendered
    assert "ETA" in stderr and "100%" in stderr
    assert "wrote" in stderr and "libx264" in stderr


@pytest.fixture(scope="module")
def short_song(tmp_path_factory) -> Path:
    return click_track(tmp_path_factory.mktemp("short") / "short.wav", bpm=120, seconds=1.0)


def test_the_same_seed_gives_the_same_frames(short_song):
    runtime = GeneratorRuntime(default_model_path())
    target = ControlTarget.from_spec(runtime.spec)
    features = analyse_file(short_song, 15.0)

    def frames(mapping: str, seed: int) -> list[np.ndarray]:
        m = make_mapping(mapping, {}, target, 15.0, seed)
        return [r.pixels for r in render_frames(features, m, runtime)]

    for mapping in ("chroma", "wander"):
        first, again, other = frames(mapping, 7), frames(mapping, 7), frames(mapping, 8)
        assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
        assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_a_clusters_render_with_a_curated_bank(short_song, tmp_path):
    """The command line renders with --knob bank=...; once the particle settles on a cluster's
    stored vector the frame is the generator's picture of that vector."""
    from tests.audio.test_mappings import curated_bank

    bank = curated_bank(tmp_path / "bank.npz", count=6, truncation=0.6)
    video = tmp_path / "bank.mp4"
    knobs = ["--knob", "clusters=3", "--knob", f"bank={tmp_path / 'bank.npz'}"]
    command = [*RENDER, str(short_song), "-o", str(video), "--fps", "15", "--mapping", "clusters"]
    result = subprocess.run([*command, *knobs], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with av.open(str(video)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 15

    runtime = GeneratorRuntime(default_model_path())
    target = ControlTarget.from_spec(runtime.spec)
    features = analyse_file(short_song, 15.0)
    knob_values = {
        "clusters": 3,
        "bank": str(tmp_path / "bank.npz"),
        "stiffness": 5000,
        "damping": 141,
    }
    mapping = make_mapping("clusters", knob_values, target, 15.0)
    frames = list(render_frames(features, mapping, runtime))
    last, label = frames[-1].pixels, mapping.labels[-1]
    row = int(np.flatnonzero((bank.inputs["noise"] == mapping.model.bank[label]).all(axis=1))[0])
    picture = runtime.draw(
        {
            "class": bank.inputs["class"][row][None],
            "noise": bank.inputs["noise"][row][None],
            "truncation": np.array([0.6], np.float32),
        }
    )
    assert np.abs(last.astype(int) - picture.astype(int)).mean() < 2.0


def _fine_share(frame: np.ndarray) -> float:
    """Share of the luminance spectrum's energy above 0.12 cycles a pixel: finer than a frame
    of half the size can hold (its limit, 0.25, is 0.125 here once scaled up twice)."""
    g = frame.astype(np.float64).mean(axis=2)
    power = np.abs(np.fft.rfft2(g - g.mean())) ** 2
    fy = np.abs(np.fft.fftfreq(g.shape[0]))[:, None]
    fx = np.fft.rfftfreq(g.shape[1])[None, :]
    return float(power[np.hypot(fx, fy) > 0.12].sum() / power.sum())


def test_a_1080p_render_is_drawn_natively_not_scaled_up(short_song, tmp_path):
    """``--size 1920x1080``: the default generator draws every frame at 1080p. A frame of the
    video is the 1080p drawing (within H.264's loss) and holds more fine detail than the
    same frame drawn at 960x540 and scaled up (truncation 0.9: wild, where the default
    generator's fine detail shows)."""
    video = tmp_path / "hd.mp4"
    settings = RenderSettings(
        short_song,
        video,
        mapping="wander",
        knobs={"truncation": 0.9},
        fps=4.0,
        size=parse_size("1080p"),
        seed=5,
    )
    report = render_video(settings, show_progress=False)
    assert (report.width, report.height) == (1920, 1080)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1920, 1080)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == report.frames >= 4

    native = open_generator(settings)
    assert native.spec.output.frame_format.size == (1920, 1080)  # drawn so, not fitted
    half = open_generator(replace(settings, size=(960, 540)))
    timings = RenderTimings()
    plan = prepare_song(settings, native.spec, (1920, 1080), timings)
    frame, values = list(control_trajectory(plan.features, plan.mapping, native.spec))[2]
    drawn = native.draw(values)
    upscaled = scale(half.draw(values), 1920, 1080, "bicubic")
    got = decoded[frame]
    assert np.abs(got.astype(int) - drawn).mean() < 4  # the video holds the native drawing
    assert np.abs(got.astype(int) - upscaled).mean() > np.abs(got.astype(int) - drawn).mean()
    assert _fine_share(drawn) > 2 * _fine_share(upscaled)
    assert _fine_share(got) > 2 * _fine_share(upscaled)  # H.264 keeps it


@pytest.mark.parametrize("fit", ["crop", "contain", "stretch"])
def test_a_fixed_size_generator_is_fitted_as_live(short_song, tmp_path, fit):
    """A 16x16 generator rendered at 96x54: scaled to cover (crop), letterboxed in black
    (contain) or stretched; never left at its own size."""
    model = build_tiny_generator(tmp_path / "tiny.onnx", size=16)
    video = tmp_path / f"{fit}.mp4"
    settings = RenderSettings(
        short_song, video, model=str(model), mapping="wander", fps=4.0, size=(96, 54), fit=fit
    )
    render_video(settings, show_progress=False)
    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]
    assert frames[0].shape == (54, 96, 3)
    sides = np.concatenate([f[:, :16] for f in frames] + [f[:, -16:] for f in frames], axis=1)
    middle = np.concatenate([f[:, 40:56] for f in frames], axis=1)
    assert middle.std() > 8
    if fit == "contain":
        assert sides.max() < 40  # black bars either side (H.264 bleeds a little)
    else:
        assert sides.std() > 8  # the picture reaches the edges


def test_sizes_are_checked_in_one_line(tmp_path):
    for text, message in (
        ("1281x720", "even"),
        ("wide", "WIDTHxHEIGHT"),
        ("0x720", "at least 8"),
        ("7682x4320", "at most 7680x4320"),
    ):
        with pytest.raises(AudioError, match=message) as caught:
            parse_size(text)
        assert "\n" not in str(caught.value)
    assert parse_size("720p") == (1280, 720) and parse_size("portrait") == (1080, 1920)
    result = subprocess.run(
        [*RENDER, str(tmp_path / "x.wav"), "-o", str(tmp_path / "x.mp4"), "--render-scale", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--render-scale 2: a number from 0.25 to 1" in result.stderr
    pixels = np.zeros((256, 256, 3), np.uint8)
    assert fit_frame(pixels, 320, 180).shape == (144, 256, 3)


def test_without_h264_the_encoder_falls_back_with_a_note(monkeypatch):
    from oscserver.audio.video import encoder

    real = encoder.encoder_available
    monkeypatch.setattr(
        encoder, "encoder_available", lambda name: None if "264" in name else real(name)
    )
    name, note = choose_video_encoder()
    assert name == "mpeg4" and "no H.264 encoder" in note


def test_encoder_choice_and_errors(short_song, tmp_path):
    assert choose_video_encoder() == ("libx264", None)  # PyAV's wheels ship libx264
    with pytest.raises(AudioError, match="not in this PyAV build; available here: libx264"):
        choose_video_encoder("libnothing")
    with pytest.raises(AudioError, match="no directory"):
        render_video(RenderSettings(short_song, tmp_path / "no" / "x.mp4"), show_progress=False)


def test_render_command_errors_are_one_line(tmp_path):
    result = subprocess.run(
        [*RENDER, str(tmp_path / "none.wav"), "-o", str(tmp_path / "x.mp4")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "error: song file" in result.stderr and "Traceback" not in result.stderr
