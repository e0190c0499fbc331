"""tools/install.py: one ONNX Runtime, the right place for each system, the steps in order. The
real install runs on every CI run (tools/setup.sh calls it), so here: its decisions, and the
environment it made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PureWindowsPath

from oscserver.generator.installed import KNOWN, conflict, installed_runtimes, wanted_runtime
from tests.support import REPO
from tools.install import venv_command, venv_python


def test_the_environment_has_exactly_one_onnx_runtime():
    assert len(installed_runtimes()) == 1, installed_runtimes()
    assert installed_runtimes()[0][0] in KNOWN


def test_windows_keeps_its_commands_in_scripts():
    assert venv_python(Path(".venv"), "win32").parts[-2:] == ("Scripts", "python.exe")
    assert venv_python(Path(".venv"), "linux").parts[-2:] == ("bin", "python")
    assert venv_command(Path(".venv"), "oscserver", "win32").name == "oscserver.exe"
    assert PureWindowsPath(str(venv_command(Path(".venv"), "oscserver", "darwin"))).name == (
        "oscserver"
    )


def test_each_system_gets_one_flavour():
    assert wanted_runtime("linux", nvidia=True) == "cuda"
    assert wanted_runtime("win32", nvidia=True) == "cuda"
    assert wanted_runtime("win32", nvidia=False) == "directml"
    assert wanted_runtime("darwin", nvidia=False) == "coreml"
    assert wanted_runtime("linux", nvidia=False) == "cpu"
    assert conflict([("onnxruntime", "1.20")]) is None
    two = conflict([("onnxruntime", "1.20"), ("onnxruntime-directml", "1.20")], "win32")
    assert two is not None and "Keep onnxruntime-directml" in two


def test_the_steps_install_torch_first_and_the_flavour_last():
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "install.py"), "--dry-run", "--test",
         "--runtime", "directml"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    steps = done.stdout.splitlines()
    assert steps[1].endswith("torch==2.13.0")
    assert "-e" in steps[2].split() and "[torch," in steps[2]
    assert steps[-1].endswith(" onnxruntime-directml")
    assert sum("onnxruntime" in step for step in steps) == 1
