"""Render procedural "train window" footage (parallax landscape layers) to a video or PNGs.

    .venv/bin/python tools/train_window.py -o window.mp4 [--size 64] [--frames 600] [--seed 0]
    .venv/bin/python tools/train_window.py -o frames/    # a folder of PNGs

The same as ``oscserver train footage``; see docs/learned.md and
``oscserver_export/learned/footage.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oscserver_export.train_cli import main

if __name__ == "__main__":
    sys.exit(main(["footage", *sys.argv[1:]]))
