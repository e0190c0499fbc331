"""The near layer of the next-frame model (oscserver_export/learned/near.py): poles and wires slide
whole at their own speed over rows that move slower, every row a reordering of its own pixels."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from oscserver_export.learned.footage import LAYER_SPEEDS, FootageConfig, render_frames  # noqa: E402
from oscserver_export.learned.near import near_labels, near_rows, near_speed, slide_rows  # noqa: E402
from oscserver_export.learned.nextframe import (  # noqa: E402
    NextFrameConfig,
    NextFrameNet,
    NextFrameTrainer,
    load_checkpoint,
    save_checkpoint,
)
from oscserver_export.learned.vae import to_batch  # noqa: E402
from oscserver_export.learned.warp import footage_motion, warp  # noqa: E402


def _row(values: list[int]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)[None, None, None, :]


def test_without_near_pixels_each_row_slides_by_its_speed():
    size = 64
    x = torch.rand(2, 3, size, size)
    across = torch.from_numpy(np.repeat(np.random.default_rng(1).integers(-6, 1, 32), 2)).float()
    out = slide_rows(x, torch.zeros(2, 1, size, size), across, torch.tensor([-6.0]))
    expected = torch.stack([torch.roll(x[:, :, r], int(across[r]), -1) for r in range(size)], 2)
    assert torch.equal(out, expected)


def test_a_near_run_passes_whole_and_the_row_closes_up_behind_it():
    size = 64
    x = _row(list(range(size)))
    near = torch.zeros(1, 1, 1, size)
    near[..., 30:33] = 1  # a pole three pixels wide, in a row moving 2 a frame
    out = slide_rows(x, near, torch.tensor([-2.0]), torch.tensor([-6.0]))[0, 0, 0].int().tolist()
    assert out[24:27] == [30, 31, 32]  # the pole, 6 pixels on, in one piece
    assert out[:24] == list(range(2, 26))  # the row ahead of it, 2 pixels on
    assert out[27:31] == [26, 27, 28, 29]  # what it passed, closed up behind it
    assert out[31:] == [*range(33, size), 0, 1]  # the rest, 2 on, wrapped
    assert sorted(out) == list(range(size))  # nothing copied, nothing lost


def test_a_near_run_crossing_the_edge_comes_in_at_the_other_side():
    size = 64
    x = _row(list(range(size)))
    near = torch.zeros(1, 1, 1, size)
    near[..., [63, 0, 1]] = 1
    out = slide_rows(x, near, torch.tensor([-2.0]), torch.tensor([-6.0]))[0, 0, 0].int().tolist()
    assert out[57:60] == [63, 0, 1]
    assert out[:57] == list(range(2, 59)) and sorted(out) == list(range(size))
    near = torch.zeros(1, 1, 1, size)
    near[..., 2:5] = 1  # in a still row: leaves on the left, enters on the right
    out = slide_rows(x, near, torch.tensor([0.0]), torch.tensor([-6.0]))[0, 0, 0].int().tolist()
    assert out[60:63] == [2, 3, 4] and out[5:60] == list(range(5, 60))


def test_every_row_is_a_reordering_of_its_own_pixels():
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(3, 3, 32, 32, generator=generator)
    near = (torch.rand(3, 1, 32, 32, generator=generator) > 0.7).float()
    across = torch.randint(-4, 1, (32,), generator=generator).float()
    out = slide_rows(x, near, across, torch.tensor([-5.0]))
    assert torch.equal(out.sort(dim=-1).values, x.sort(dim=-1).values)


def test_the_model_without_a_near_layer_moves_as_the_row_warp():
    net = NextFrameNet(NextFrameConfig(size=32, width=8))
    motion = torch.zeros(1, 2, 16, 16)
    motion[0, 0] = torch.randint(-4, 1, (16, 1)).float()
    motion[0, 1] = torch.randint(-1, 2, (16, 1)).float()
    net.motion.copy_(motion)
    x = torch.rand(2, 3, 32, 32)
    assert torch.equal(net.slide(x), warp(x, motion.expand(2, -1, -1, -1), wrap=True))


def test_the_near_speed_is_the_poles_on_the_window_and_none_on_a_photograph():
    frames = render_frames(FootageConfig(size=64, frames=80, seed=0))
    motion = footage_motion(frames)
    assert near_speed(motion) == -6
    rows = near_rows(motion, -6)
    assert rows.shape == (64,) and 0 < rows.sum() < 64
    panned = np.zeros_like(motion)
    panned[0] = -1
    assert near_speed(panned) == 0 and near_rows(panned, 0).sum() == 0


def test_near_labels_fall_on_the_poles():
    """The pixels labelled near are the poles' and wires' (where the window differs from the
    same window drawn without them), and most pole pixels in the rows where they move
    otherwise are labelled."""
    frames = render_frames(FootageConfig(size=64, frames=40, seed=0))
    without = tuple(layer for layer in LAYER_SPEEDS if layer != "poles")
    no_poles = render_frames(FootageConfig(size=64, frames=40, seed=0, layers=without))
    motion = footage_motion(frames)
    speed = near_speed(motion)
    assert speed == -6
    rows = torch.from_numpy(near_rows(motion, speed))
    across = torch.from_numpy(np.repeat(motion[0, :, 0], 2))
    labels = near_labels(to_batch(frames[:-1]), to_batch(frames[1:]), across, speed, rows)
    pole = np.abs(frames[:-1].astype(int) - no_poles[:-1].astype(int)).sum(-1) > 60
    labelled = labels[:, 0].numpy() > 0
    assert labelled.sum() > 0
    assert (labelled & pole).sum() / labelled.sum() > 0.8  # precision (a stray tree edge)
    in_rows = pole & (rows.numpy()[None, :, None] > 0)
    assert (labelled & in_rows).sum() / in_rows.sum() > 0.5  # recall


def test_trained_briefly_the_poles_pass_whole():
    """After a short training the near layer finds the poles: run on its own output (the change
    off), the pole pixels in the rows below the wires still stand in the same columns as the
    pole pixels above them, frame after frame, as in the footage, where the rows alone tear
    the poles apart within a few frames."""
    frames = render_frames(FootageConfig(size=64, frames=300, seed=0))
    trainer = NextFrameTrainer(frames[:270], config=NextFrameConfig(size=64, width=8, blocks=1))
    assert float(trainer.net.near_speed) == -6
    trainer.train_steps(150)
    net = trainer.net.eval()
    net.change_gain.fill_(0.0)

    def torn(model) -> float:
        x = to_batch(frames[270:271])
        dark_columns = []
        with torch.no_grad():
            for _ in range(30):
                x = model(x)
                grey = x[0].mean(0).numpy()
                upper = (grey[10:20] < 0.2).mean(0) > 0.5  # poles between the wire rows
                lower = (grey[40:56] < 0.2).mean(0) > 0.5  # and below them
                dark_columns.append((upper & ~lower).sum() / max(1, upper.sum()))
        return float(np.mean(dark_columns))

    rows_alone = NextFrameNet(NextFrameConfig(size=64, width=8, blocks=1, near=False)).eval()
    rows_alone.motion.copy_(net.motion)
    rows_alone.change_gain.fill_(0.0)
    assert torn(net) < 0.2 < torn(rows_alone), (torn(net), torn(rows_alone))


def test_a_checkpoint_saved_before_the_near_layer_loads_as_the_rows_alone(tmp_path):
    net = NextFrameNet(NextFrameConfig(size=32, width=8))
    path = tmp_path / "old.pt"
    save_checkpoint(net, path)
    data = torch.load(path, weights_only=False)
    del data["config"]["near"]
    data["state"] = {k: v for k, v in data["state"].items() if not k.startswith("near")}
    torch.save(data, path)
    loaded, _ = load_checkpoint(path)
    assert loaded.near is None and not loaded.config.near
    assert loaded(torch.rand(1, 3, 32, 32)).shape == (1, 3, 32, 32)
