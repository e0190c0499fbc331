"""Reading generator files: the contract is enforced with messages that say what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from oscserver.core.errors import GeneratorError
from oscserver.generator.noise import truncated_noise
from oscserver.generator.runtime import GeneratorRuntime, choose_providers
from tests.support import TINY_META, build_tiny_generator


def test_reads_roles_ranges_and_defaults(tiny_generator):
    runtime = GeneratorRuntime(tiny_generator, provider="cpu", threads=1)
    spec = runtime.spec
    assert [c.name for c in spec.controls] == ["class", "noise", "truncation"]
    assert spec.input("class").role == "class_weights" and spec.input("class").length == 8
    noise = spec.input("noise")
    assert noise.low == -2 and noise.high == 2
    np.testing.assert_array_equal(noise.default, truncated_noise(0, 4))
    assert spec.input("truncation").default.tolist() == [0.5]
    assert (spec.output.frame_format.width, spec.output.frame_format.channels) == (4, 3)
    assert runtime.provider == "CPUExecutionProvider"


def test_render_maps_float_range_to_uint8(tiny_generator):
    runtime = GeneratorRuntime(tiny_generator, provider="cpu", threads=1)
    spec = runtime.spec
    values = {c.name: c.default for c in spec.controls}
    pixels = runtime.draw(values)
    assert pixels.dtype == np.uint8 and pixels.shape == (4, 4, 3)
    raw = runtime.session.run(None, {k: v.reshape(spec.input(k).shape) for k, v in values.items()})
    expected = np.clip((raw[0][0] + 10) * (255 / 20), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(pixels, expected)
    other = runtime.draw({**values, "truncation": np.array([1.0], np.float32)})
    assert np.abs(other.astype(int) - pixels).sum() > 0


def test_truncated_noise_matches_biggan_definition():
    from scipy.stats import truncnorm

    expected = 0.7 * truncnorm(-2, 2).rvs(size=(1, 128), random_state=np.random.RandomState(5))
    np.testing.assert_allclose(truncated_noise(5, 128, 0.7), expected[0].astype(np.float32))
    assert np.abs(truncated_noise(1, 1000)).max() <= 2.0
    assert not np.allclose(truncated_noise(1, 128), truncated_noise(2, 128))


def test_missing_file(tmp_path):
    with pytest.raises(GeneratorError, match="does not exist"):
        GeneratorRuntime(tmp_path / "nope.onnx")


def test_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(b"\x08\x07this is not a protobuf" * 10)
    with pytest.raises(GeneratorError, match="not a loadable ONNX model"):
        GeneratorRuntime(path)


def test_plain_onnx_model_is_not_a_generator(tmp_path):
    path = build_tiny_generator(tmp_path / "plain.onnx", contract=None)
    with pytest.raises(GeneratorError, match=r"not a generator.*oscserver\.contract"):
        GeneratorRuntime(path)


def test_undeclared_input_is_named(tmp_path):
    path = build_tiny_generator(tmp_path / "extra.onnx", extra_input="mystery")
    with pytest.raises(GeneratorError, match=r"oscserver\.input\.mystery"):
        GeneratorRuntime(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "sparkle"}, "role 'sparkle'"),
        ({"range": [1, 0]}, "range"),
        ({"default": [0.1, 0.2]}, "list of 8 numbers"),
        ({"default": 3.0}, "outside the range"),
    ],
)
def test_bad_input_descriptions(tmp_path, change, message):
    meta = {k: dict(v) for k, v in TINY_META.items()}
    meta["class"].update(change)
    path = build_tiny_generator(tmp_path / "bad.onnx", meta=meta)
    with pytest.raises(GeneratorError, match=message):
        GeneratorRuntime(path)


def test_bad_output_description(tmp_path):
    path = build_tiny_generator(
        tmp_path / "bad.onnx", output_meta={"layout": "HWC", "range": [0, 1]}
    )
    with pytest.raises(GeneratorError, match="layout"):
        GeneratorRuntime(path)


def test_provider_choice_prefers_gpu_and_falls_back():
    available = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers(available) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers(["TensorrtExecutionProvider", *available])[0] == (
        "TensorrtExecutionProvider"
    )
    assert choose_providers(available, "cpu") == ["CPUExecutionProvider"]
    with pytest.raises(GeneratorError, match="not available"):
        choose_providers(["CPUExecutionProvider"], "tensorrt")
    with pytest.raises(GeneratorError, match="unknown provider"):
        choose_providers(available, "metal")
