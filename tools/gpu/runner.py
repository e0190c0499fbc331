"""Running the GPU check's plan within its budget.

:class:`Check` makes each step's work (:mod:`tools.gpu.plan` asks it), runs the steps in
order, skips the ones that no longer fit in the budget, records each failure and goes on;
:func:`run_check` adds the watchdog that ends the run at the budget whatever is running.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.gpu.environment import Engines, probe_environment, short_error
from tools.gpu.latency import measure_latency
from tools.gpu.measurements import Timing, measure, prepare_model
from tools.gpu.plan import Budget, ModelPlan, Step, build_plan, label
from tools.gpu.report import JSON_NAME, MD_NAME, SKIPPED, Results, summary
from tools.gpu.stubs import block_modules

log = logging.getLogger("gpu-check")


class Check:
    """The check's state while it runs: the results, the engines found, the work folder, the
    servers started, the step running and the share of the budget left (``scale``)."""

    def __init__(self, args: argparse.Namespace, budget: Budget) -> None:
        self.args = args
        self.budget = budget
        self.cpu = args.cpu
        self.results = Results(Path(args.out), budget, self.cpu)
        self.out = self.results.out
        self.data = self.results.data
        self.lock = self.results.lock
        self.done = threading.Event()
        self.children: list[subprocess.Popen[bytes]] = []
        self.plan: list[Step] = []
        self.environment_skipped = False
        self.index = -1
        self.engines = Engines()
        self.scale = 1.0
        self.blocked = [m for m in (args.without or "").split(",") if m]
        if args.work:
            self.work = Path(args.work)
            self.own_work = False
        elif self.cpu:
            self.work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
            self.own_work = True
        else:
            self.work = Path(tempfile.gettempdir()) / "oscserver-gpu-check"
            self.own_work = False
        self.work.mkdir(parents=True, exist_ok=True)

    def add_row(self, model: str, variant: str) -> str:
        """A pending result row (the plan makes one per measurement)."""
        return self.results.add_row(model, variant)

    # ---------------------------------------------------------------- running steps
    def run(self, steps: list[Step]) -> None:
        """Run ``steps`` in order within the budget."""
        results = self.results
        self.plan = steps
        results.save()
        for index, step in enumerate(steps):
            self.index = index
            rest = sum(s.estimate for s in steps[index:])
            remaining = self.budget.remaining()
            entry: dict[str, Any] = {"step": step.name, "estimate_s": round(step.estimate, 1)}
            needs_skipped = (step.needs is not None and step.needs.skipped) or (
                index > 0 and steps[0].name == "environment" and self.environment_skipped
            )
            if remaining < step.estimate or needs_skipped:
                if index == 0 and step.name == "environment":
                    self.environment_skipped = True
                entry.update(status=SKIPPED, remaining_s=round(remaining, 1))
                if step.prepares is not None:
                    step.prepares.skipped = True
                for key in step.rows:
                    results.update_row(key, status=SKIPPED)
                results.add_step(entry)
                log.info(
                    "skip %s (%.0f s left, needs about %.0f s)", step.name, remaining, step.estimate
                )
                continue
            self.scale = max(0.1, min(1.0, remaining / rest))
            if step.needs is not None and step.needs.error:
                entry.update(
                    status="error", error=f"{step.needs.name} not prepared: {step.needs.error}"
                )
                for key in step.rows:
                    results.update_row(key, status="error", error=entry["error"])
                results.add_step(entry)
                continue
            print(f"[{self.budget.elapsed():6.1f} s] {step.name} ...", flush=True)
            entry["status"] = "running"
            results.add_step(entry)
            started = time.monotonic()
            try:
                step.run(step)
                status = "ok"
            except Exception as exc:
                status = "error"
                entry["error"] = short_error(exc)
                entry["traceback"] = traceback.format_exc().strip().splitlines()[-8:]
                print(f"    error: {entry['error']}", flush=True)
                for key in step.rows:
                    if results.rows[key]["status"] in ("pending", "running"):
                        results.update_row(key, status="error", error=entry["error"])
            with self.lock:
                entry["status"] = status
                entry["seconds"] = round(time.monotonic() - started, 2)
                results.save()
        with self.lock:
            self.data["finished"] = True
            results.save()

    def stop_by_budget(self) -> None:
        """Called by the watchdog at the budget: mark what runs and what is left, save, and
        kill the servers started."""
        self.results.stopped_by_budget(self.plan[self.index + 1 :])
        for child in self.children:
            with contextlib.suppress(Exception):
                child.kill()

    def cleanup(self) -> None:
        """Remove the work folder when it is this run's own temporary one."""
        if self.own_work:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---------------------------------------------------------------- the steps' work
    def step_environment(self, step: Step) -> None:
        """What the machine offers (:func:`tools.gpu.environment.probe_environment`)."""
        self.engines = probe_environment(
            self.data["environment"], self.cpu, self.blocked, self.results.note, self.results.save
        )

    def step_prepare(self, m: ModelPlan) -> Callable[[Step], None]:
        """The work of preparing ``m`` (its ONNX file)."""

        def run(step: Step) -> None:
            info: dict[str, Any] = {"family": m.family, "size": m.size}
            self.data["models"][m.name] = info
            try:
                prepare_model(m, info, self.engines, self.work)
            except Exception as exc:
                m.error = short_error(exc)
                info["error"] = m.error
                raise
            finally:
                self.results.save()

        return run

    def step_measure(self, m: ModelPlan, variant: str) -> Callable[[Step], None]:
        """The work of timing ``m`` run as ``variant``, into the step's row."""

        def run(step: Step) -> None:
            key = step.rows[0]
            self.results.update_row(key, status="running")
            a = self.args
            timing = Timing(a.warmup, a.frames, max(0.1, a.seconds * self.scale))
            torch = self.engines.torch
            try:
                result = measure(m, variant, self.engines, timing, self.cpu, a.threads)
            finally:
                gc.collect()
                if torch is not None and self.engines.device == "cuda":
                    with contextlib.suppress(Exception):
                        torch.cuda.synchronize()
                        torch.cuda.empty_cache()
            self.results.update_row(key, status="ok", **result)
            print(
                f"    {m.name:12s} {label(variant, self.cpu):40s} {result['fps']:9.1f} fps  "
                f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms",
                flush=True,
            )

        return run

    def step_latency(self, m: ModelPlan) -> Callable[[Step], None]:
        """The work of measuring OSC-to-frame latency on ``m``."""

        def run(step: Step) -> None:
            record: dict[str, Any] = {"model": m.name, "status": "running"}
            with self.lock:
                self.data["latency"] = record
            try:
                record.update(
                    measure_latency(
                        m,
                        record,
                        engines=self.engines,
                        args=self.args,
                        scale=self.scale,
                        work=self.work,
                        blocked=self.blocked,
                        remaining=self.budget.remaining,
                        children=self.children,
                    )
                )
                record["status"] = "ok"
            except Exception as exc:
                record["status"] = "error"
                record["error"] = short_error(exc)
                raise
            finally:
                self.results.save()
            print(
                f"    OSC-to-frame {m.name} on {record.get('acceleration')}: end-to-end p50 "
                f"{record['end_to_end_ms_p50']:.1f} ms, p99 {record['end_to_end_ms_p99']:.1f} ms",
                flush=True,
            )

        return run


