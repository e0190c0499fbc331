"""A cluster model saved before k-means came from scikit-learn still loads and plays.

``tests/data/clusters-3.npz`` was written with ``--knob save=`` by the hand-written k-means the
mapping used before scikit-learn's replaced it: 3 clusters (seed 7) fitted on the chord song
below at 15 fps. Loading it must assign the same clusters as the code that wrote it did, and
drive the spring toward the same bank vectors, in a mapping and in a render.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from oscserver.audio.analysis.features import AudioFeatures
from oscserver.audio.analysis.song import analyse_file
from oscserver.audio.live.driver import read_spec
from oscserver.audio.mappings import make_mapping
from oscserver.audio.mappings.clusters import ClusterModel
from oscserver.audio.mappings.target import ControlTarget
from oscserver.audio.video.offline_controls import OfflineControls
from oscserver.audio.video.render import RenderSettings, render_video
from tests.support.audio_songs import C_MAJOR, F_SHARP_MAJOR, chord_song

MODEL = Path(__file__).resolve().parent.parent / "data" / "clusters-3.npz"
FPS = 15.0
LABELS = [1, *[2] * 13, 1, 1, *[0] * 13, 1]
"""The cluster of each frame of the song, as the code that saved the model assigned them."""


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    """C major for a second, then F# major for a second (30 frames at 15 fps)."""
    path = tmp_path_factory.mktemp("saved") / "chords.wav"
    return chord_song(path, (C_MAJOR, F_SHARP_MAJOR), seconds_each=1.0)


@pytest.fixture(scope="module")
def features(song) -> AudioFeatures:
    return analyse_file(song, FPS)


def test_the_saved_model_loads_as_it_was_written():
    model = ClusterModel.load(MODEL)
    assert (model.clusters, model.seed, model.classes) == (3, 7, None)
    assert model.centroids.shape == (3, 64) and model.bank.shape == (3, 128)


def test_the_saved_model_assigns_the_same_clusters_and_moves_the_noise(features):
    spec = read_spec("default")
    mapping = make_mapping("clusters", {"load": str(MODEL)}, ControlTarget.from_spec(spec), FPS)
    controls = OfflineControls(spec)
    mapping.prepare(features)
    controls.send(mapping.start())
    noise = []
    for frame in features.frames():
        controls.send(mapping.frame(frame), frame.index)
        noise.append(controls.step(1.0 / FPS).values["noise"])
    assert mapping.labels == LABELS
    bank = ClusterModel.load(MODEL).bank
    assert np.array_equal(mapping.model.bank, bank)  # not refitted
    # By the end of each chord the particle is nearer its cluster's vector than any other.
    for frame, label in ((13, 2), (28, 0)):
        distances = np.linalg.norm(bank - noise[frame], axis=1)
        assert int(np.argmin(distances)) == label, (frame, distances)


def render(song: Path, video: Path, seed: int) -> list[np.ndarray]:
    settings = RenderSettings(
        song, video, mapping="clusters", knobs={"load": str(MODEL)}, fps=FPS, seed=seed
    )
    assert render_video(settings, show_progress=False).frames == len(LABELS)
    with av.open(str(video)) as container:
        return [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]


def test_a_render_with_the_saved_model(song, tmp_path):
    frames = render(song, tmp_path / "seed3.mp4", seed=3)
    assert len(frames) == len(LABELS)
    # The model's vectors decide the pictures, not the seed (nothing is fitted or drawn).
    again = render(song, tmp_path / "seed4.mp4", seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again, strict=True))
    # The picture moves with the cluster: far more from one chord's end to the other's than
    # within a chord.
    across = np.abs(frames[13] - frames[28]).mean()
    within = max(np.abs(frames[12] - frames[13]).mean(), np.abs(frames[27] - frames[28]).mean())
    assert across > 2 * within, (across, within)
