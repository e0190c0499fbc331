"""The server's numbers: ``GET /status``, ``/status`` over OSC, the status line.

``StatusBoard`` is a fixed map of reporters, built once when the server is made: every part that
has numbers offers ``status()`` (its entries of the status), and the board merges them. The HTTP
app and the OSC commands see only the board, never the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Reporter(Protocol):
    def status(self) -> Mapping[str, object]:
        """This part's entries of the status (top-level keys; a dict value is merged into the
        same key of the other parts, as ``model`` is)."""
        ...


def absent() -> dict[str, object]:
    """What the status says of an output that is off."""
    return {"oscquery_listeners": 0, "viewers": [], "learning": None}


class StatusBoard:
    def __init__(self, reporters: Mapping[str, Reporter | None]) -> None:
        """``reporters``: each part by name; None for a part that is off."""
        self.reporters: Mapping[str, Reporter] = {
            name: part for name, part in reporters.items() if part is not None
        }

    def status(self) -> dict[str, object]:
        """Numbers for the status line and GET /status."""
        merged = absent()
        for part in self.reporters.values():
            for key, value in part.status().items():
                before = merged.get(key)
                if isinstance(before, dict) and isinstance(value, dict):
                    merged[key] = before | value
                else:
                    merged[key] = value
        return merged


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
