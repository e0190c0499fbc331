"""Render the README's example frames of the embedded default generator.

Runs the shipped ``oscserver/models/default.onnx`` in ONNX Runtime (no torch needed), made
ready for each size as the server makes it, and writes PNGs to ``docs/images/default-*.png``
(256x256, and the 16:9 frames at 640x360)::

    .venv/bin/python tools/make_readme_images.py [--out docs/images]

The frames are deterministic: fixed classes, noise seeds (BigGAN-style truncated noise) and
truncations, listed in :data:`FRAMES`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oscserver.core.options import Parser  # noqa: E402
from oscserver.generator.noise import truncated_noise  # noqa: E402

MODEL = ROOT / "oscserver" / "models" / "default.onnx"
WIDE = (640, 360)

#: (file stem, class index, noise seed, truncation); 16:9 frames end in ``-16x9``
FRAMES = [
    ("default-class780-seed0-t0.10", 780, 0, 0.10),
    ("default-class780-seed0-t0.50", 780, 0, 0.50),
    ("default-class780-seed0-t0.90", 780, 0, 0.90),
    ("default-class207-seed0-t0.50", 207, 0, 0.50),
    ("default-class980-seed0-t0.50", 980, 0, 0.50),
    ("default-class985-seed0-t0.50", 985, 0, 0.50),
    ("default-class1-seed1-t0.50", 1, 1, 0.50),
    ("default-class323-seed1-t0.50", 323, 1, 0.50),
    ("default-class430-seed1-t0.50", 430, 1, 0.50),
    ("default-class947-seed1-t0.50", 947, 1, 0.50),
    ("default-class291-seed1-t0.50", 291, 1, 0.50),
    ("default-class207-seed1-t0.75", 207, 1, 0.75),
    ("default-class780-seed0-t0.50-16x9", 780, 0, 0.50),
    ("default-class980-seed2-t0.90-16x9", 980, 2, 0.90),
]


def render(session, class_index: int, seed: int, truncation: float) -> np.ndarray:
    """One frame, uint8 ``[height, width, 3]`` of the session's size."""
    weights = np.zeros((1, 1000), np.float32)
    weights[0, class_index] = 1.0
    feeds = {
        "class": weights,
        "noise": truncated_noise(seed, 128)[None],
        "truncation": np.array([truncation], np.float32),
    }
    return session.run(None, feeds)[0][0]


def main(argv: list[str] | None = None) -> int:
    import onnxruntime as ort
    from PIL import Image

    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from oscserver.generator.graph import prepared

    def session_at(size: tuple[int, int]):
        model = prepared(args.model, size, None) or str(args.model)
        return ort.InferenceSession(model, providers=["CPUExecutionProvider"])

    square, wide = session_at((256, 256)), session_at(WIDE)
    for stem, class_index, seed, truncation in FRAMES:
        session = wide if stem.endswith("-16x9") else square
        frame = render(session, class_index, seed, truncation)
        path = args.out / f"{stem}.png"
        Image.fromarray(frame, "RGB").save(path, optimize=True)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
