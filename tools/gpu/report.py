"""What the GPU check found, written as it goes: ``gpu-check.json`` and ``gpu-check.md``.

Both files are rewritten after every change (atomically), so a run cut at its budget still
leaves every figure it measured. :class:`Results` holds the record; :func:`markdown` and
:func:`summary` word it for the file and the terminal.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.gpu.plan import BASELINE, VARIANTS, Budget, Step, label

JSON_NAME = "gpu-check.json"
MD_NAME = "gpu-check.md"
SKIPPED = "skipped: budget"
KILLED = "killed: budget"

log = logging.getLogger("gpu-check")


class Results:
    """The run's record (``data``, the JSON file's content), safe to change from the budget
    watchdog's thread too; every change is saved at once."""

    def __init__(self, out: Path, budget: Budget, cpu: bool) -> None:
        self.out = out
        self.out.mkdir(parents=True, exist_ok=True)
        self.budget = budget
        self.cpu = cpu
        self.lock = threading.RLock()
        self.rows: dict[str, dict[str, Any]] = {}
        self.data: dict[str, Any] = {
            "tool": "tools/gpu/check.py",
            "mode": "cpu" if cpu else "gpu",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "budget_s": budget.seconds,
            "elapsed_s": 0.0,
            "finished": False,
            "stopped_by_budget": False,
            "argv": sys.argv[1:],
            "environment": {},
            "models": {},
            "results": [],
            "latency": None,
            "steps": [],
            "notes": [],
        }

    def add_row(self, model: str, variant: str) -> str:
        """A pending result row for ``model`` run as ``variant``; returns its key."""
        key = f"{model}/{variant}"
        row = {
            "model": model,
            "variant": variant,
            "label": label(variant, self.cpu),
            "status": "pending",
        }
        self.rows[key] = row
        self.data["results"].append(row)
        return key

    def update_row(self, key: str, **values: Any) -> None:
        """Change a row (its ratio to the baseline follows) and save."""
        with self.lock:
            self.rows[key].update(values)
            self._ratios()
            self.save()

    def _ratios(self) -> None:
        base = {
            r["model"]: r["fps"]
            for r in self.data["results"]
            if r["variant"] == BASELINE and r.get("status") == "ok" and r.get("fps")
        }
        for r in self.data["results"]:
            if r.get("status") == "ok" and r.get("fps") and r["model"] in base:
                r["ratio_vs_eager_fp32"] = round(r["fps"] / base[r["model"]], 3)

    def save(self) -> None:
        """Write both files now."""
        with self.lock:
            self.data["elapsed_s"] = round(self.budget.elapsed(), 2)
            _write_atomically(self.out / JSON_NAME, json.dumps(self.data, indent=2) + "\n")
            _write_atomically(self.out / MD_NAME, markdown(self.data))

    def note(self, text: str) -> None:
        """A line every reader of the results should see (and a warning in the log)."""
        with self.lock:
            self.data["notes"].append(text)
        log.warning("%s", text)

    def add_step(self, entry: dict[str, Any]) -> None:
        """Record a step (its entry is changed in place as it runs) and save."""
        with self.lock:
            self.data["steps"].append(entry)
            self.save()

    def stopped_by_budget(self, left: Sequence[Step]) -> None:
        """Mark what was running as killed and what is ``left`` as skipped, and save."""
        with self.lock:
            self.data["stopped_by_budget"] = True
            for entry in self.data["steps"]:
                if entry.get("status") == "running":
                    entry["status"] = KILLED
            for row in self.data["results"]:
                if row["status"] == "running":
                    row["status"] = KILLED
                elif row["status"] == "pending":
                    row["status"] = SKIPPED
            if self.data["latency"] and self.data["latency"].get("status") == "running":
                self.data["latency"]["status"] = KILLED
            for step in left:
                self.data["steps"].append(
                    {"step": step.name, "estimate_s": round(step.estimate, 1), "status": SKIPPED}
                )
            self.save()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(data: dict[str, Any]) -> str:
    """The results as the markdown file ``gpu-check.md``: tables of fps, every measurement,
    the latency, the models and the steps."""
    env = data.get("environment", {})
    cpu = data.get("mode") == "cpu"
    lines = [
        f"# GPU check ({data['mode']} mode)",
        "",
        f"Started {data['started']}; {data['elapsed_s']:.0f} s of a {data['budget_s']:.0f} s "
        f"budget; {'finished' if data['finished'] else 'not finished'}"
        f"{' (stopped at the budget)' if data.get('stopped_by_budget') else ''}.",
        "",
        f"- device: {env.get('gpu', 'CPU')} {env.get('nvidia_smi', '')}".rstrip(),
        f"- python {env.get('python')}, torch {env.get('torch')} (CUDA {env.get('torch_cuda')}),"
        f" onnxruntime {env.get('onnxruntime')} ({', '.join(env.get('providers', []))}),"
        f" onnx {env.get('onnx')}, onnxscript {env.get('onnxscript')}",
    ]
    lines += [f"- note: {n}" for n in data.get("notes", [])]
    results = data.get("results", [])
    models = list(dict.fromkeys(r["model"] for r in results))
    present = {r["variant"] for r in results}
    variants = [v for v in VARIANTS if v in present]
    by_key = {(r["model"], r["variant"]): r for r in results}
    lines += [
        "",
        "## Frames per second, batch 1",
        "",
        "Each cell: fps (x = ratio to torch eager fp32 of the same model). A frame: new noise "
        "in, generator run, picture on the host.",
        "",
        "| model | " + " | ".join(label(v, cpu) for v in variants) + " |",
        "| --- |" + " --- |" * len(variants),
    ]
    for model in models:
        cells = []
        for v in variants:
            r = by_key.get((model, v))
            if r is None:
                cells.append("")
            elif r["status"] == "ok":
                ratio = r.get("ratio_vs_eager_fp32")
                cells.append(f"{r['fps']:.1f}" + (f" ({ratio:.2f}x)" if ratio else ""))
            else:
                cells.append(r["status"].split(":")[0] if r["status"] != SKIPPED else SKIPPED)
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Every measurement",
        "",
        "| model | variant | status | fps | p50 ms | p99 ms | x eager fp32 | startup s | frames "
        "| max diff vs eager fp32 | error / path |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        detail = r.get("error") or r.get("path") or r.get("precision") or ""
        lines.append(
            f"| {r['model']} | {r['label']} | {r['status']} | {_fmt(r.get('fps'))} | "
            f"{_fmt(r.get('p50_ms'), 2)} | {_fmt(r.get('p99_ms'), 2)} | "
            f"{_fmt(r.get('ratio_vs_eager_fp32'), 2)} | {_fmt(r.get('startup_s'), 1)} | "
            f"{_fmt(r.get('frames'))} | {_fmt(r.get('max_diff_vs_eager_fp32'), 0)} | "
            f"{detail.replace('|', '/')[:200]} |"
        )
    lat = data.get("latency")
    lines += ["", "## OSC-to-frame latency", ""]
    if not lat:
        lines.append("Not run.")
    else:
        lines += [
            "| model | status | acceleration | fps | answered | end-to-end p50 / p99 ms | "
            "in server p50 / p99 ms | render p50 / p99 ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            f"| {lat.get('model')} | {lat.get('status')} | "
            f"{lat.get('acceleration', lat.get('provider', '-'))} | {_fmt(lat.get('fps'), 0)} | "
            f"{lat.get('answered', '-')}/{lat.get('messages', '-')} | "
            f"{_fmt(lat.get('end_to_end_ms_p50'))} / {_fmt(lat.get('end_to_end_ms_p99'))} | "
            f"{_fmt(lat.get('in_server_ms_p50'))} / {_fmt(lat.get('in_server_ms_p99'))} | "
            f"{_fmt(lat.get('render_ms_p50'))} / {_fmt(lat.get('render_ms_p99'))} |",
        ]
        if lat.get("error"):
            lines.append(f"\nError: {lat['error']}")
        if lat.get("stubbed_modules"):
            lines.append(
                f"\nStubbed in the server: {', '.join(lat['stubbed_modules'])} "
                f"({lat.get('stub_reason')})."
            )
    infos = data.get("models", {})
    if infos:
        lines += [
            "",
            "## Models",
            "",
            "| model | source | file MB | export | seconds |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, info in infos.items():
            seconds = (info.get("random_weights_s") or 0) + (info.get("export_s") or 0)
            lines.append(
                f"| {name} | {info.get('source', info.get('error', '-'))} | "
                f"{_fmt(info.get('file_mb'))} | {info.get('export', '-')} | {_fmt(seconds)} |"
            )
    lines += [
        "",
        "## Steps",
        "",
        "| step | status | seconds | estimate s |",
        "| --- | --- | --- | --- |",
    ]
    for s in data.get("steps", []):
        lines.append(
            f"| {s['step']} | {s['status']} | {_fmt(s.get('seconds'))} | "
            f"{_fmt(s.get('estimate_s'))} |"
        )
    return "\n".join(lines) + "\n"


def summary(data: dict[str, Any]) -> str:
    """The results in a few lines for the terminal."""
    lines = [f"GPU check ({data['mode']}): {data['elapsed_s']:.0f} s of {data['budget_s']:.0f} s"]
    for r in data.get("results", []):
        if r["status"] == "ok":
            ratio = r.get("ratio_vs_eager_fp32")
            lines.append(
                f"  {r['model']:12s} {r['label']:40s} {r['fps']:9.1f} fps  p50 {r['p50_ms']:8.2f}"
                f" ms  p99 {r['p99_ms']:8.2f} ms" + (f"  {ratio:.2f}x" if ratio else "")
            )
        else:
            lines.append(
                f"  {r['model']:12s} {r['label']:40s} {r['status']}"
                + (f": {r['error'][:100]}" if r.get("error") else "")
            )
    lat = data.get("latency")
    if lat:
        if lat.get("status") == "ok":
            lines.append(
                f"  OSC-to-frame {lat['model']} ({lat.get('acceleration', lat.get('provider'))}):"
                f" p50 {lat['end_to_end_ms_p50']:.1f} ms, p99 {lat['end_to_end_ms_p99']:.1f} ms"
            )
        else:
            lines.append(
                f"  OSC-to-frame {lat['model']}: {lat.get('status')} {lat.get('error', '')}"
            )
    return "\n".join(lines)
