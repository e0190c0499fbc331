"""OSC over UDP on the asyncio event loop.

Each datagram passes the front door (allowed network, rate per sending host), then goes to the
router (the ``Inbox``) with a ``Sender`` that can answer the sender. ``send`` pushes datagrams
out of the same socket (replies and subscriptions), so controllers see answers come from the port
they send to.

On Windows, a datagram sent to a port nobody listens on (a ``/pong`` to a controller that has
quit, a push to a subscriber that went away) comes back as an ICMP "port unreachable", which
Windows reports on the *next receive* as WSAECONNRESET; the Proactor event loop then stops
reading the socket for good (CPython issues 91227 and 127057). ``ignore_port_unreachable``
turns that report off (``SIO_UDP_CONNRESET``) on the one socket that both listens and answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from typing import Protocol, cast

from oscserver.control.senders import Inbox, Sender
from oscserver.core.errors import Reason, StartupError
from oscserver.core.stats import RateLimitedLog
from oscserver.osc.front_door import FrontDoor
from oscserver.osc.options import OscOptions

log = logging.getLogger("oscserver.osc")

RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024
SIO_UDP_CONNRESET = 0x9800000C
"""``_WSAIOW(IOC_VENDOR, 12)`` (Windows' mstcpip.h); ``socket.SIO_UDP_CONNRESET`` where Python
defines it."""


class IoctlSocket(Protocol):
    def ioctl(self, control: int, option: bool, /) -> object: ...


def ignore_port_unreachable(
    sock: socket.socket | IoctlSocket, platform: str = sys.platform
) -> bool:
    """On Windows, stop ICMP "port unreachable" from failing the socket's next receive (see the
    module's docstring). Returns whether it was needed. Elsewhere nothing is done: Linux and macOS
    report it to ``error_received`` and the socket reads on."""
    if platform != "win32":
        return False
    # socket.ioctl exists on Windows only (so its type does too).
    cast(IoctlSocket, sock).ioctl(getattr(socket, "SIO_UDP_CONNRESET", SIO_UDP_CONNRESET), False)
    return True


class _OscProtocol(asyncio.DatagramProtocol):
    def __init__(self, listener: OscListener) -> None:
        self._listener = listener
        self._errors = RateLimitedLog(log, interval=10.0)

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        try:
            self._listener.received(data, addr)
        except Exception:  # never let one datagram stop the listener
            log.exception("unexpected error handling a datagram from %s", addr)

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" for a reply or a push to a controller that went away: the
        # socket reads on (on Windows thanks to ignore_port_unreachable).
        self._errors.warning(
            type(exc).__name__, f"OSC reply or push not delivered (the port is closed?): {exc}"
        )


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
            sock = _bound_socket(self.host, self.port)
        except OSError as exc:
            raise StartupError(
                f"cannot listen for OSC on udp {self.host}:{self.port}: {exc.strerror or exc}; "
                "is another server using that port? pick another with --osc-port"
            ) from exc
        ignore_port_unreachable(sock)
        # Room for bursts (a 1000-float /class is 4 kB) while the loop is busy.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
        transport, _ = await loop.create_datagram_endpoint(lambda: _OscProtocol(self), sock=sock)
        self._transport = transport
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


def _bound_socket(host: str, port: int) -> socket.socket:
    """A UDP socket bound to ``host:port`` (IPv4 or IPv6, as ``host`` is), ready for asyncio."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.bind(address)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock
