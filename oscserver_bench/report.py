"""What every benchmark shares: the machine it ran on, and its result printed as JSON."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def machine() -> dict[str, object]:
    """The machine a result comes from (cores, processor, Python, platform)."""
    return {
        "cpu_count": os.cpu_count(),
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def print_json(result: dict) -> int:
    """Print ``result`` as indented JSON on stdout; returns 0, the command's exit status."""
    print(json.dumps(result, indent=2))
    return 0
