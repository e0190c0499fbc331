"""`oscserver export biggan`: the package's real BigGAN-deep 128 architecture (random weights,
saved in pytorch-pretrained-biggan's folder layout) exported with truncation as an input,
matched against the package's own forward, and played by the server over OSC."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("pytorch_pretrained_biggan")

from oscserver.generator.noise import truncated_noise  # noqa: E402
from oscserver.generator.runtime import GeneratorRuntime  # noqa: E402
from oscserver.server import ServeConfig, Server  # noqa: E402
from oscserver_export.biggan.generator import export_biggan_model  # noqa: E402
from oscserver_export.biggan.model import (  # noqa: E402
    BigGANGenerator,
    PackageReference,
    biggan_config,
    random_biggan,
    statistics_weights,
)
from oscserver_export.biggan.weights import load_biggan  # noqa: E402
from oscserver_export.cli import main as export_main  # noqa: E402
from tests.support import OscSender, free_udp_port  # noqa: E402


def _jitter_statistics(model, seed: int = 5) -> None:
    """Make every stored row of statistics differ from its neighbours (real ones are smooth),
    so that reading the wrong row, or interpolating wrongly, shows in the picture."""
    from pytorch_pretrained_biggan.model import BigGANBatchNorm

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for norm in model.modules():
            if isinstance(norm, BigGANBatchNorm):
                std = norm.running_vars.sqrt()
                shape = norm.running_means.shape
                norm.running_means += 0.3 * std * torch.randn(shape, generator=gen)
                norm.running_vars *= torch.exp(0.3 * torch.randn(shape, generator=gen))


def _save_folder(model, folder):
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "config.json").write_text(model.config.to_json_string())
    return folder


@pytest.fixture(scope="module")
def biggan_model():
    model = random_biggan(biggan_config(128), seed=0)
    _jitter_statistics(model)
    return model


@pytest.fixture(scope="module")
def biggan_file(biggan_model, tmp_path_factory):
    """Exported through the CLI from a weights folder, as a user would."""
    folder = _save_folder(biggan_model, tmp_path_factory.mktemp("weights") / "biggan-deep-128")
    path = tmp_path_factory.mktemp("onnx") / "biggan-128.onnx"
    argv = ["biggan", "--weights", str(folder), "--resolution", "128", "-o", str(path)]
    assert export_main(argv) == 0
    return path


@pytest.fixture(scope="module")
def biggan_runtime(biggan_file):
    return GeneratorRuntime(biggan_file, provider="cpu", threads=2)


def _inputs(truncation: float) -> dict[str, np.ndarray]:
    weights = np.zeros((1, 1000), np.float32)
    weights[0, 3], weights[0, 100] = 1.0, 0.5
    noise = truncated_noise(3, 128).reshape(1, 128)
    return {"class": weights, "noise": noise, "truncation": np.array([truncation], np.float32)}


def _torch(feeds):
    return [torch.from_numpy(feeds[name]) for name in ("class", "noise", "truncation")]


def test_statistics_weights_interpolate_between_stored_truncations():
    def weights(t):
        return statistics_weights(torch.tensor([t]), 51)[0].numpy()

    for t, row in ((0.2, 10), (0.5, 25), (1.0, 50), (0.02, 1)):
        expected = np.zeros(51, np.float32)
        expected[row] = 1.0
        np.testing.assert_array_equal(weights(t), expected)
    halfway = weights(0.37)  # row 18.5
    assert halfway[18] == pytest.approx(0.5) and halfway[19] == pytest.approx(0.5)
    assert halfway.sum() == pytest.approx(1.0)


def test_export_matches_the_package_at_truncations(biggan_runtime, biggan_model):
    session = biggan_runtime.session
    reference = PackageReference(biggan_model)
    pictures = []
    for t in (0.2, 0.5, 1.0):
        feeds = _inputs(t)
        got = session.run(None, feeds)[0]
        with torch.inference_mode():
            expected = reference(*_torch(feeds)).numpy()
        assert got.shape == (1, 128, 128, 3) and got.dtype == np.uint8
        assert np.abs(got.astype(int) - expected).max() <= 2, t
        pictures.append(got.astype(int))
    # One file serves every truncation: the pictures differ.
    assert np.abs(pictures[0] - pictures[1]).mean() > 5
    assert np.abs(pictures[1] - pictures[2]).mean() > 5


def test_between_stored_truncations_statistics_are_interpolated(biggan_runtime, biggan_model):
    """At 0.37 (row 18.5) the file must equal the package model whose every row holds the
    average of rows 18 and 19 (so that any lookup of the package reads the interpolation)."""
    import copy

    from pytorch_pretrained_biggan.model import BigGANBatchNorm

    blended = copy.deepcopy(biggan_model)
    with torch.no_grad():
        for norm in blended.modules():
            if isinstance(norm, BigGANBatchNorm):
                for table in (norm.running_means, norm.running_vars):
                    table[:] = 0.5 * (table[18] + table[19])
    feeds = _inputs(0.37)
    got = biggan_runtime.session.run(None, feeds)[0]
    with torch.inference_mode():
        expected = PackageReference(blended)(*_torch(feeds)).numpy()
    assert np.abs(got.astype(int) - expected).max() <= 2


def test_biggan_file_follows_the_contract(biggan_runtime):
    runtime = biggan_runtime
    spec = runtime.spec
    assert spec.name == "biggan-deep-128"
    assert [(s.name, s.role, s.shape) for s in spec.inputs] == [
        ("class", "class_weights", (1, 1000)),
        ("noise", "noise", (1, 128)),
        ("truncation", "scalar", (1,)),
    ]
    assert (spec.input("class").low, spec.input("class").high) == (0.0, 1.0)
    assert spec.input("noise").seed == 0 and spec.input("noise").high == 2.0
    assert (spec.input("truncation").low, spec.input("truncation").high) == (0.02, 1.0)
    assert spec.input("class").default[207] == 1.0
    fmt = runtime.frame_format
    assert (fmt.width, fmt.height, fmt.channels) == (128, 128, 3)
    assert spec.output.layout == "NHWC" and spec.output.dtype == np.uint8


def test_server_plays_biggan_over_osc(biggan_file):
    async def frame_after(server, seq, timeout=30.0):
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            latest = server.bus.latest
            if latest is not None and latest.osc_seq >= seq:
                return latest.pixels.astype(int)
            await asyncio.sleep(0.01)
        raise AssertionError(f"no frame with osc_seq >= {seq} within {timeout} s")

    async def main():
        config = ServeConfig.from_flat(
            model=str(biggan_file),
            osc_port=free_udp_port(),
            shm=None,
            http_port=None,
            fps=10.0,
            status_interval=0,
            threads=2,
        )
        server = await Server.start(config)
        try:
            with OscSender(server.osc_port) as osc:
                osc.send("/smooth", 0.0)
                start = await frame_after(server, 1)
                changes = [
                    ("/class/set", 207, 0.0, 980, 1.0),
                    ("/noise/seed", 42),
                    ("/truncation", 0.9),
                ]
                previous = start
                for seq, (address, *args) in enumerate(changes, start=2):
                    osc.send(address, *args)
                    frame = await frame_after(server, seq)
                    assert np.abs(frame - previous).mean() > 3, address
                    previous = frame
            assert server.status()["osc"]["accepted"] == 4
        finally:
            await server.stop()

    asyncio.run(main())


def test_missing_weights_folder_says_what_to_put_where(tmp_path, capsys):
    argv = ["biggan", "--weights", str(tmp_path / "nope"), "--resolution", "256", "-o"]
    assert export_main([*argv, str(tmp_path / "x.onnx")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "pytorch_model.bin" in err and "config.json" in err
    assert "biggan-deep-256-pytorch_model.bin" in err and "never downloads" in err


def test_incomplete_or_wrong_weights_folders(tmp_path, biggan_model):
    from oscserver_export.biggan.weights import BigGANWeightsError

    only_config = tmp_path / "only-config"
    only_config.mkdir()
    (only_config / "config.json").write_text(biggan_model.config.to_json_string())
    with pytest.raises(BigGANWeightsError, match=r"lacks pytorch_model\.bin \(it holds: config"):
        load_biggan(only_config, 128)
    with pytest.raises(BigGANWeightsError, match=r"holds a 128x128 BigGAN.*--resolution 128"):
        load_biggan(only_config, 256)
    (only_config / "pytorch_model.bin").write_bytes(b"not a state dict")
    with pytest.raises(BigGANWeightsError, match="not a PyTorch state dict"):
        load_biggan(only_config, 128)
    (only_config / "config.json").write_text(json.dumps({"output_dim": 128}))
    with pytest.raises(BigGANWeightsError, match="lacks z_dim"):
        load_biggan(only_config, 128)


def test_fp16_export_halves_the_file_and_renders(tmp_path):
    # The package's classes in a small configuration (4 up-sampling blocks, width 16, 64x64):
    # this test is about precision and file size, not BigGAN-deep's exact shape.
    from pytorch_pretrained_biggan import BigGANConfig

    layers = [(True, 16, 8), (True, 8, 4), (True, 4, 2), (True, 2, 1)]
    config = BigGANConfig(
        output_dim=64, channel_width=16, layers=layers, attention_layer_position=2
    )
    small = random_biggan(config, seed=1)
    path = tmp_path / "half.onnx"
    report = export_biggan_model(small, path, fp16=True)
    traceable = BigGANGenerator(small).eval()
    float32_bytes = sum(t.numel() * 4 for t in traceable.state_dict().values())
    assert 0.45 < report.file_bytes / float32_bytes < 0.55
    assert report.max_diff <= 16 and report.tolerance == 16
    assert report.checks_max_diff is not None  # compared with the package's own forward
    runtime = GeneratorRuntime(path, provider="cpu", threads=2)
    assert runtime.spec.name == "biggan-deep-64-fp16"
    assert all(s.dtype == np.float32 for s in runtime.spec.inputs)
    values = {s.name: s.default for s in runtime.spec.controls}
    with torch.inference_mode():
        args = [torch.from_numpy(values[s.name].reshape(s.shape)) for s in runtime.spec.inputs]
        expected = traceable(*args)[0].numpy().astype(int)
    assert np.abs(runtime.draw(values).astype(int) - expected).mean() < 2


@pytest.mark.parametrize("fit", ["crop", "contain", "stretch"])
def test_biggan_128_fills_a_720p_ring_under_each_fit(biggan_file, fit):
    """BigGAN exported at 128 and served at --size 1280x720: the ring is 1280x720 whatever the
    fit; contain pillarboxes the square in black, crop and stretch reach the edges, and the
    picture is BigGAN's (the middle of contain is its frame scaled up)."""
    from oscserver.client import FrameReader
    from oscserver.core.frame import FrameFormat
    from oscserver.generator.fitting import Fit, fit_pixels
    from tests.support import serve_config, unique_name

    async def main():
        shm = unique_name(f"biggan-{fit}")
        config = serve_config(biggan_file, shm=shm, fps=10.0, threads=2, size="720p", fit=fit)
        server = await Server.start(config)
        try:
            with FrameReader(shm) as reader:
                got = await asyncio.to_thread(reader.wait, 30.0)
                assert got is not None and reader.shape == (720, 1280, 3)
            runtime = server.stages.current.runtime
            assert runtime.spec.output.frame_format.size == (128, 128)  # drawn at its own size
            drawn = runtime.drawn
            assert drawn is not None
        finally:
            await server.stop()
        frame = got[0].astype(int)
        sides = np.concatenate([frame[:, :200], frame[:, -200:]], axis=1)
        if fit == "contain":
            assert sides.max() == 0
            middle = frame[:, 280:1000]
            assert middle.std() > 10
        else:
            assert sides.std() > 10
        # Nothing moves the controls, so every frame is the same drawing: fitted on the host,
        # it is what the ring holds.
        expected = fit_pixels(drawn, Fit(FrameFormat(1280, 720, 3), fit)).astype(int)
        assert np.abs(expected - frame).max() <= 1

    asyncio.run(main())
