"""Frame sinks: one module per destination, all with the same small async interface."""

from oscserver.sinks.base import Sink

__all__ = ["Sink"]
