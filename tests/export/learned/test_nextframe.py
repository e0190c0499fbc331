"""The next-frame predictor (oscserver_export/learned/nextframe.py): it learns the motion, and plays
fed back."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from oscserver.generator.runtime import GeneratorRuntime  # noqa: E402
from oscserver_export.learned.footage import FootageConfig, render_frames  # noqa: E402
from oscserver_export.learned.frames import write_video  # noqa: E402
from oscserver_export.learned.nextframe import (  # noqa: E402
    NextFrameConfig,
    NextFrameGenerator,
    NextFrameTrainer,
    evaluate,
    export_nextframe,
    load_checkpoint,
    rollout,
)
from oscserver_export.train_cli import main as train_main  # noqa: E402

TRAIN_FRAMES = 200
STEPS = 40


@pytest.fixture(scope="module")
def footage():
    """Seed 0 footage at 64x64: the first 200 frames to learn from, the next 40 held out."""
    return render_frames(FootageConfig(size=64, frames=TRAIN_FRAMES + 40, seed=0))


@pytest.fixture(scope="module")
def trained(footage):
    """A small model trained for a fixed number of steps (a few seconds on one thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # steadier than 2 on a shared 2-core machine
    try:
        trainer = NextFrameTrainer(
            footage[:TRAIN_FRAMES],
            config=NextFrameConfig(size=64, width=16, blocks=2),
            batch_size=8,
            crop=32,
        )
        trainer.train_steps(STEPS)
    finally:
        torch.set_num_threads(threads)
    return trainer


def test_untrained_model_without_warp_repeats_the_previous_frame(footage):
    config = NextFrameConfig(size=64, width=8, warp=False)
    trainer = NextFrameTrainer(footage[:8], config=config)
    model_mse, repeat_mse = evaluate(trainer.net, footage[:8])
    assert model_mse == pytest.approx(repeat_mse) and repeat_mse > 0


def test_untrained_model_moves_rows_by_the_footage_motion(footage):
    trainer = NextFrameTrainer(footage[:40], config=NextFrameConfig(size=64, width=8))
    model_mse, repeat_mse = evaluate(trainer.net, footage[:40])
    assert model_mse < 0.6 * repeat_mse, (model_mse, repeat_mse)


def test_beats_repeating_the_previous_frame_on_held_out_frames(trained, footage):
    """The learned result: after a few seconds of training, the model predicts frames it
    never saw better than the "nothing moves" guess does."""
    held_out = footage[TRAIN_FRAMES:]
    model_mse, repeat_mse = evaluate(trained.net, held_out)
    assert trained.step == STEPS and trained.frames_seen == STEPS * 8
    assert model_mse < 0.7 * repeat_mse, (model_mse, repeat_mse)


def test_rollout_keeps_the_picture_alive(trained, footage):
    frames = rollout(trained.net, footage[TRAIN_FRAMES], 12)
    assert frames.shape == (13, 64, 64, 3) and frames.dtype == np.uint8
    assert np.abs(frames[1:].astype(int) - frames[:-1]).mean() > 0.5  # still moving
    assert 10 < frames[-1].mean() < 245  # neither black nor white


def test_export_is_a_feedback_generator(trained, footage, tmp_path):
    start = footage[TRAIN_FRAMES]
    report = export_nextframe(trained.net, tmp_path / "nf.onnx", start_frame=start)
    assert report.path == tmp_path / "nf.onnx" and report.output_dtype == "uint8"
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind
    runtime = GeneratorRuntime(tmp_path / "nf.onnx", provider="cpu", threads=1)
    previous = runtime.spec.input("previous")
    assert previous.role == "feedback" and previous.shape == (1, 64, 64, 3)
    assert np.array_equal(previous.default.reshape(64, 64, 3), start)
    assert [c.name for c in runtime.spec.controls] == ["jitter"]
    # The first frame is the prediction from the start frame, the second from the first.
    first = runtime.draw({})
    second = runtime.draw({})
    with torch.no_grad():
        model = NextFrameGenerator(trained.net).eval()
        zero = torch.zeros(1)
        ref1 = model(torch.from_numpy(start[None].astype(np.float32)), zero)[0].numpy()
        ref2 = model(torch.from_numpy(ref1[None].astype(np.float32)), zero)[0].numpy()
    assert np.abs(first.astype(int) - ref1).max() <= 1
    assert np.abs(second.astype(int) - ref2).max() <= 2
    assert np.abs(second.astype(int) - first).mean() > 0.5
    runtime.reset_feedback()
    jittered = runtime.draw({"jitter": np.ones(1, np.float32)})
    assert np.abs(jittered.astype(int) - first).mean() > 0.5


def test_bad_start_frame_is_a_clear_error(trained, tmp_path):
    with pytest.raises(ValueError, match=r"start frame is \(32, 32, 3\)"):
        export_nextframe(trained.net, tmp_path / "x.onnx", np.zeros((32, 32, 3), np.uint8))
    assert not (tmp_path / "x.onnx").exists()


def test_train_cli_writes_model_and_checkpoint(footage, tmp_path, capsys):
    video = tmp_path / "window.mp4"
    write_video(footage[:40], video)
    out = tmp_path / "nextframe.onnx"
    argv = ["nextframe", str(video), "-o", str(out), "--steps", "3", "--width", "8"]
    assert train_main([*argv, "--batch", "4", "--threads", "1"]) == 0
    captured = capsys.readouterr()
    assert "held-out next frames" in captured.err and "exported 'nextframe'" in captured.out
    net, data = load_checkpoint(tmp_path / "nextframe.pt")
    assert net.config == NextFrameConfig(size=64, width=8, blocks=2)
    assert data["trainer"]["step"] == 3 and tuple(data["start_frame"].shape) == (64, 64, 3)
    meta = GeneratorRuntime(out, provider="cpu", threads=1).session.get_modelmeta()
    assert json.loads(meta.custom_metadata_map["oscserver.input.previous"])["role"] == "feedback"


def test_train_cli_errors_name_the_problem(tmp_path, capsys):
    missing = tmp_path / "nowhere.mp4"
    assert train_main(["nextframe", str(missing), "-o", str(tmp_path / "n.onnx")]) == 1
    assert "nowhere.mp4 does not exist" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"checkpoint .* does not exist"):
        load_checkpoint(tmp_path / "n.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "bad.pt")


def test_a_dark_change_head_is_reported(tmp_path, capsys):
    """A change head whose inputs all went dark can never learn: head_activity says 0, and
    ``train nextframe`` warns instead of passing the warp alone off as a trained model."""
    from oscserver_export.learned.nextframe import NextFrameNet, head_activity

    frames = render_frames(FootageConfig(size=32, frames=40, seed=0))
    net = NextFrameNet(NextFrameConfig(size=32, width=8))
    assert head_activity(net, frames) > 0.1  # a fresh network is alive
    with torch.no_grad():
        net.mix.conv2.bias.fill_(-100.0)  # what training did in two runs of three
    assert head_activity(net, frames) == 0.0

    footage = tmp_path / "f.mp4"
    write_video(frames, footage)
    model = tmp_path / "nf.onnx"
    argv = ["nextframe", str(footage), "-o", str(model), "--size", "32", "--width", "8"]
    assert train_main([*argv, "--steps", "2"]) == 0
    assert "of its inputs active" in capsys.readouterr().err
