#!/usr/bin/env python3
"""Install oscserver into ``.venv``, on Linux, macOS or Windows, with the standard library only.

    python3 tools/install.py                      # the runtime: `oscserver serve` works
    python3 tools/install.py --test               # and everything the tests need
    python3 tools/install.py --runtime cuda       # an ONNX Runtime flavour other than auto's
    py -3.11 tools\\install.py                     # Windows (PowerShell)

It makes ``.venv`` (``bin/`` on Linux and macOS, ``Scripts\\`` on Windows), installs oscserver
into it (editable, from this checkout) and exactly one ONNX Runtime distribution:

    --runtime auto      cuda where an NVIDIA driver is installed, directml on Windows without
                        one, coreml on macOS, cpu otherwise
    --runtime cpu       onnxruntime            (coreml: the same package, on macOS)
    --runtime cuda      onnxruntime-gpu        (CUDA and TensorRT)
    --runtime directml  onnxruntime-directml   (Windows, any GPU)

Any other flavour found in ``.venv`` is uninstalled first (they share one package and break each
other), and the result is checked: one distribution, and ``oscserver --version`` runs.

``--test`` adds PyTorch (the CPU build: ``torch==2.13.0`` first, so nothing pulls CUDA wheels),
the extras the tests use, the system packages they use through apt-get where it exists (as root
or with sudo; elsewhere it says what to install with brew or winget, and those tests skip with
the reason), and osc.js through npm. Safe to run again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCH = "torch==2.13.0"
TEST_EXTRAS = "torch,audio,biggan,ndi,ray,lyrics,curate,dev"
MIN_PYTHON = (3, 11)
SYSTEM_PACKAGES = {
    "apt": "apt-get install chromium puredata-core liblo-tools iproute2 util-linux",
    "brew": "brew install --cask chromium && brew install pure-data liblo",
    "winget": "winget install Hluk.Chromium PureData.PureData (liblo's oscsend: skip those tests)",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        hint = (
            "brew install python@3.12, then python3.12" if sys.platform == "darwin" else "py -3.11"
        )
        _say(
            f"oscserver needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, this is "
            f"{sys.version.split()[0]}: run the installer with a newer one ({hint} "
            "tools/install.py)"
        )
        return 2
    sys.path.insert(0, str(ROOT))  # the runtime decision is the server's own (standard library)
    from oscserver.generator.installed import FLAVOURS, KNOWN, wanted_runtime

    runtime = wanted_runtime() if args.runtime == "auto" else args.runtime
    flavour = FLAVOURS[runtime]
    python = venv_python(Path(args.venv))
    plan = _plan(python, flavour, args.test)
    _say(f"installing into {args.venv} with ONNX Runtime {flavour} ({runtime})")
    if args.dry_run:
        for step in plan:
            print(" ".join(step))
        return 0
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(args.venv)
    others = [name for name in _installed(python, KNOWN) if name != flavour]
    if others:
        _run([str(python), "-m", "pip", "uninstall", "-y", *others, flavour])
    for step in plan:
        _run(step)
    installed = _installed(python, KNOWN)
    if installed != [flavour]:
        _say(f"expected {flavour} alone, found {', '.join(installed) or 'none'}; reinstalling it")
        _run([str(python), "-m", "pip", "uninstall", "-y", *installed])
        _run(_pip(python, flavour))
    _run([str(python), "-m", "oscserver", "--version"])
    if args.test:
        _system_packages()
        _node_packages()
    _say(f"done: {venv_command(Path(args.venv), 'oscserver')} serve")
    return 0


def venv_python(folder: Path, platform: str = sys.platform) -> Path:
    """The virtual environment's Python: ``Scripts\\python.exe`` on Windows, else ``bin/python``."""
    if platform == "win32":
        return folder / "Scripts" / "python.exe"
    return folder / "bin" / "python"


def venv_command(folder: Path, name: str, platform: str = sys.platform) -> Path:
    """A console command installed into the virtual environment."""
    return venv_python(folder, platform).with_name(name + (".exe" if platform == "win32" else ""))


def _plan(python: Path, flavour: str, test: bool) -> list[list[str]]:
    """The pip steps, in order: pip itself, torch's CPU build first (tests), the project, the
    ONNX Runtime flavour (the project names none)."""
    steps = [_pip(python, "--upgrade", "pip")]
    if test:
        steps.append(_pip(python, TORCH))
    steps.append(_pip(python, "-e", f"{ROOT}[{TEST_EXTRAS}]" if test else str(ROOT)))
    steps.append(_pip(python, flavour))
    return steps


def _pip(python: Path, *what: str) -> list[str]:
    return [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *what]


def _installed(python: Path, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (distributions) the virtual environment has."""
    if not python.exists():
        return []
    script = (
        "import json; from importlib import metadata\n"
        "print(json.dumps(sorted({(d.metadata['Name'] or '').lower().replace('_', '-')"
        " for d in metadata.distributions()})))"
    )
    found = json.loads(subprocess.run([str(python), "-c", script], check=True,
                                      capture_output=True, text=True).stdout)  # fmt: skip
    return [name for name in names if name in found]


def _system_packages() -> None:
    """What the tests use from the system: through apt-get where it exists, else a hint."""
    if shutil.which("apt-get"):
        _run(["bash", str(ROOT / "tools" / "setup-system.sh")])
        return
    manager = "brew" if sys.platform == "darwin" else "winget" if sys.platform == "win32" else None
    hint = SYSTEM_PACKAGES[manager] if manager else SYSTEM_PACKAGES["apt"]
    _say(f"no apt-get here: the browser, Pure Data and liblo tests skip until you run: {hint}")


def _node_packages() -> None:
    npm = shutil.which("npm")
    if npm is None:
        _say("npm not found: the osc.js tests skip (install Node.js)")
        return
    _run([npm, "ci", "--omit=optional", "--no-audit", "--no-fund", "--loglevel=error"],
         cwd=ROOT / "tests" / "node")  # fmt: skip


def _run(command: list[str], cwd: Path = ROOT) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(command, cwd=cwd, env=env)
    if done.returncode:
        _say(f"failed ({done.returncode}): {' '.join(command)}")
        raise SystemExit(done.returncode)


def _say(text: str) -> None:
    print(f"tools/install.py: {text}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tools/install.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--test", action="store_true", help="also what the tests need")
    parser.add_argument(
        "--runtime",
        choices=("auto", "cpu", "cuda", "directml", "coreml"),
        default="auto",
        help="the ONNX Runtime flavour",
    )
    parser.add_argument("--venv", default=str(ROOT / ".venv"), help="where the environment goes")
    parser.add_argument("--dry-run", action="store_true", help="print the pip steps, run nothing")
    return parser


if __name__ == "__main__":
    sys.exit(main())
