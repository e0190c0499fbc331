"""tools/gpu/: the prepared GPU check runs its steps on the CPU (``--cpu``), writes real figures
as it goes, keeps to its budget, and the run-by-run wheel transport notices a fresh machine.

The GPU machine lacks boto3/requests/tqdm (imported by pytorch-pretrained-biggan for downloads
only) and aiortc/av (imported by the server for browsers only); the CPU run pretends the same
(``--without``) so that the stubs standing in for them stay tested."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("pytorch_pretrained_biggan")

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tools" / "gpu" / "check.py"
RUN_PART = ROOT / "tools" / "gpu" / "run_part.sh"
AS_ON_THE_GPU_MACHINE = "boto3,botocore,requests,tqdm,aiortc,aioice,av"
CPU_VARIANTS = {"torch_fp32", "ort_cpu", "ort_cpu_io"}


def _run(args: list[str], timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    return proc, time.monotonic() - started


def _results(out: Path) -> tuple[dict, str]:
    data = json.loads((out / "gpu-check.json").read_text())
    return data, (out / "gpu-check.md").read_text()


@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu-out")
    args = [str(CHECK), "--cpu", "--out", str(out), "--budget", "120"]
    proc, wall = _run([*args, "--without", AS_ON_THE_GPU_MACHINE], timeout=200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out, proc, wall


def test_cpu_run_measures_every_row(cpu_run):
    out, proc, wall = cpu_run
    data, md = _results(out)
    assert data["mode"] == "cpu" and data["finished"] and not data["stopped_by_budget"]
    assert data["elapsed_s"] <= 120 and wall <= 125
    rows = data["results"]
    assert {(r["model"], r["variant"]) for r in rows} == {
        (m, v) for m in ("default-256", "biggan-128") for v in CPU_VARIANTS
    }
    for r in rows:
        assert r["status"] == "ok", r
        assert r["fps"] > 0 and 0 < r["p50_ms"] <= r["p99_ms"], r
        assert r["frames"] >= 3
        assert r["ratio_vs_eager_fp32"] > 0, r
        if r["variant"] == "torch_fp32":
            assert r["ratio_vs_eager_fp32"] == 1.0
        else:  # ONNX Runtime draws what torch draws
            assert r["max_diff_vs_eager_fp32"] is not None and r["max_diff_vs_eager_fp32"] <= 2
    # The markdown table: one line per model with every variant's fps and ratio.
    assert "| model | torch eager CPU fp32 | ORT CPU | ORT CPU + IO binding |" in md
    for model in ("default-256", "biggan-128"):
        line = next(line for line in md.splitlines() if line.startswith(f"| {model} | "))
        assert line.count("x)") == 3, line
    assert "skipped" not in md and "| error |" not in md
    # The summary is printed.
    assert "GPU check (cpu)" in proc.stdout and "fps" in proc.stdout


def test_cpu_run_exports_biggan_and_measures_latency_without_the_missing_modules(cpu_run):
    out, _, _ = cpu_run
    data, md = _results(out)
    biggan = data["models"]["biggan-128"]
    assert biggan["stubbed_download_modules"] == ["boto3", "botocore", "requests", "tqdm"]
    assert biggan["export"].startswith("torch.onnx.export(dynamo=True)")
    assert data["models"]["default-256"]["source"] == "shipped file"
    latency = data["latency"]
    assert latency["status"] == "ok", latency
    assert latency["stubbed_modules"] == ["aiortc", "aioice", "av"]
    assert latency["acceleration"] == "CPU" and "--http-port -1" in latency["command"]
    assert latency["answered"] >= 1
    assert 0 < latency["end_to_end_ms_p50"] <= latency["end_to_end_ms_p99"]
    assert "## OSC-to-frame latency" in md and "| biggan-128 | ok | CPU |" in md


def test_a_tiny_budget_skips_steps_and_says_so(tmp_path):
    proc, wall = _run([str(CHECK), "--cpu", "--out", str(tmp_path), "--budget", "3"], 60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert wall < 8
    data, md = _results(tmp_path)
    assert data["elapsed_s"] <= 3
    assert data["results"] and all(r["status"] == "skipped: budget" for r in data["results"])
    assert any(s["status"] == "skipped: budget" for s in data["steps"])
    assert "skipped: budget" in md


def test_the_watchdog_ends_an_overrunning_step_at_the_budget(tmp_path):
    """A step that would run past the budget is cut there; what was written stays."""
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(CHECK.parent)!r})\n"
        "import check\n"
        "check.Check.step_environment = lambda self, step: time.sleep(60)\n"
        f"sys.exit(check.main(['--cpu', '--out', {str(tmp_path)!r}, '--budget', '5']))\n"
    )
    proc, wall = _run(["-c", script], 60)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert wall < 9
    data, md = _results(tmp_path)
    assert data["stopped_by_budget"] and not data["finished"]
    first = data["steps"][0]
    assert (first["step"], first["status"]) == ("environment", "killed: budget")
    assert all(s["status"] == "skipped: budget" for s in data["steps"][1:])
    assert all(r["status"] == "skipped: budget" for r in data["results"])
    assert "stopped at the budget" in proc.stdout and "stopped at the budget" in md


# ------------------------------------------------------------------------------ run_part.sh


def _fake_pack(root: Path, parts: list[bytes]) -> None:
    """What pack.sh leaves in .gpu/, for a small made-up wheel."""
    wheel = b"".join(parts)
    lines = [
        f"wheel fake-0.0-py3-none-any.whl {hashlib.sha256(wheel).hexdigest()}",
        f"parts {len(parts)}",
    ] + [f"part {n} {hashlib.sha256(p).hexdigest()}" for n, p in enumerate(parts, 1)]
    for n, part in enumerate(parts, 1):
        folder = root / ".gpu" / f"part{n}"
        folder.mkdir(parents=True)
        (folder / f"wheel.part{n}").write_bytes(part)
        (folder / "MANIFEST").write_text("\n".join(lines) + "\n")


def _run_part(root: Path, tmp: Path, n: int, total: int) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ORT_DIR": str(tmp / "ort"),
        "SITE_DIR": str(tmp / "site"),
        "OUT": str(tmp / "out"),
    }
    return subprocess.run(
        ["bash", str(root / "tools" / "gpu" / "run_part.sh"), str(n), str(total)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_run_part_copies_parts_in_turn_and_notices_a_fresh_machine(tmp_path):
    root = tmp_path / "repo"
    (root / "tools" / "gpu").mkdir(parents=True)
    shutil.copy(RUN_PART, root / "tools" / "gpu" / "run_part.sh")
    parts = [b"a" * 1000, b"b" * 1000, b"c" * 10]
    _fake_pack(root, parts)
    # A run carries only its own part: the others are not in the checkout.
    carried = tmp_path / "kept"
    shutil.move(root / ".gpu", carried)

    def carry(n: int) -> None:
        shutil.rmtree(root / ".gpu", ignore_errors=True)
        (root / ".gpu").mkdir()
        shutil.copytree(carried / f"part{n}", root / ".gpu" / f"part{n}")

    carry(2)
    fresh = _run_part(root, tmp_path, 2, 3)
    assert fresh.returncode == 3
    assert "FRESH MACHINE" in fresh.stdout and "lacks part 1 of 3" in fresh.stdout
    assert "FRESH MACHINE" in (tmp_path / "out" / "run_part_2.log").read_text()

    for n in (1, 2):
        carry(n)
        done = _run_part(root, tmp_path, n, 3)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"part {n}/3" in done.stdout and "SHA-256 ok" in done.stdout
        assert f"run_part.sh {n + 1} 3" in done.stdout
    assert (tmp_path / "ort" / "wheel.part2").read_bytes() == parts[1]

    # A damaged earlier part is caught before anything is joined.
    (tmp_path / "ort" / "wheel.part1").write_bytes(b"x" * 1000)
    carry(3)
    damaged = _run_part(root, tmp_path, 3, 3)
    assert damaged.returncode == 3 and "not the part pack.sh made" in damaged.stdout

    # The wrong part count, or a part that was not carried, says what to fix.
    wrong = _run_part(root, tmp_path, 3, 4)
    assert wrong.returncode == 2 and "says 3 parts, not 4" in wrong.stdout
    shutil.rmtree(root / ".gpu")
    missing = _run_part(root, tmp_path, 1, 3)
    assert missing.returncode == 2 and "carry list must name .gpu/part1" in missing.stdout
