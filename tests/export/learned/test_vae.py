"""The frame VAE (oscserver_export/learned/vae.py): it learns the footage, and its decoder plays as
a generator."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from oscserver.generator.runtime import GeneratorRuntime  # noqa: E402
from oscserver.server import Server  # noqa: E402
from oscserver_export.learned.footage import FootageConfig, render_frames  # noqa: E402
from oscserver_export.learned.vae import (  # noqa: E402
    FrameVAE,
    VaeConfig,
    export_vae,
    load_checkpoint,
    save_checkpoint,
    train_vae,
)
from tests.support import OscSender, serve_config, wait_for  # noqa: E402

LATENT = 8


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny VAE trained for a few epochs on 96 frames, exported with its checkpoint."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # steadier than 2 on a shared 2-core machine
    try:
        frames = render_frames(FootageConfig(size=64, frames=96, seed=0))
        config = VaeConfig(size=64, latent=LATENT, width=8)
        vae, history = train_vae(frames, config, epochs=6, batch_size=16, lr=3e-3)
        folder = tmp_path_factory.mktemp("vae")
        report = export_vae(vae, folder / "vae.onnx")
        save_checkpoint(vae, folder / "vae.pt")
    finally:
        torch.set_num_threads(threads)
    return vae, history, report, folder


def test_loss_falls_on_the_footage(trained):
    _, history, _, _ = trained
    assert len(history) == 6
    assert history[-1].loss < 0.8 * history[0].loss
    assert history[-1].mse < 0.8 * history[0].mse


def test_decoder_export_loads_and_renders(trained):
    vae, _, report, folder = trained
    assert report.output_shape == (1, 64, 64, 3) and report.output_dtype == "uint8"
    runtime = GeneratorRuntime(folder / "vae.onnx", provider="cpu", threads=1)
    latent = runtime.spec.input("latent")
    assert latent.role == "noise" and latent.shape == (1, LATENT)
    assert (latent.low, latent.high) == (-3.0, 3.0)
    first = runtime.draw({})
    other = runtime.draw({"latent": np.full(LATENT, 1.5, np.float32)})
    assert first.shape == (64, 64, 3) and first.dtype == np.uint8
    assert np.abs(first.astype(int) - other).mean() > 1
    # The same decoder in torch gives the same picture (rounding aside).
    with torch.no_grad():
        ref = vae.decode(torch.from_numpy(latent.default.reshape(1, LATENT)))
    ref = (ref[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    assert np.abs(first.astype(int) - ref).max() <= 1


def test_checkpoint_round_trip(trained):
    vae, _, _, folder = trained
    loaded = load_checkpoint(folder / "vae.pt")
    assert isinstance(loaded, FrameVAE) and loaded.config == vae.config
    z = torch.zeros(1, LATENT)
    assert torch.equal(loaded.decode(z), vae.eval().decode(z))


def test_wrong_frame_size_is_a_clear_error():
    frames = np.zeros((4, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match=r"\(N, 64, 64, 3\)"):
        train_vae(frames, VaeConfig(size=64), epochs=1)
    with pytest.raises(ValueError, match="64, 128"):
        VaeConfig(size=96).validate()
    with pytest.raises(ValueError, match="latent"):
        VaeConfig(latent=0).validate()


def test_server_plays_the_vae_over_osc(trained):
    _, _, _, folder = trained
    config = serve_config(folder / "vae.onnx", fps=60.0)

    async def main():
        server = await Server.start(config)
        try:
            assert await wait_for(lambda: server.bus.latest is not None)
            before = server.bus.latest.pixels.copy()
            with OscSender(server.osc_port) as osc:
                osc.send("/smooth", 0.0)
                osc.send("/latent", *[2.0] * LATENT)
                assert await wait_for(lambda: server.bus.latest.osc_seq >= 2)
                await asyncio.sleep(0.05)
                moved = server.bus.latest.pixels.copy()
                osc.send("/latent/seed", 7)
                assert await wait_for(lambda: server.bus.latest.osc_seq >= 3)
                await asyncio.sleep(0.05)
                seeded = server.bus.latest.pixels.copy()
            assert np.abs(moved.astype(int) - before).mean() > 1
            assert np.abs(seeded.astype(int) - moved).mean() > 1
            assert server.status()["osc"]["accepted"] == 3
        finally:
            await server.stop()

    asyncio.run(main())
