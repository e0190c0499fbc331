"""The live driver: a mapping's messages sent over OSC while the song plays in real time.

For a song file, the whole song is analysed first; then the bundle for video frame ``i`` is
time-tagged ``start + i / fps`` and sent ``lookahead`` seconds before that, so the server
files it in its schedule and applies it on the frame nearest the tag: network and scheduling
jitter smaller than the lookahead never shows. Tags are wall-clock times (``time.time()``):
across machines, their clocks must agree (NTP) to within the lookahead.

For live input (``--input DEVICE``), each frame's features come from the sound card as it
plays (see ``input.py``) and go out at once, or ``lookahead`` ahead if asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort

from oscserver.audio.analysis.features import AudioFeatures, FeatureFrame
from oscserver.audio.analysis.song import analyse_file
from oscserver.audio.errors import AudioError
from oscserver.audio.live.osc_out import DriveReport, OscOut
from oscserver.audio.mappings import Mapping, make_mapping
from oscserver.audio.mappings.messages import Message
from oscserver.audio.mappings.target import ControlTarget
from oscserver.generator.contract import GeneratorSpec
from oscserver.generator.reading import read_generator, resolve_model_path

log = logging.getLogger("oscserver.audio")


@dataclass(frozen=True, slots=True)
class DriveSettings:
    """Everything ``oscserver drive`` takes."""

    song: Path | None
    host: str = "127.0.0.1"
    port: int = 9000
    mapping: str = "chroma"
    knobs: dict[str, object] = field(default_factory=dict)
    fps: float = 30.0
    lookahead: float = 0.1
    """Seconds each bundle is sent ahead of its time tag."""
    play: bool = False
    input_device: str | None = None
    model: str = "default"
    """The generator the server runs (for its address space); 'default' or a file."""
    seed: int = 0
    start_delay: float = 0.5
    """Seconds from the start message to the song's first frame."""


def read_spec(model: str) -> GeneratorSpec:
    """The generator's contract (its inputs), read from the file without rendering."""
    path = resolve_model_path(model)
    if not path.is_file():
        raise AudioError(f"model file {path} does not exist")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises several unrelated types for bad files
        raise AudioError(f"{path} is not a loadable ONNX model: {exc}") from exc
    return read_generator(session, path)


def drive_song(
    settings: DriveSettings,
    on_start: Callable[[float], None] | None = None,
    stop: threading.Event | None = None,
) -> DriveReport:
    """Analyse ``settings.song`` and send its trajectory in real time. ``on_start`` gets the
    wall-clock time of the first frame before anything is tagged for it; ``stop`` ends early."""
    if settings.song is None:
        raise AudioError("no song given (or use --input DEVICE for live input)")
    if not 0 <= settings.lookahead <= 10:
        raise AudioError(f"--lookahead must be 0 to 10000 ms, got {settings.lookahead * 1000:g}")
    stop = stop or threading.Event()
    spec = read_spec(settings.model)
    mapping = _mapping(settings, spec)
    features = analyse_file(settings.song, settings.fps)
    mapping.prepare(features)
    player = None
    if settings.play:
        from oscserver.audio.live.playback import SongPlayer

        player = SongPlayer(settings.song)
    out = OscOut(settings.host, settings.port, spec)
    try:
        out.send(mapping.start(), None)
        start = time.time() + settings.start_delay + settings.lookahead
        out.report.started_at = start
        if on_start is not None:
            on_start(start)
        log.info(
            "driving %s:%d with %s: %s (%.1f s), %d frames at %g fps, lookahead %.0f ms",
            settings.host,
            settings.port,
            settings.mapping,
            settings.song.name,
            features.duration,
            len(features),
            settings.fps,
            settings.lookahead * 1000,
        )
        if player is not None:
            threading.Thread(
                target=player.start_at, args=(start,), name="song-playback", daemon=True
            ).start()
        # (due, order, what): at the same time, the beat (order 0) goes before the frame.
        events: list[tuple[float, int, FeatureFrame | list[Message]]] = [
            (start + f.index / settings.fps, 1, f) for f in features.frames()
        ]
        events += [(start + t, 0, m) for t, m in beat_messages(features)]
        for due, _, event in sorted(events, key=lambda e: (e[0], e[1])):
            if stop.wait(max(0.0, due - settings.lookahead - time.time())):
                break
            if isinstance(event, FeatureFrame):
                out.send(mapping.frame(event), due)
            else:
                out.send(event, due)
                out.report.beats += 1
        if player is not None:  # let the song play out before closing the sound output
            stop.wait(max(0.0, start + features.duration + player.latency - time.time()))
    finally:
        out.close()
        if player is not None:
            player.stop()
    _log_report(out.report)
    return out.report


