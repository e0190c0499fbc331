"""Running a server in the test's own process: a config with test defaults, free ports, unique
shared-memory names, and waiting for a condition."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
from collections.abc import Callable

from oscserver.config import ServeConfig

_names = itertools.count()


def unique_name(prefix: str = "osct") -> str:
    """A shared-memory name no other test (or test run) uses."""
    return f"{prefix}-{os.getpid()}-{next(_names)}"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_config(model: object = "default", **settings: object) -> ServeConfig:
    """A config for a server in the test: a free OSC port, no shared memory, no HTTP, no status
    lines, one inference thread, unless ``settings`` (flat option names) say otherwise."""
    defaults: dict[str, object] = {
        "osc_port": free_udp_port(),
        "shm": None,
        "http_port": None,
        "status_interval": 0,
        "threads": 1,
    }
    if not isinstance(model, str) and not isinstance(model, list | tuple):
        model = str(model)
    return ServeConfig.from_flat(model=model, **(defaults | settings))


async def wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> bool:
    """Whether ``predicate()`` turned true within ``timeout`` seconds (checked every 10 ms)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if predicate():
            return True
        await asyncio.sleep(0.01)
    return bool(predicate())
