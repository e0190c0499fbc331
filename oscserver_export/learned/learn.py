"""The learner: keeps training a next-frame model on footage and hands out new ONNX files.

The server spawns it beside its frame clock (``oscserver serve --model nextframe.onnx --learn
VIDEO``); it can run on its own too::

    python -m oscserver_export.learned.learn --model nextframe.onnx --video VIDEO --out DIR
    --update-every 20
                           [--size 64] [--threads 1] [--keep 3] [--max-frames 3000]

It loads the torch checkpoint next to the model (``nextframe.pt``, written by
``oscserver train nextframe``, or ``--checkpoint``), then repeats: train for
``--update-every`` seconds, write ``DIR/nextframe-<step>.onnx`` and ``.pt`` atomically
(temporary file, then rename), print one JSON line on stdout and flush::

    {"event": "model", "path": "/abs/DIR/nextframe-1234.onnx", "step": 1234,
     "loss": 0.0123, "trained_seconds": 20.1, "frames_seen": 5000}

After announcing a model it deletes all but the ``--keep`` newest ``nextframe-*`` files in
DIR. Everything else goes to stderr. It stops cleanly on SIGTERM or SIGINT, and on end of
file on stdin when stdin is a pipe (the server closing it, or dying). Each file is the
played model's graph with the new weights put in, checked on one frame against PyTorch: that
takes milliseconds, where a full export takes seconds (the fallback when the graph does not
match the checkpoint).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import stat
import sys
import threading
import time
from pathlib import Path

import numpy as np

from oscserver.core.options import Parser

#: Allowed difference (8-bit levels) between ONNX Runtime and PyTorch on a swapped file.
SWAP_TOLERANCE = 2.0


def _log(message: str) -> None:
    print(f"learn: {message}", file=sys.stderr, flush=True)


class ModelWriter:
    """Writes successive versions of one network as generator files into a folder."""

    def __init__(
        self,
        out: Path,
        prefix: str,
        start_frame: np.ndarray,
        keep: int,
        template: Path | None = None,
    ) -> None:
        self.out = out
        self.prefix = prefix
        self.start_frame = start_frame
        self.keep = keep
        # A generator file of the same network (the model being played, then the first
        # export): new weights go into its graph. Without one, the first write exports.
        self._template = None
        if template is not None:
            import onnx

            try:
                self._template = onnx.load(str(template))
            except Exception as exc:  # protobuf's DecodeError and friends
                _log(f"cannot reuse {template} ({exc}); the first model is a full export")
        self.pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)\.(onnx|pt)$")

    def write(self, net, step: int) -> Path:
        """Write ``<prefix>-<step>.onnx`` and return its absolute path."""
        from oscserver_export.learned.nextframe import export_nextframe

        path = (self.out / f"{self.prefix}-{step}.onnx").resolve()
        description = f"next-frame predictor, {net.config.size}x{net.config.size}, step {step}"
        if self._template is not None and self._swap(net, path, description):
            return path
        import onnx

        export_nextframe(net, path, self.start_frame, description=description, check_samples=2)
        self._template = onnx.load(str(path))
        return path

    def _swap(self, net, path: Path, description: str) -> bool:
        """Put ``net``'s weights into the template graph, check one frame, write atomically."""
        import onnx
        from onnx import numpy_helper

        from oscserver_export.learned.nextframe import NextFrameGenerator

        model = onnx.ModelProto()
        model.CopyFrom(self._template)
        # What training and its check change: the weights and the change gain. The other
        # buffers (the measured motion, the jitter texture) stay as they are in the template,
        # some folded into constants by the export.
        generator = NextFrameGenerator(net)
        state = {**dict(generator.named_parameters()), "net.change_gain": net.change_gain}
        found = 0
        for index, tensor in enumerate(model.graph.initializer):
            value = state.get(tensor.name)
            if value is None:
                continue
            if tuple(value.shape) != tuple(tensor.dims):
                _log(f"weight {tensor.name} has another shape in the template; exporting")
                return False
            model.graph.initializer[index].CopyFrom(
                numpy_helper.from_array(value.detach().numpy().astype(np.float32), tensor.name)
            )
            found += 1
        if found != len(state):
            _log(f"the template holds {found} of {len(state)} weights; exporting in full")
            return False
        model.doc_string = description
        for entry in model.metadata_props:
            if entry.key == "oscserver.description":
                entry.value = description
        data = model.SerializeToString()
        if not self._check(net, data):
            return False
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True

    def _check(self, net, data: bytes) -> bool:
        import onnxruntime as ort
        import torch

        from oscserver_export.learned.nextframe import NextFrameGenerator

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        previous = self.start_frame[None].astype(np.float32)
        jitter = np.array([0.5], np.float32)
        got = session.run(None, {"previous": previous, "jitter": jitter})[0].astype(np.float32)
        with torch.no_grad():
            ref = NextFrameGenerator(net).eval()(torch.from_numpy(previous), torch.tensor(jitter))
        diff = float(np.abs(got - ref.numpy().astype(np.float32)).max())
        if diff > SWAP_TOLERANCE:
            _log(f"swapped weights differ from PyTorch by {diff:g} levels; exporting in full")
            return False
        return True

    def prune(self) -> list[Path]:
        """Delete all but the ``keep`` newest steps' files; returns what was deleted."""
        steps: dict[int, list[Path]] = {}
        for entry in self.out.iterdir():
            match = self.pattern.match(entry.name)
            if match:
                steps.setdefault(int(match.group(1)), []).append(entry)
        removed = []
        for step in sorted(steps)[: -self.keep or None]:
            for file in steps[step]:
                file.unlink(missing_ok=True)
                removed.append(file)
        return removed


