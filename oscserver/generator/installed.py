"""Which ONNX Runtime is installed, and which one this machine wants.

ONNX Runtime comes in flavours that are separate distributions of one Python package
(``onnxruntime``): ``onnxruntime`` (CPU; on macOS with CoreML), ``onnxruntime-gpu`` (CUDA and
TensorRT), ``onnxruntime-directml`` (Windows, any GPU), and others. Installed side by side they
overwrite each other's files, and ONNX Runtime's own documentation says to install one only.
``oscserver serve`` says so in one line when it finds more than one; ``tools/install.py`` picks
one with :func:`wanted_runtime`. Standard library only: the installer reads this module before
anything else is installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from importlib import metadata
from pathlib import Path

FLAVOURS = {
    "cpu": "onnxruntime",
    "cuda": "onnxruntime-gpu",
    "directml": "onnxruntime-directml",
    "coreml": "onnxruntime",
}
"""``--runtime`` choice -> the distribution that provides it."""

KNOWN = (
    "onnxruntime",
    "onnxruntime-gpu",
    "onnxruntime-directml",
    "onnxruntime-openvino",
    "onnxruntime-qnn",
    "onnxruntime-silicon",
    "ort-nightly",
    "ort-nightly-gpu",
    "ort-nightly-directml",
)
"""Distributions that install the ``onnxruntime`` package."""


def installed_runtimes() -> list[tuple[str, str]]:
    """(distribution, version) of every ONNX Runtime distribution this Python sees."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = _normal(dist.metadata["Name"] or "")
        if name in KNOWN:
            found.setdefault(name, dist.version)
    return sorted(found.items())


def wanted_runtime(platform: str = sys.platform, nvidia: bool | None = None) -> str:
    """The ``--runtime`` flavour for this machine: ``cuda`` where an NVIDIA driver is installed,
    ``directml`` on Windows without one, ``coreml`` on macOS, else ``cpu``."""
    if nvidia is None:
        nvidia = has_nvidia_driver(platform)
    if nvidia and platform != "darwin":
        return "cuda"
    if platform == "win32":
        return "directml"
    if platform == "darwin":
        return "coreml"
    return "cpu"


def has_nvidia_driver(platform: str = sys.platform) -> bool:
    """Whether an NVIDIA driver is installed (its tool, or on Linux its kernel module)."""
    if shutil.which("nvidia-smi"):
        return True
    if platform == "linux":
        return Path("/proc/driver/nvidia/version").exists()
    if platform == "win32":
        system = Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32"
        return (system / "nvcuda.dll").exists()
    return False


def conflict(installed: list[tuple[str, str]], platform: str = sys.platform) -> str | None:
    """One line saying which distributions to uninstall, when more than one is installed."""
    if len(installed) < 2:
        return None
    names = [name for name, _ in installed]
    keep = FLAVOURS[wanted_runtime(platform)]
    if keep not in names:
        keep = names[0]
    others = [name for name in names if name != keep]
    listed = ", ".join(f"{name} {version}" for name, version in installed)
    return (
        f"{len(installed)} ONNX Runtime distributions are installed ({listed}); they share one "
        f"package and break each other. Keep {keep}: pip uninstall -y {' '.join(others)} {keep} "
        f"&& pip install {keep}"
    )


MISSING = (
    "no ONNX Runtime is installed: pip install onnxruntime (CPU; CoreML on macOS), "
    "onnxruntime-gpu (NVIDIA) or onnxruntime-directml (Windows), one of them only; "
    "or run python tools/install.py"
)


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
