"""One WebSocket client, written to by the server without ever waiting for it.

Values pushed to it are kept per address (the latest wins: a slow client skips values, it never
makes a queue), replies and notices in short bounded queues; one task per peer writes them out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque

from aiohttp import web

log = logging.getLogger("oscserver.http")

MAX_QUEUED = 256


class WebSocketPeer:
    def __init__(self, ws: web.WebSocketResponse, name: str) -> None:
        self._ws = ws
        self._latest: dict[str, bytes] = {}
        self._replies: deque[bytes] = deque(maxlen=MAX_QUEUED)
        self._notices: deque[str] = deque(maxlen=MAX_QUEUED)
        self._wake = asyncio.Event()
        self._writer = asyncio.get_running_loop().create_task(self._write(), name=name)

    def deliver(self, address: str, data: bytes) -> None:
        """A changed value (binary OSC): replaces any unsent value of the same address."""
        self._latest[address] = data
        self._wake.set()

    def send_reply(self, data: bytes) -> None:
        """A reply (binary OSC), in order; the oldest is dropped past ``MAX_QUEUED``."""
        self._replies.append(data)
        self._wake.set()

    def space_changed(self) -> None:
        self.notify({"COMMAND": "PATH_CHANGED", "DATA": "/"})

    def notify(self, message: dict[str, object]) -> None:
        self._notices.append(json.dumps(message))
        self._wake.set()

    async def close(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        await self._ws.close()

    async def _write(self) -> None:
        ws = self._ws
        try:
            while not ws.closed:
                await self._wake.wait()
                self._wake.clear()
                while self._notices:
                    await ws.send_str(self._notices.popleft())
                while self._replies:
                    await ws.send_bytes(self._replies.popleft())
                latest, self._latest = self._latest, {}
                for data in latest.values():
                    await ws.send_bytes(data)
        except (ConnectionError, RuntimeError) as exc:  # the client went away mid-write
            log.debug("WebSocket write stopped: %s", exc)
