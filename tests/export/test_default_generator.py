"""The embedded default generator: the shipped file, contract metadata and visible behaviour.

Behaviour is asserted on real ONNX Runtime sessions of the shipped file made ready for a size
as the server makes it (``generator/graph.prepared``: the pixel coordinates baked in); torch is
only needed for the tests that re-export.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from oscserver.generator.contract import pixel_axes
from oscserver.generator.graph import prepared
from oscserver.generator.noise import truncated_noise

MODELS = Path(__file__).resolve().parents[2] / "oscserver" / "models"
SHIPPED = MODELS / "default.onnx"
SIZES = (256, 512)
ROLES = {"class_weights", "noise", "scalar", "vector", "feedback", "pixel_x", "pixel_y"}
DEFAULT_CLASS = 780
CLASSES = (0, 1, 207, 388, 780, 980)  # any one-hots; 780 is the default


def _session(width: int, height: int | None = None) -> ort.InferenceSession:
    """The shipped file made ready to draw ``width`` x ``height`` (default: square)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    model = prepared(SHIPPED, (width, height or width), None)
    assert model is not None
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _shipped_session() -> ort.InferenceSession:
    return ort.InferenceSession(str(SHIPPED), providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    return _session(256)


@pytest.fixture(scope="module")
def sessions() -> dict[int, ort.InferenceSession]:
    return {size: _session(size) for size in SIZES}


def one_hot(*weights: tuple[int, float]) -> np.ndarray:
    c = np.zeros((1, 1000), np.float32)
    for index, weight in weights:
        c[0, index] = weight
    return c


def render(sess, class_weights, noise, truncation: float) -> np.ndarray:
    feeds = {
        "class": np.asarray(class_weights, np.float32),
        "noise": np.asarray(noise, np.float32),
        "truncation": np.array([truncation], np.float32),
    }
    frame = sess.run(None, feeds)[0]
    return frame[0].astype(np.float32)


def mad(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference in 8-bit levels."""
    return float(np.abs(a - b).mean())


def colour_histogram(frame: np.ndarray) -> np.ndarray:
    q = (frame // 32).astype(np.int64)
    h = np.bincount((q[..., 0] * 64 + q[..., 1] * 8 + q[..., 2]).ravel(), minlength=512)
    return h / h.sum()


def gradient_energy(frame: np.ndarray) -> float:
    """Mean absolute luminance step between neighbouring pixels."""
    g = frame.mean(axis=2)
    return float(np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean())


def high_frequency_share(frame: np.ndarray) -> float:
    """Share of the luminance spectrum's energy above 0.05 cycles per pixel."""
    g = frame.mean(axis=2)
    power = np.abs(np.fft.fft2(g - g.mean())) ** 2
    fy = np.fft.fftfreq(g.shape[0])[:, None]
    fx = np.fft.fftfreq(g.shape[1])[None, :]
    return float(power[np.hypot(fx, fy) > 0.05].sum() / power.sum())


def colourfulness(frame: np.ndarray) -> float:
    return float((frame.max(axis=2) - frame.min(axis=2)).mean())


def unit_direction(seed: int) -> np.ndarray:
    d = np.random.default_rng(seed).standard_normal((1, 128))
    return (d / np.linalg.norm(d)).astype(np.float32)


# ---------------------------------------------------------------------------- files, contract


def test_shipped_file_is_small_and_draws_any_size():
    assert SHIPPED.stat().st_size < 5_000_000  # 3 MB of it: 1000 class pictures, 32x32 uint8
    sess = _shipped_session()
    out = sess.get_outputs()[0]
    assert out.name == "image"
    assert out.type == "tensor(uint8)"
    assert out.shape[0] == 1 and out.shape[3] == 3
    assert all(isinstance(d, str) for d in out.shape[1:3])  # height and width: any
    shapes = {i.name: (i.shape, i.type) for i in sess.get_inputs()}
    assert shapes["class"] == ([1, 1000], "tensor(float)")
    assert shapes["noise"] == ([1, 128], "tensor(float)")
    assert shapes["truncation"] == ([1], "tensor(float)")
    assert set(shapes) == {"class", "noise", "truncation", "pixel_x", "pixel_y"}
    assert all(isinstance(shapes[n][0][0], str) for n in ("pixel_x", "pixel_y"))


@pytest.mark.parametrize("size", SIZES)
def test_made_ready_for_a_size_it_takes_only_the_controls(sessions, size):
    sess = sessions[size]
    assert sess.get_outputs()[0].shape == [1, size, size, 3]
    assert {i.name for i in sess.get_inputs()} == {"class", "noise", "truncation"}


@pytest.mark.parametrize(("width", "height"), [(448, 252), (200, 360), (333, 77)])
def test_another_aspect_is_the_square_look_framed_wider_not_squashed(width, height):
    """The short side spans the square's [-1, 1]: the wide frame's middle square is the square
    frame, pixel for pixel, and the rest goes on with the same pattern (no flat edges)."""
    short = min(width, height)
    z = truncated_noise(3, 128)[None]
    square = render(_session(short), one_hot((DEFAULT_CLASS, 1.0)), z, 0.6)
    wide = render(_session(width, height), one_hot((DEFAULT_CLASS, 1.0)), z, 0.6)
    assert wide.shape == (height, width, 3)
    left, top = (width - short) // 2, (height - short) // 2
    middle = wide[top : top + short, left : left + short]
    assert float(np.abs(middle - square).max()) <= 1.0
    for edge in (wide[:top], wide[top + short :], wide[:, :left], wide[:, left + short :]):
        if edge.size:
            assert edge.std() > 8  # the marbling goes on beyond the square
    # Squashing would not match: the square scaled to the wide size differs a lot.
    x_square, _ = pixel_axes(short, short)
    x_wide, _ = pixel_axes(width, height)
    assert x_wide[left : left + short] == pytest.approx(x_square, abs=1e-6)


def test_metadata_follows_the_contract():
    sess = _shipped_session()
    meta = sess.get_modelmeta().custom_metadata_map
    assert meta["oscserver.contract"] == "1"
    assert meta["oscserver.name"] == "default"
    assert meta["oscserver.description"]
    assert json.loads(meta["oscserver.output"]) == {"layout": "NHWC", "range": [0, 255]}
    inputs = {i.name: i for i in sess.get_inputs()}
    described = {
        k.removeprefix("oscserver.input.") for k in meta if k.startswith("oscserver.input.")
    }
    assert described == set(inputs)
    specs = {name: json.loads(meta[f"oscserver.input.{name}"]) for name in inputs}
    for name, spec in specs.items():
        assert spec["role"] in ROLES, name
        assert spec["description"], name
        if spec["role"] in ("pixel_x", "pixel_y"):
            assert "range" not in spec and "default" not in spec  # the server fills them
            continue
        lo, hi = spec["range"]
        assert lo < hi
        n = int(np.prod(inputs[name].shape))
        if "default" in spec:
            default = np.broadcast_to(np.asarray(spec["default"], np.float64), (n,))
            assert np.asarray(spec["default"]).size in (1, n)
            assert default.min() >= lo and default.max() <= hi, name
        else:
            assert spec["role"] == "noise" and isinstance(spec["seed"], int)
    assert specs["class"]["role"] == "class_weights"
    assert specs["class"]["range"] == [0, 1]
    assert len(specs["class"]["default"]) == 1000
    assert np.argmax(specs["class"]["default"]) == DEFAULT_CLASS
    assert sum(specs["class"]["default"]) == 1
    assert specs["noise"] == {
        "role": "noise",
        "range": [-2, 2],
        "seed": 0,
        "description": specs["noise"]["description"],
    }
    assert specs["truncation"]["role"] == "scalar"
    assert specs["truncation"]["range"] == [0.02, 1]
    assert specs["truncation"]["default"] == 0.5


def test_default_frame_is_rich_and_same_picture_at_512(sessions):
    z = truncated_noise(0, 128)[None]
    small = render(sessions[256], one_hot((DEFAULT_CLASS, 1.0)), z, 0.5)
    big = render(sessions[512], one_hot((DEFAULT_CLASS, 1.0)), z, 0.5)
    assert small.std() > 20  # not a flat wash (the schooner picture: about 25)
    assert len(np.unique(small.astype(np.uint8).reshape(-1, 3), axis=0)) > 5000
    assert (colour_histogram(small) > 0.005).sum() >= 10  # several colours in real use
    # Same weights, finer grid: the 512 frame averaged 2x2 is the 256 frame.
    assert mad(big.reshape(256, 2, 256, 2, 3).mean(axis=(1, 3)), small) < 1.5


# ---------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("truncation", [0.3, 1.0])
def test_small_noise_steps_give_small_smooth_changes(session, truncation):
    z0 = truncated_noise(0, 128)[None]
    d = unit_direction(5)
    frames = [
        render(session, one_hot((DEFAULT_CLASS, 1.0)), z0 + 0.1 * k * d, truncation)
        for k in range(11)
    ]
    steps = np.array([mad(a, b) for a, b in itertools.pairwise(frames)])
    assert steps.max() < 6.0  # a 0.1 step of a norm-11 latent: a few levels at most
    assert steps.max() < 1.3 * steps.min()  # even steps: no jumps along the chain
    assert mad(frames[0], frames[-1]) > 5 * steps.mean()  # and it really goes somewhere


@pytest.mark.parametrize("control", ["noise", "class", "truncation"])
def test_every_control_is_continuous(session, control):
    """Shrinking the step shrinks the change in proportion (no discontinuities)."""
    z0 = truncated_noise(1, 128)[None]
    d = unit_direction(6)
    base = {"class_weights": one_hot((DEFAULT_CLASS, 1.0)), "noise": z0, "truncation": 0.6}

    def moved(h: float) -> dict:
        args = dict(base)
        if control == "noise":
            args["noise"] = z0 + h * d
        elif control == "class":
            args["class_weights"] = one_hot((DEFAULT_CLASS, 1.0 - h), (980, h))
        else:
            args["truncation"] = 0.6 + h
        return args

    ref = render(session, **base)
    diffs = [mad(render(session, **moved(h)), ref) for h in (0.08, 0.02, 0.005)]
    assert diffs[0] > 0.5  # the control does something
    assert diffs[1] < 0.4 * diffs[0]
    assert diffs[2] < 0.4 * diffs[1]


def test_class_morph_has_no_jumps(session):
    z = truncated_noise(0, 128)[None]
    frames = [
        render(session, one_hot((DEFAULT_CLASS, 1 - k / 20), (980, k / 20)), z, 0.5)
        for k in range(21)
    ]
    steps = np.array([mad(a, b) for a, b in itertools.pairwise(frames)])
    assert steps.max() < 2.5 * np.median(steps)
    assert steps.max() < 30.0  # a 5 % move of the class weights: a modest change


def test_distinct_classes_look_distinct(session):
    z = truncated_noise(0, 128)[None]
    frames = [render(session, one_hot((c, 1.0)), z, 0.5) for c in CLASSES]
    nearby = render(session, one_hot((DEFAULT_CLASS, 1.0)), z + 0.1 * unit_direction(5), 0.5)
    same = frames[CLASSES.index(DEFAULT_CLASS)]
    step = mad(same, nearby)
    hists = [colour_histogram(f) for f in frames]
    for i in range(len(CLASSES)):
        for j in range(i + 1, len(CLASSES)):
            assert mad(frames[i], frames[j]) > max(30.0, 15 * step), (CLASSES[i], CLASSES[j])
            overlap = np.minimum(hists[i], hists[j]).sum()
            # Classes differ by what they show (above) more than by palette since the class
            # pictures (tench and schooner share about half their colours).
            assert overlap < 0.6, (CLASSES[i], CLASSES[j], overlap)
    assert np.minimum(colour_histogram(same), colour_histogram(nearby)).sum() > 0.9


def test_truncation_moves_from_calm_to_wild(session):
    truncations = (0.02, 0.25, 0.5, 0.75, 1.0)
    hf = np.zeros(len(truncations))
    colour = np.zeros(len(truncations))
    for seed in range(4):
        z = truncated_noise(seed, 128)[None]
        c = one_hot((CLASSES[seed], 1.0))
        frames = [render(session, c, z, t) for t in truncations]
        grads = [gradient_energy(f) for f in frames]
        assert all(a < b for a, b in itertools.pairwise(grads)), (seed, grads)
        assert grads[-1] > 8 * grads[0]
        hf += [high_frequency_share(f) for f in frames]
        colour += [colourfulness(f) for f in frames]
    assert all(a < b for a, b in itertools.pairwise(hf[1:])), hf
    assert hf[-1] > 5 * hf[0]  # calm frames: low spatial frequencies only
    assert colour[-1] > 1.15 * colour[0]  # wild frames: stronger colour


def test_out_of_range_values_do_not_break_the_graph(session):
    """The server rejects them, but the graph itself stays finite and in range."""
    frame = render(session, np.ones((1, 1000)), np.full((1, 128), 2.0), 1.0)
    assert frame.min() >= 0 and frame.max() <= 255


# ---------------------------------------------------------------------------- export


def test_export_command_reproduces_the_shipped_file(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from oscserver_export.cli import main
    from oscserver_export.default.commands import default_model_path

    out = tmp_path / "default.onnx"
    assert main(["default", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "max diff" in printed and "MB" in printed
    assert default_model_path() == SHIPPED
    assert out.read_bytes() == SHIPPED.read_bytes(), (
        "re-exported default.onnx differs: run `oscserver export default`"
    )
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temporary files


def test_class_picture_file_errors_name_the_file(tmp_path):
    pytest.importorskip("torch")
    from oscserver_export.default.generator import load_pictures

    with pytest.raises(ValueError, match=r"none\.npz: the class pictures are missing"):
        load_pictures(tmp_path / "none.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"garbage\.npz: not a class-picture file"):
        load_pictures(garbage)
    small = tmp_path / "small.npz"
    np.savez(small, pictures=np.zeros((10, 3072), np.uint8))
    with pytest.raises(ValueError, match=r"small\.npz: pictures are uint8 \(10, 3072\); need"):
        load_pictures(small)
    floats = tmp_path / "floats.npz"
    np.savez(floats, pictures=np.zeros((1000, 3072), np.float32))
    with pytest.raises(ValueError, match=r"floats\.npz: pictures are float32"):
        load_pictures(floats)
    shipped = Path(__file__).parents[2] / "oscserver_export" / "default" / "class_pictures.npz"
    assert load_pictures(shipped).shape == (1000, 3072)


def test_export_refuses_a_generator_that_onnx_runtime_does_not_reproduce(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from oscserver.generator.contract import InputDeclaration
    from oscserver_export.writer.errors import ExportCheckError
    from oscserver_export.writer.generator_file import export_generator

    class Drifting(torch.nn.Module):
        """Eager output drifts after tracing, so ONNX Runtime and PyTorch disagree."""

        def __init__(self):
            super().__init__()
            self.calls = 0

        def forward(self, level):
            self.calls += 1
            return (level.reshape(1, 1, 1, 1) + 10.0 * self.calls).expand(1, 4, 4, 3)

    spec = InputDeclaration("level", (1,), "scalar", range=(0.0, 1.0), default=0.5, description="x")
    target = tmp_path / "drift.onnx"
    with pytest.raises(ExportCheckError, match="differ by"):
        export_generator(Drifting(), [spec], "NHWC", (0, 255), "drift", target)
    assert not target.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "colour"}, "unknown role"),
        ({"default": [0.1, 0.2]}, "has 2 numbers"),
        ({"default": 3.0}, "outside the range"),
        ({"range": None}, "needs a range"),
        ({"shape": (1, 4, 2)}, "shape"),
    ],
)
def test_input_spec_validation_names_the_problem(kwargs, message):
    from oscserver.generator.contract import InputDeclaration
    from oscserver_export.writer.errors import ExportError
    from oscserver_export.writer.generator_file import validated

    fields = {"name": "v", "shape": (1, 3), "role": "vector", "range": (0.0, 1.0), "default": 0.5}
    fields.update(kwargs)
    with pytest.raises(ExportError, match=message):
        validated(InputDeclaration(**fields))


def test_noise_seed_matches_biggan_truncated_noise():
    from scipy.stats import truncnorm

    expected = truncnorm(-2, 2).rvs(size=(1, 128), random_state=np.random.RandomState(0))
    np.testing.assert_allclose(truncated_noise(0, 128)[None], expected.astype(np.float32))
