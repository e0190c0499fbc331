"""The server's numbers: ``GET /status``, ``GET /osc``, ``/status`` over OSC, the status line.

``StatusBoard`` reads the running parts; the server hands it each part as it starts. The HTTP
app and the OSC commands see only this board, never the server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from oscserver.control.beat_clock import BeatClock
from oscserver.control.quantize import Quantize
from oscserver.control.schedule import Schedule
from oscserver.core.frame_bus import FrameBus
from oscserver.core.loop_lag import LoopLag
from oscserver.core.stats import ControlCounters
from oscserver.frame_clock import FrameClock
from oscserver.generator.learner import Learner
from oscserver.osc.describe import Arg
from oscserver.osc.router import ControlRouter
from oscserver.osc.subscriptions import Subscriptions
from oscserver.stage import StageManager


@dataclass
class StatusBoard:
    stages: StageManager
    router: ControlRouter
    counters: ControlCounters
    schedule: Schedule
    loop_lag: LoopLag
    subscriptions: Subscriptions
    beats: BeatClock
    quantize: Quantize
    frame_clock: FrameClock | None = None
    bus: FrameBus | None = None
    webrtc: Any = None
    """The WebRTC sink (``describe()`` lists its viewers), when HTTP is on."""
    oscquery: Any = None
    """The OSCQuery server (``listeners``), when on."""
    learner: Learner | None = None

    def status(self) -> dict[str, object]:
        """Numbers for the status line and GET /status."""
        loop = self.frame_clock
        stats = loop.stats if loop else None
        render_p50, render_p99 = stats.render_ms.percentiles(50, 99) if stats else (None, None)
        lat_p50, lat_p99 = stats.osc_to_frame_ms.percentiles(50, 99) if stats else (None, None)
        runtime = self.stages.current.runtime
        fmt = runtime.frame_format
        return {
            "provider": runtime.provider,
            "fps": stats.fps.rate() if stats else 0.0,
            "frames_rendered": stats.rendered if stats else 0,
            "frames_dropped": stats.dropped if stats else 0,
            "render_errors": stats.errors if stats else 0,
            "frame_ms_p50": render_p50,
            "frame_ms_p99": render_p99,
            "osc_to_frame_ms_p50": lat_p50,
            "osc_to_frame_ms_p99": lat_p99,
            "osc": self.counters.as_dict(),
            "loop_lag_ms": self.loop_lag.summary(),
            "osc_subscriptions": len(self.subscriptions),
            "oscquery_listeners": self.oscquery.listeners if self.oscquery else 0,
            "scheduled": len(self.schedule),
            "beat": self.beats.state().describe(),
            "quantize": self.quantize.describe(),
            "generator": runtime.spec.name,
            "frame_size": [fmt.width, fmt.height],
            "viewers": self.webrtc.describe() if self.webrtc else [],
            "model": self._model(),
            "learning": self.learner.status() if self.learner else None,
            "sinks_skipped": self.bus.skipped() if self.bus else {},
        }

    def _model(self) -> dict[str, object]:
        stage = self.stages.current
        library = self.stages.library
        return {
            "name": stage.name,
            "path": str(stage.generator.path),
            "age_s": time.time() - stage.generator.loaded_at,
            "loaded": list(library.loaded),
            "swaps": self.frame_clock.stats.swaps if self.frame_clock else 0,
            "refused": library.refused,
            "last_refusal": library.last_refusal,
        }

    def addresses(self) -> list[dict[str, object]]:
        """Every OSC address with its types, range, default and current value (GET /osc)."""
        stage = self.stages.current
        reading = stage.controls.reading()
        entries = list(stage.space.addresses)
        entries += [c.address for c in self.router.commands.values() if c.address.listed]
        entries += [c.address for c in self.router.prefixed.values()]
        rows = []
        for entry in entries:
            row: dict[str, object] = {
                "address": entry.address,
                "types": entry.signature,
                "description": entry.description,
                "access": entry.access,
                "args": [_describe_arg(a) for a in dict.fromkeys(entry.args)],
            }
            if entry.control is not None:
                spec = stage.spec.input(entry.control)
                row |= {"control": entry.control, "range": [spec.low, spec.high]}
                row["length"] = spec.length
                value, target, motion = reading.current(entry.control)
                if entry.address in (f"/{spec.name}", f"/{spec.name}/set"):
                    row["default"] = _plain(spec.default)
                    row["value"] = _plain(value)
                    row["target"] = _plain(target)
                if entry.address.startswith(("/smooth/", "/spring/")):
                    row["motion"] = motion.describe()
            elif entry.read is not None:
                row["value"] = list(entry.read(reading))
            rows.append(row)
        return rows


def format_status(status: dict) -> str:
    """The line logged once a second."""
    osc = status["osc"]
    reasons = ", ".join(f"{k} {v}" for k, v in osc["rejected_by_reason"].items() if v)
    frame = status["frame_ms_p50"]
    frame_text = f"{frame:.1f} ms" if frame is not None else "-"
    lag = status.get("loop_lag_ms") or {}
    lag_text = (
        f" | loop lag p99 {lag['p99']:.1f} ms, max {lag['max']:.1f}"
        if lag.get("p99") is not None
        else ""
    )
    viewers = len(status.get("viewers", []))
    beat = status.get("beat") or {}
    beat_text = ""
    if beat.get("source") == "osc":
        state = "locked" if beat["locked"] else ("quiet" if beat["quiet"] else "locking")
        beat_text = f" | {beat['tempo']:.1f} bpm, beat {beat['position']:.2f} ({state})"
    return (
        f"{status['fps']:5.1f} fps | frame {frame_text} | dropped {status['frames_dropped']} | "
        f"osc {osc['accepted']} accepted, {osc['rejected']} rejected"
        + (f" ({reasons})" if reasons else "")
        + lag_text
        + beat_text
        + (f" | viewers {viewers}" if viewers else "")
    )


def _describe_arg(arg: Arg) -> dict[str, object]:
    described: dict[str, object] = {"type": arg.type}
    if arg.low is not None:
        described["min"] = arg.low
    if arg.high is not None:
        described["max"] = arg.high
    return described


def _plain(values: np.ndarray) -> float | list[float]:
    """JSON-ready numbers: a scalar for one element, a list otherwise."""
    if values.size == 1:
        return round(float(values.reshape(-1)[0]), 6)
    return [round(float(v), 6) for v in values.reshape(-1)]
