"""The runtime package must work without torch: importing every module of it loads none."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import oscserver
for info in pkgutil.walk_packages(oscserver.__path__, "oscserver."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
from oscserver.cli import build_parser
build_parser()
torch_side = ("torch", "onnxscript", "oscserver_export")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in torch_side)
print(",".join(heavy))
"""


def test_importing_the_runtime_loads_no_torch():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"runtime imported: {result.stdout.strip()}"