def run_check(args: argparse.Namespace, budget: Budget) -> int:
    """The whole run with parsed ``args``: plan, watchdog, steps, summary. Exit status 0, or
    3 when the watchdog ended it at the budget."""
    check = Check(args, budget)
    block_modules(check.blocked)
    steps = build_plan(args, check)

    def watchdog() -> None:
        deadline = budget.start + budget.seconds - 0.25
        while not check.done.wait(timeout=max(0.0, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                check.stop_by_budget()
                print(f"\nstopped at the budget ({budget.seconds:.0f} s)", flush=True)
                print(summary(check.data), flush=True)
                print(f"results: {check.out / JSON_NAME}, {check.out / MD_NAME}", flush=True)
                check.cleanup()
                os._exit(3)

    threading.Thread(target=watchdog, name="budget-watchdog", daemon=True).start()
    print(
        f"GPU check ({'cpu' if args.cpu else 'gpu'} mode), budget {budget.seconds:.0f} s, "
        f"{len(steps)} steps, results in {check.out}",
        flush=True,
    )
    try:
        check.run(steps)
    finally:
        with check.lock:
            check.done.set()
            check.results.save()
        check.cleanup()
    print(summary(check.data), flush=True)
    print(f"results: {check.out / JSON_NAME}, {check.out / MD_NAME}", flush=True)
    return 0
