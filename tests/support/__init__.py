"""What several tests share: tiny generators, OSC sending, an in-process server, waiting.

Foreign clients and peers live beside these: ``liblo`` (liblo through ctypes), ``audio_songs``
(test audio), ``torch_generators`` (torch modules for the exporter's tests); headless Chromium
and the browser session are ``oscserver.testing`` (the benchmarks use them too).
"""

from pathlib import Path

from tests.support.generators import TINY_META, build_feedback_generator, build_tiny_generator
from tests.support.osc import OscSender, osc_message
from tests.support.serving import free_udp_port, serve_config, unique_name, wait_for

REPO = Path(__file__).resolve().parents[2]
"""The project's checkout (tests read docs, patches and tools from it)."""

__all__ = [
    "REPO",
    "TINY_META",
    "OscSender",
    "build_feedback_generator",
    "build_tiny_generator",
    "free_udp_port",
    "osc_message",
    "serve_config",
    "unique_name",
    "wait_for",
]
