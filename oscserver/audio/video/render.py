"""Offline music-video rendering: song -> analysis -> mapping -> the server's control path ->
generator -> H.264 with the song's audio.

Frames stream through one at a time (analyse the song, then for each video frame: the
mapping's messages, validation and motion, inference, encoding), so a long song needs no
more memory than a short one. The same seed gives the same frames.

The pieces are shared with the Ray path (``oscserver/audio/video/ray.py``): the control
trajectory (:func:`control_trajectory`: the mapping's messages, validation and motion, one
set of control values per frame, deterministic given the seed), the song's preparation
(:func:`prepare_song`) and the encoding (:func:`write_video`); only where the generator runs
differs.

Sizes: the default generator draws natively at ``size`` (or ``render_scale`` times it, brought
up to size); a generator of a fixed size is fitted to it as live (``--fit``, the bicubic filter
by default: ``generator/framing.py``). Without a size, the generator's own.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oscserver.audio.analysis.features import AudioFeatures
from oscserver.audio.analysis.song import analyse_file
from oscserver.audio.errors import AudioError
from oscserver.audio.mappings import Mapping, make_mapping
from oscserver.audio.mappings.target import ControlTarget
from oscserver.audio.video.encoder import BackgroundWriter, VideoWriter
from oscserver.audio.video.offline_controls import OfflineControls
from oscserver.audio.video.progress import progress_bar
from oscserver.core.errors import GeneratorError
from oscserver.core.sizes import SizeError, check_even
from oscserver.core.sizes import parse_size as parse_any_size
from oscserver.generator.contract import GeneratorSpec
from oscserver.generator.framing import Framing, open_framed, output_format
from oscserver.generator.reading import resolve_model_path
from oscserver.generator.runtime import GeneratorRuntime


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """Everything ``oscserver render`` takes."""

    song: Path
    output: Path
    model: str = "default"
    mapping: str = "chroma"
    knobs: dict[str, object] = field(default_factory=dict)
    fps: float = 30.0
    size: tuple[int, int] | None = None
    """Output width and height; None: the generator's own size."""
    render_scale: float = 1.0
    """A generator of any size draws at this times ``size``, brought up to it."""
    fit: str = "crop"
    scale_filter: str = "bicubic"
    seed: int = 0
    encoder: str | None = None
    crf: int = 18
    provider: str | None = None
    threads: int | None = None


@dataclass(slots=True)
class RenderTimings:
    """Seconds spent in each stage of a render."""

    analysis: float = 0.0
    mapping: float = 0.0
    """The mapping's messages, their validation and the motion (and a whole-song fit)."""
    inference: float = 0.0
    encoding: float = 0.0
    """Colour conversion, scaling, H.264 and AAC encoding, muxing (in its own thread, so it
    overlaps the others)."""
    total: float = 0.0
    """Wall-clock seconds from start to the finished file."""


@dataclass(frozen=True, slots=True)
class RenderedFrame:
    index: int
    values: dict[str, np.ndarray]
    """The control values the frame was rendered with."""
    pixels: np.ndarray


@dataclass(frozen=True, slots=True)
class RenderReport:
    output: Path
    frames: int
    fps: float
    width: int
    height: int
    duration: float
    """Length of the song, seconds."""
    encoder: str
    model: Path
    timings: RenderTimings

    def summary(self) -> str:
        t = self.timings
        return (
            f"wrote {self.output}: {self.frames} frames, {self.width}x{self.height} at "
            f"{self.fps:g} fps ({self.encoder} + AAC), {self.duration:.1f} s of song in "
            f"{t.total:.1f} s (analysis {t.analysis:.1f} s, mapping {t.mapping:.1f} s, "
            f"inference {t.inference:.1f} s; encoding alongside {t.encoding:.1f} s)"
        )


def generator_path(settings: RenderSettings) -> Path:
    """The generator file ``settings.model`` names."""
    return resolve_model_path(settings.model)


def framing(settings: RenderSettings) -> Framing:
    """The frames' format and how the generator is fitted to it (:class:`AudioError` for a
    file that is not a generator)."""
    try:
        output = output_format([generator_path(settings)], settings.size)
    except GeneratorError as exc:
        raise AudioError(str(exc)) from None
    return Framing(output, settings.render_scale, settings.fit, settings.scale_filter)


def open_generator(settings: RenderSettings) -> GeneratorRuntime:
    """The generator of ``settings``, opened to draw its frames at the video's size."""
    return open_framed(
        generator_path(settings), framing(settings), settings.provider, settings.threads
    )


def parse_size(text: str) -> tuple[int, int]:
    """``'1280x720'``, ``'1080p'``, ``'512'`` -> (width, height): even (H.264's 4:2:0), at most
    8K; :class:`AudioError` in one line otherwise."""
    try:
        size = parse_any_size(text)
        check_even(size, "H.264 video")
    except SizeError as exc:
        raise AudioError(str(exc)) from None
    return size


