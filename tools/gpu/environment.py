"""What the machine offers: Python, torch (and a CUDA device), ONNX Runtime and its providers.

The check's first step. Whatever does not import is noted, not fatal: the steps that need it
fail with that reason and the others run.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tools.gpu.stubs import version_of

CUDA_EP = "CUDAExecutionProvider"
CPU_EP = "CPUExecutionProvider"


@dataclass
class Engines:
    """The engines the environment step found: torch and ONNX Runtime (None where they do not
    import), and the device torch runs on."""

    torch: types.ModuleType | None = None
    ort: types.ModuleType | None = None
    device: str = "cpu"


def short_error(exc: BaseException) -> str:
    """An exception in one line of at most 600 characters."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:600]


def probe_environment(
    env: dict[str, Any],
    cpu: bool,
    blocked: list[str],
    note: Callable[[str], None],
    save: Callable[[], None],
) -> Engines:
    """Fill ``env`` with what the machine offers (saving as it goes) and return the engines.
    ``cpu``: a ``--cpu`` run, which never uses CUDA even where there is a device."""
    engines = Engines()
    env.update(
        python=sys.version.split()[0],
        platform=platform.platform(),
        cpu_count=os.cpu_count(),
        numpy=np.__version__,
        blocked_for_test=blocked,
    )
    save()
    try:
        import torch

        engines.torch = torch
        env["torch"] = torch.__version__
        env["torch_cuda"] = torch.version.cuda
        env["cuda_available"] = bool(torch.cuda.is_available())
        if torch.cuda.is_available() and not cpu:
            engines.device = "cuda"
            props = torch.cuda.get_device_properties(0)
            env["gpu"] = torch.cuda.get_device_name(0)
            env["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
            env["gpu_capability"] = f"{props.major}.{props.minor}"
            torch.backends.cudnn.benchmark = True
            env["cudnn"] = torch.backends.cudnn.version()
            env["cudnn_benchmark"] = True
            env["tf32_matmul"] = bool(torch.backends.cuda.matmul.allow_tf32)
            env["tf32_cudnn"] = bool(torch.backends.cudnn.allow_tf32)
        elif not cpu:
            note("torch sees no CUDA device: the torch rows will fail (try --cpu)")
        env["torch_threads"] = torch.get_num_threads()
    except Exception as exc:
        env["torch_error"] = short_error(exc)
        note(f"torch does not import: {env['torch_error']}")
    save()
    try:
        import onnxruntime as ort

        engines.ort = ort
        env["onnxruntime"] = ort.__version__
        env["onnxruntime_path"] = str(Path(ort.__file__).parent)
        env["onnxruntime_device"] = ort.get_device()
        if not cpu and hasattr(ort, "preload_dlls"):
            try:
                ort.preload_dlls()
                env["preload_dlls"] = "ok"
            except Exception as exc:
                env["preload_dlls"] = short_error(exc)
        env["providers"] = ort.get_available_providers()
        if not cpu and CUDA_EP not in env["providers"]:
            note(
                f"onnxruntime {ort.__version__} has no CUDAExecutionProvider "
                f"({env['providers']}): install onnxruntime-gpu (docs/gpu.md); the ORT CUDA "
                "rows will fail"
            )
    except Exception as exc:
        env["onnxruntime_error"] = short_error(exc)
        note(f"onnxruntime does not import: {env['onnxruntime_error']}")
    for name in ("onnx", "onnxscript", "pytorch_pretrained_biggan", "pythonosc", "triton"):
        env[name] = version_of(name)
    if engines.device == "cuda":
        with contextlib.suppress(Exception):
            smi = subprocess.run(
                [
                    "nvidia-smi",
                    "--query-gpu=name,driver_version,clocks.max.sm,power.limit",
                    "--format=csv,noheader",
                ],
                capture_output=True,
                text=True,
                timeout=10,
            )
            env["nvidia_smi"] = smi.stdout.strip()
    save()
    return engines
