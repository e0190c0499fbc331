"""Errors oscserver raises on purpose, and the reasons control messages are rejected for.

Each message says what was wrong and what was expected. A rejected control message carries one
of ``REASONS``, which is also the counter it is counted under (GET /status, the status line).
"""

REASONS = (  # docs/osc.md says what each means
    "malformed",
    "unknown_address",
    "wrong_type",
    "wrong_count",
    "not_finite",
    "out_of_range",
    "bad_index",
    "read_only",
    "too_far_ahead",
    "schedule_full",
    "unauthorized",
    "bad_file",
    "not_allowed",
    "rate_limited",
    "subscribers_full",
)


class OscServerError(Exception):
    """Base class for every error oscserver raises on purpose."""


class GeneratorError(OscServerError):
    """A model file is missing, not ONNX, or does not follow the generator contract."""


class ControlError(OscServerError):
    """A control message was rejected. ``reason`` is the counter it is counted under."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SinkError(OscServerError):
    """A sink could not start (for example, its shared-memory name is held by a live server)."""


class StartupError(OscServerError):
    """The server cannot start: a port is taken, a name is in use, a file is missing."""
