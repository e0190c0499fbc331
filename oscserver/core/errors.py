"""Errors oscserver raises on purpose, and the reasons control messages are rejected for.

Each message says what was wrong and what was expected. A rejected control message carries a
``Reason``, which is also the counter it is counted under (GET /status, the status line) and a
row of docs/osc.md's table of rejections (a test keeps the two the same).
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a control message was refused. Its value is the counter's name."""

    MALFORMED = "malformed"
    UNKNOWN_ADDRESS = "unknown_address"
    WRONG_TYPE = "wrong_type"
    WRONG_COUNT = "wrong_count"
    NOT_FINITE = "not_finite"
    OUT_OF_RANGE = "out_of_range"
    BAD_INDEX = "bad_index"
    READ_ONLY = "read_only"
    TOO_FAR_AHEAD = "too_far_ahead"
    SCHEDULE_FULL = "schedule_full"
    UNAUTHORIZED = "unauthorized"
    BAD_FILE = "bad_file"
    NOT_ALLOWED = "not_allowed"
    RATE_LIMITED = "rate_limited"
    SUBSCRIBERS_FULL = "subscribers_full"


class OscServerError(Exception):
    """Base class for every error oscserver raises on purpose."""


class GeneratorError(OscServerError):
    """A model file is missing, not ONNX, or does not follow the generator contract."""


class ControlError(OscServerError):
    """A control message was rejected. ``reason`` is the counter it is counted under."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SinkError(OscServerError):
    """A sink could not start (for example, its shared-memory name is held by a live server)."""


class StartupError(OscServerError):
    """The server cannot start: a port is taken, a name is in use, a file is missing."""
