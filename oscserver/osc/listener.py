"""OSC over UDP on the asyncio event loop.

Each datagram passes the front door (allowed network, rate per sending host), then goes to the
router (the ``Inbox``) with a ``Sender`` that can answer the sender. ``send`` pushes datagrams
out of the same socket (replies and subscriptions), so controllers see answers come from the port
they send to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from oscserver.control.senders import Inbox, Sender
from oscserver.core.errors import Reason, StartupError
from oscserver.osc.front_door import FrontDoor
from oscserver.osc.options import OscOptions

log = logging.getLogger("oscserver.osc")

RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024


class _OscProtocol(asyncio.DatagramProtocol):
    def __init__(self, listener: OscListener) -> None:
        self._listener = listener

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        try:
            self._listener.received(data, addr)
        except Exception:  # never let one datagram stop the listener
            log.exception("unexpected error handling a datagram from %s", addr)

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" for a reply or a push to a controller that went away.
        log.debug("OSC socket error: %s", exc)


class OscListener:
    """Listens for OSC datagrams on ``host:port`` until ``stop``."""

    def __init__(
        self,
        inbox: Inbox,
        options: OscOptions,
        front_door: FrontDoor | None = None,
    ) -> None:
        """Listens on ``options.host`` and ``options.port`` (0: any free port; ``port`` says
        which once started)."""
        self._inbox = inbox
        self.host = options.host
        self.port = options.port
        self.front_door = front_door or FrontDoor(None, rate=0)
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _OscProtocol(self), local_addr=(self.host, self.port)
            )
        except OSError as exc:
            raise StartupError(
                f"cannot listen for OSC on udp {self.host}:{self.port}: {exc.strerror or exc}; "
                "is another server using that port? pick another with --osc-port"
            ) from exc
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Room for bursts (a 1000-float /class is 4 kB) while the loop is busy.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        self.port = transport.get_extra_info("sockname")[1]
        log.info("listening for OSC on udp %s:%d", self.host, self.port)
        if self.front_door.allow is None:
            log.warning(
                "OSC port udp %s:%d is open to every host that can reach it; limit it with "
                "--osc-allow CIDR",
                self.host,
                self.port,
            )

    def received(self, data: bytes, addr: tuple) -> None:
        host = str(addr[0])
        refused = self.front_door.admit(host)
        if refused is not None:
            what = "not in --osc-allow" if refused == Reason.NOT_ALLOWED else "sending too fast"
            self._inbox.reject(refused, f"datagram from {host}: {what}", Sender(host, host))
            return
        sender = Sender(
            f"{host}:{addr[1]}",
            host,
            reply=lambda data: self.send(data, addr),
            send_to_port=lambda port, data: self.send(data, (host, port)),
        )
        self._inbox.handle_datagram(data, sender)

    def send(self, data: bytes, addr: tuple) -> None:
        """Send one datagram from the OSC port (dropped if the socket is closed or full)."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        try:
            transport.sendto(data, addr)
        except OSError as exc:  # an unreachable or badly formed destination
            log.debug("OSC send to %s failed: %s", addr, exc)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