def control_trajectory(
    features: AudioFeatures,
    mapping: Mapping,
    spec: GeneratorSpec,
    timings: RenderTimings | None = None,
) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """(frame index, control values) for every video frame of ``features``: the mapping's
    messages go through the server's address space and controls, motion steps one frame.
    Computed in order, one frame at a time; the same features, mapping and seed give the same
    values. Each frame's values are new arrays (safe to keep)."""
    timings = timings if timings is not None else RenderTimings()
    began = time.perf_counter()
    controls = OfflineControls(spec)
    mapping.prepare(features)
    controls.send(mapping.start())
    dt = 1.0 / features.fps
    timings.mapping += time.perf_counter() - began
    for frame in features.frames():
        began = time.perf_counter()
        controls.send(mapping.frame(frame), frame.index)
        values = controls.step(dt).values
        timings.mapping += time.perf_counter() - began
        yield frame.index, values


def render_frames(
    features: AudioFeatures,
    mapping: Mapping,
    runtime: GeneratorRuntime,
    timings: RenderTimings | None = None,
) -> Iterator[RenderedFrame]:
    """Render every video frame of ``features`` through ``mapping``: the control trajectory
    (:func:`control_trajectory`), then the generator, frame by frame."""
    timings = timings if timings is not None else RenderTimings()
    for index, values in control_trajectory(features, mapping, runtime.spec, timings):
        began = time.perf_counter()
        pixels = runtime.draw(values)
        timings.inference += time.perf_counter() - began
        yield RenderedFrame(index, values, pixels)


def check_paths(settings: RenderSettings) -> None:
    """The song must exist and the output's folder too (:class:`AudioError` otherwise)."""
    if not settings.song.is_file():
        raise AudioError(f"song file {settings.song} does not exist")
    if not settings.output.parent.is_dir():
        raise AudioError(f"cannot write {settings.output}: no directory {settings.output.parent}")


@dataclass(slots=True)
class SongPlan:
    """A song analysed and its mapping made, ready for :func:`control_trajectory`."""

    features: AudioFeatures
    mapping: Mapping
    width: int
    height: int


def prepare_song(
    settings: RenderSettings, spec: GeneratorSpec, size: tuple[int, int], timings: RenderTimings
) -> SongPlan:
    """The mapping (seeded) and the song's analysis, for a video of ``size``."""
    width, height = size
    target = ControlTarget.from_spec(spec)
    mapping = make_mapping(settings.mapping, settings.knobs, target, settings.fps, settings.seed)
    began = time.perf_counter()
    features = analyse_file(settings.song, settings.fps)
    timings.analysis = time.perf_counter() - began
    return SongPlan(features, mapping, width, height)


def write_video(
    settings: RenderSettings,
    plan: SongPlan,
    frames: Iterable[np.ndarray],
    timings: RenderTimings,
    show_progress: bool = True,
) -> str:
    """Encode ``frames`` (in order) with the song's audio into ``settings.output``, in the
    encoder's own thread behind a two-frame queue; a progress bar goes to stderr. Returns the
    video encoder's name."""
    total = len(plan.features)
    progress = progress_bar(total, f"rendering {settings.song.name}") if show_progress else None
    writer = VideoWriter(
        settings.output,
        settings.fps,
        plan.width,
        plan.height,
        song=settings.song,
        encoder=settings.encoder,
        crf=settings.crf,
    )
    encoder = BackgroundWriter(writer)
    try:
        for pixels in frames:
            encoder.write(pixels)
            if progress is not None:
                progress.update()
    finally:
        encoder.close()
        if progress is not None:
            progress.close()
    timings.encoding = encoder.busy
    return writer.codec


def render_video(
    settings: RenderSettings,
    show_progress: bool = True,
    runtime: GeneratorRuntime | None = None,
) -> RenderReport:
    """Render ``settings.song`` to ``settings.output``; a progress bar goes to stderr.
    ``runtime``: a generator already loaded for these settings (several songs in a row);
    default: :func:`open_generator`."""
    started = time.perf_counter()
    timings = RenderTimings()
    check_paths(settings)
    path = generator_path(settings)
    if runtime is None:
        runtime = open_generator(settings)
    plan = prepare_song(settings, runtime.spec, runtime.frame_format.size, timings)
    frames = render_frames(plan.features, plan.mapping, runtime, timings)
    codec = write_video(settings, plan, (r.pixels for r in frames), timings, show_progress)
    timings.total = time.perf_counter() - started
    return RenderReport(
        output=settings.output,
        frames=len(plan.features),
        fps=settings.fps,
        width=plan.width,
        height=plan.height,
        duration=plan.features.duration,
        encoder=codec,
        model=path,
        timings=timings,
    )
