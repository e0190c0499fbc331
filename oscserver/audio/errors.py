"""Errors the audio side raises on purpose; ``oscserver`` prints them as one line, exit code 2."""

from __future__ import annotations

from oscserver.core.errors import OscServerError


class AudioError(OscServerError):
    """A song cannot be read, a mapping or knob is wrong, an extra or a device is missing."""