class StopSignal:
    """Set by SIGTERM/SIGINT, or by end of file on stdin when stdin is a pipe or socket."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = ""

    def install(self, watch_stdin: bool = True) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        if watch_stdin and _stdin_is_pipe():
            threading.Thread(target=self._watch_stdin, name="learn-stdin", daemon=True).start()

    def _on_signal(self, signum, frame) -> None:
        self.reason = signal.Signals(signum).name
        self.event.set()

    def _watch_stdin(self) -> None:
        # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside a buffered
        # reader makes the interpreter abort at exit ("could not acquire lock").
        try:
            fd = sys.stdin.fileno()
            while os.read(fd, 4096):
                pass
        except (OSError, ValueError):
            pass
        self.reason = self.reason or "end of stdin"
        self.event.set()

    def __bool__(self) -> bool:
        return self.event.is_set()


def _stdin_is_pipe() -> bool:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m oscserver_export.learned.learn",
        description="Keep training a next-frame model on footage; announce new ONNX files.",
    )
    parser.add_argument("--model", type=Path, required=True, help="the generator being played")
    parser.add_argument("--video", type=Path, required=True, help="video file or image folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for new model files")
    parser.add_argument("--update-every", type=float, default=20.0, help="seconds (default 20)")
    parser.add_argument("--size", type=int, help="frame size (must match the checkpoint)")
    parser.add_argument("--checkpoint", type=Path, help="default: the model's .pt sibling")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--keep", type=int, default=3, help="newest models kept (default 3)")
    parser.add_argument("--max-frames", type=int, default=3000, help="frames read at most")
    parser.add_argument("--prefix", default="nextframe", help="file name prefix")
    parser.add_argument("--seed", type=int, default=0, help="random seed for batches")
    return parser


def run(args: argparse.Namespace, stop: StopSignal) -> int:
    import torch

    from oscserver_export.learned.alive import settle_change, warp_alone
    from oscserver_export.learned.frames import read_frames
    from oscserver_export.learned.nextframe import (
        NextFrameTrainer,
        load_checkpoint,
        save_checkpoint,
    )

    torch.set_num_threads(max(1, args.threads))
    if args.update_every <= 0 or args.keep < 1:
        raise ValueError("--update-every must be positive and --keep at least 1")
    if not args.model.is_file():
        raise ValueError(f"model {args.model} does not exist")
    checkpoint = args.checkpoint or args.model.with_suffix(".pt")
    net, data = load_checkpoint(checkpoint)
    size = net.config.size
    if args.size is not None and args.size != size:
        raise ValueError(f"--size {args.size} differs from the checkpoint's size {size}")
    frames = read_frames(args.video, size, max_frames=args.max_frames)
    if len(frames) < 2:
        raise ValueError(f"{args.video} has {len(frames)} frame; learning needs 2 or more")
    start = data.get("start_frame")
    start_frame = start.numpy() if isinstance(start, torch.Tensor) else frames[0]
    trainer = NextFrameTrainer(frames, net=net, seed=args.seed)
    trainer.load_state(data.get("trainer", {}))
    # Each model is run on its own output before it is announced, from the last tenth of the
    # footage, and its change turned down until the run stays alive
    # (oscserver_export/learned/alive.py).
    check_footage = frames[-max(2, len(frames) // 10) :]
    # The change head's floor, measured once: the near layer keeps learning, so this is the
    # warp of the model it started from (the floor only eases aims that warp missed).
    floor = warp_alone(net, check_footage)
    gain = float(net.change_gain)
    args.out.mkdir(parents=True, exist_ok=True)
    writer = ModelWriter(args.out, args.prefix, start_frame, args.keep, template=args.model)
    _log(
        f"{checkpoint.name}: step {trainer.step}; {len(frames)} frames of {size}x{size} from "
        f"{args.video}; a model every {args.update_every:g} s into {args.out}"
    )
    while not stop:
        stats = trainer.train_for(args.update_every, chunk=2, should_stop=stop.event.is_set)
        if stop:
            break
        began = time.perf_counter()
        settled = settle_change(
            trainer.net,
            check_footage,
            first=_one_up(gain),
            floor=floor,
            should_stop=stop.event.is_set,
        )
        if settled is None or stop:
            break
        gain = settled.gain
        path = writer.write(trainer.net, stats.step)
        save_checkpoint(trainer.net, path.with_suffix(".pt"), trainer, start_frame=start_frame)
        if stop:  # asked to stop while writing: nobody will load it
            path.unlink(missing_ok=True)
            path.with_suffix(".pt").unlink(missing_ok=True)
            break
        line = {
            "event": "model",
            "path": str(path),
            "step": stats.step,
            "loss": round(stats.loss, 6) if np.isfinite(stats.loss) else None,
            "trained_seconds": round(stats.seconds, 2),
            "frames_seen": stats.frames_seen,
            "change_gain": gain,
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        writer.prune()
        seconds = time.perf_counter() - began
        _log(
            f"step {stats.step}: loss {stats.loss:.5f}, {settled.describe()}, checked and "
            f"wrote in {seconds:.2f} s"
        )
    _log(f"stopped ({stop.reason}) at step {trainer.step}")
    return 0


def _one_up(gain: float) -> float:
    """The check's next try starts one gain above the last one kept, so it can rise again."""
    from oscserver_export.learned.alive import GAINS

    larger = [g for g in GAINS if g > gain]
    return larger[-1] if larger else GAINS[0]


def main(argv: list[str] | None = None) -> int:
    """Run the learner; exit status 0 on a clean stop, 2 on bad arguments or files."""
    from oscserver_export.learned.frames import FootageError
    from oscserver_export.writer.errors import ExportError

    args = build_parser().parse_args(argv)
    stop = StopSignal()
    stop.install()
    try:
        return run(args, stop)
    except (FootageError, ExportError, ValueError, OSError) as exc:
        _log(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
