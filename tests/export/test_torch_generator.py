"""`oscserver export torch`: a user's generator with declared inputs, checked and playable."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

pytest.importorskip("torch")

from oscserver.generator.runtime import GeneratorRuntime
from oscserver_export.cli import main as export_main
from oscserver_export.custom.torch_generator import parse_input, parse_shape, read_spec_file
from oscserver_export.writer.errors import ExportError

TARGET = "tests.support.torch_generators:build"
INPUTS = [
    "--input",
    "speed:scalar:1:0,2:1",  # declared out of forward's order on purpose
    "--input",
    "latent:noise:1x32:-2,2:seed=7",
    "--input",
    "mix:vector:[1,4]:0,1:0.25",
]


def test_parse_input_forms():
    noise = parse_input("latent:noise:[1,64]:-3,3")
    assert (noise.shape, noise.range, noise.seed, noise.default) == ((1, 64), (-3.0, 3.0), 0, None)
    assert parse_input("latent:noise:1x64:-3,3:seed=9").seed == 9
    mix = parse_input("mix:vector:1x3:0,1:0.1,0.2,0.3")
    assert mix.default == [0.1, 0.2, 0.3]
    assert parse_input("t:scalar:1:0.5,2").default == 0.5  # no default: closest to 0 in range
    assert parse_input("prev:feedback:1x3x8x8").role == "feedback"
    assert parse_shape("(1, 3, 8, 8)", "x") == (1, 3, 8, 8)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("latent", "NAME:ROLE:SHAPE:RANGE"),
        ("latent:sparkle:1x4:0,1", "role 'sparkle'"),
        ("latent:noise:1x4", "needs a RANGE"),
        ("latent:noise:1xfour:0,1", "shape"),
        ("latent:noise:1x4:0", "expected 2 numbers"),
        ("t:scalar:1:0,1:5", "outside the range"),
        ("mix:vector:1x3:0,1:0.1,0.2", "default has 2 numbers"),
        ("latent:noise:1x4:-2,2:seed=x", "seed=INTEGER"),
        ("prev:feedback:1x3x8x8:0,1", "feedback input takes no range"),
    ],
)
def test_bad_input_declarations_say_what_is_wrong(text, message):
    with pytest.raises(ExportError, match=message):
        parse_input(text)


@pytest.fixture(scope="module")
def blobs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("torch") / "blobs.onnx"
    assert export_main(["torch", TARGET, *INPUTS, "--name", "blobs", "-o", str(path)]) == 0
    return path


def test_export_torch_writes_a_playable_generator(blobs_file):
    runtime = GeneratorRuntime(blobs_file, provider="cpu", threads=1)
    spec = runtime.spec
    # Graph inputs follow forward(latent, mix, speed), whatever the --input order.
    assert [s.name for s in spec.inputs] == ["latent", "mix", "speed"]
    assert [s.role for s in spec.inputs] == ["noise", "vector", "scalar"]
    assert spec.input("latent").seed == 7 and spec.input("speed").default.tolist() == [1.0]
    assert spec.name == "blobs" and spec.output.layout == "NCHW"
    assert (spec.output.low, spec.output.high) == (-1.0, 1.0)
    values = {s.name: s.default for s in spec.controls}
    first = runtime.draw(values)
    assert first.shape == (16, 16, 3) and first.dtype == np.uint8
    other = runtime.draw({**values, "mix": np.array([1, 0, 0, 1], np.float32)})
    assert np.abs(other.astype(int) - first).mean() > 5


def test_undeclared_input_is_a_clear_error(tmp_path, capsys):
    code = export_main(
        [
            "torch",
            "tests.support.torch_generators:build_two_latents",
            "--input",
            "latent:noise:1x8:-2,2",
            "-o",
            str(tmp_path / "x.onnx"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "'style'" in err and "--input style:ROLE:SHAPE:RANGE" in err
    assert not (tmp_path / "x.onnx").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tests.support.torch_generators:build", "--input", "nope:scalar:1:0,1"], "'latent'"),
        (["tests.support.torch_generators:not_a_module", *INPUTS], "not a torch.nn.Module"),
        (["tests.no_such_module:build", *INPUTS], "cannot import"),
        (["tests.support.torch_generators", *INPUTS], "PACKAGE.MODULE:FACTORY"),
        (["tests.support.torch_generators:build"], "declare the generator's inputs"),
        ([TARGET, *INPUTS[:4], "--input", "extra:scalar:1:0,1", *INPUTS[4:]], "'extra'"),
    ],
)
def test_export_torch_errors(tmp_path, capsys, argv, message):
    assert export_main(["torch", *argv, "-o", str(tmp_path / "x.onnx")]) == 1
    assert message in capsys.readouterr().err


def test_spec_file_and_fp16_halve_the_file(tmp_path, blobs_file):
    spec = tmp_path / "blobs.toml"
    spec.write_text(
        'name = "blobs-toml"\n'
        'description = "blobs from a spec file"\n'
        "[output]\n"
        'layout = "NCHW"\n'
        "range = [-1, 1]\n"
        "[[input]]\n"
        'name = "latent"\nrole = "noise"\nshape = [1, 32]\nrange = [-2, 2]\nseed = 7\n'
        "[[input]]\n"
        'name = "mix"\nrole = "vector"\nshape = [1, 4]\nrange = [0, 1]\ndefault = 0.25\n'
        "[[input]]\n"
        'name = "speed"\nrole = "scalar"\nshape = [1]\nrange = [0, 2]\ndefault = 1.0\n'
        'description = "how far the latent reaches"\n'
    )
    declaration = read_spec_file(spec)
    assert declaration.name == "blobs-toml" and len(declaration.inputs) == 3
    path = tmp_path / "blobs-fp16.onnx"
    assert export_main(["torch", TARGET, "--spec", str(spec), "--fp16", "-o", str(path)]) == 0
    ratio = path.stat().st_size / blobs_file.stat().st_size
    assert 0.45 < ratio < 0.6, ratio
    model = onnx.load(str(path))
    floats = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    assert set(floats.values()) == {onnx.TensorProto.FLOAT}  # the server still feeds float32
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["oscserver.input.speed"])["description"] == "how far the latent reaches"
    half = GeneratorRuntime(path, provider="cpu", threads=1)
    full = GeneratorRuntime(blobs_file, provider="cpu", threads=1)
    values = {s.name: s.default for s in full.spec.controls}
    assert np.abs(half.draw(values).astype(int) - full.draw(values)).max() <= 3
