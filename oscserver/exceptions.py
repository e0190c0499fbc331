"""Errors oscserver raises on purpose. Each message says what was wrong and what was expected."""


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