def drive_input(settings: DriveSettings, stop: threading.Event | None = None) -> DriveReport:
    """Analyse sound card input ``settings.input_device`` live and send each frame's
    messages as it comes, until ``stop`` is set (or Ctrl+C)."""
    from oscserver.audio.live.input import open_input

    assert settings.input_device is not None
    stop = stop or threading.Event()
    spec = read_spec(settings.model)
    mapping = _mapping(settings, spec)
    stream, analyser = open_input(settings.input_device, settings.fps)
    out = OscOut(settings.host, settings.port, spec)
    try:
        out.send(mapping.start(), None)
        stream.start()
        start = time.time()
        out.report.started_at = start
        log.info("driving %s:%d from input %r", settings.host, settings.port, settings.input_device)
        index = 0
        while not stop.wait(max(0.0, start + index / settings.fps - time.time())):
            behind = int((time.time() - start) * settings.fps) - index
            index += max(0, behind)  # a stalled loop skips frames, never queues them
            when = time.time() + settings.lookahead if settings.lookahead > 0 else None
            out.send(mapping.frame(analyser.frame(index)), when)
            index += 1
    finally:
        stream.stop()
        stream.close()
        out.close()
    _log_report(out.report)
    return out.report


def beat_messages(features: AudioFeatures) -> list[tuple[float, list[Message]]]:
    """For the server's beat clock: ``/beat K`` at each beat librosa found (time-tagged to the
    beat), with ``/tempo`` from the beats around it whenever it moves by more than 1 BPM.

    Beats whose spacing is more than 20% off the song's typical beat (the tracker's guesses at
    the very start or end of a file) are left out; K counts beats by the typical spacing, so a
    beat left out does not shift the count."""
    times = np.asarray(features.beat_times, np.float64)
    if times.size < 2:
        return []
    typical = float(np.median(np.diff(times)))
    kept, counts = [times[0]], [0]
    for when in times[1:]:
        beats = (when - kept[-1]) / typical
        if abs(beats - round(beats)) <= 0.2 and round(beats) >= 1:
            kept.append(when)
            counts.append(counts[-1] + round(beats))
    events: list[tuple[float, list[Message]]] = []
    sent_tempo = None
    for i, (when, count) in enumerate(zip(kept, counts, strict=True)):
        lo, hi = max(0, i - 4), min(len(kept), i + 5)
        spacing = np.diff(kept[lo:hi]) / np.maximum(np.diff(counts[lo:hi]), 1)
        bpm = float(np.clip(60.0 / float(np.median(spacing)), 20, 999))
        messages: list[Message] = []
        if sent_tempo is None or abs(bpm - sent_tempo) > 1.0:
            messages.append(("/tempo", (round(bpm, 3),)))
            sent_tempo = bpm
        messages.append(("/beat", (float(count),)))
        events.append((float(when), messages))
    return events


def _mapping(settings: DriveSettings, spec: GeneratorSpec) -> Mapping:
    target = ControlTarget.from_spec(spec)
    return make_mapping(settings.mapping, settings.knobs, target, settings.fps, settings.seed)


def _log_report(report: DriveReport) -> None:
    if report.late:
        log.warning(
            "sent %d bundles; %d left after their time tag (up to %.0f ms): raise --lookahead",
            report.bundles,
            report.late,
            report.worst_late * 1000,
        )
    else:
        log.info("sent %d bundles, none late", report.bundles)
