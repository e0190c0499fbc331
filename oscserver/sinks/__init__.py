"""Frame sinks: one module per destination, all with the same small async interface."""

from oscserver.core.frame_bus import Sink

__all__ = ["Sink"]
