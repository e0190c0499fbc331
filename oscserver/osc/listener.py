"""OSC over UDP on the asyncio event loop. Receiving hands each datagram to the router."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from oscserver.exceptions import StartupError
from oscserver.osc.router import ControlRouter

log = logging.getLogger("oscserver.osc")

RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


class _OscProtocol(asyncio.DatagramProtocol):
    def __init__(self, router: ControlRouter) -> None:
        self._router = router

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        try:
            self._router.handle_datagram(data, f"{addr[0]}:{addr[1]}")
        except Exception:  # never let one datagram stop the listener
            log.exception("unexpected error handling a datagram from %s", addr)

    def error_received(self, exc: Exception) -> None:
        log.warning("OSC socket error: %s", exc)


class OscListener:
    """Listens for OSC datagrams on ``host:port`` until ``stop``."""

    def __init__(self, router: ControlRouter, host: str = "127.0.0.1", port: int = 9000) -> None:
        self._router = router
        self.host = host
        self.port = port
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _OscProtocol(self._router), local_addr=(self.host, self.port)
            )
        except OSError as exc:
            raise StartupError(
                f"cannot listen for OSC on udp {self.host}:{self.port}: {exc.strerror or exc}; "
                "is another server using that port? pick another with --osc-port"
            ) from exc
        self._transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Room for bursts (a 1000-float /class is 4 kB) while the loop is busy.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self.port = transport.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
