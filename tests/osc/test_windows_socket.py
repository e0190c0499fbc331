"""A reply to a port that has closed must not make the OSC port deaf (Windows: WSAECONNRESET
stops the Proactor loop reading; CPython issues 91227 and 127057). Windows is simulated: the
listener's socket setup is driven with the platform said to be win32 and a socket that records
its ioctl calls; the real sockets here are Linux's."""

from __future__ import annotations

import asyncio
import socket

from oscserver.osc import listener as listener_module
from oscserver.osc.listener import SIO_UDP_CONNRESET, ignore_port_unreachable
from oscserver.server import Server
from tests.support import OscSender, osc_message, serve_config, wait_for


class RecordingSocket:
    def __init__(self) -> None:
        self.ioctls: list[tuple[int, bool]] = []

    def ioctl(self, control: int, option: bool, /) -> None:
        self.ioctls.append((control, option))


def test_on_windows_port_unreachable_reports_are_turned_off():
    sock = RecordingSocket()
    assert ignore_port_unreachable(sock, platform="win32")
    assert sock.ioctls == [(SIO_UDP_CONNRESET, False)] and SIO_UDP_CONNRESET == 0x9800000C
    for platform in ("linux", "darwin"):
        assert not ignore_port_unreachable(sock, platform=platform)
    assert len(sock.ioctls) == 1


def test_the_listener_turns_them_off_on_the_socket_it_listens_and_answers_on(
    monkeypatch, tiny_generator
):
    seen: list[socket.socket] = []

    def on_windows(sock, platform=None):
        seen.append(sock)
        recording = RecordingSocket()
        assert ignore_port_unreachable(recording, platform="win32")
        return recording.ioctls == [(SIO_UDP_CONNRESET, False)]

    monkeypatch.setattr(listener_module, "ignore_port_unreachable", on_windows)

    async def main():
        server = await Server.start(serve_config(tiny_generator))
        try:
            assert len(seen) == 1 and seen[0].getsockname()[1] == server.osc_port
            assert seen[0].type == socket.SOCK_DGRAM
        finally:
            await server.stop()

    asyncio.run(main())


def test_a_reply_to_a_closed_port_leaves_the_port_hearing(tiny_generator):
    async def main():
        server = await Server.start(serve_config(tiny_generator))
        try:
            gone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            gone.bind(("127.0.0.1", 0))
            gone.sendto(osc_message("/ping", 1), ("127.0.0.1", server.osc_port))
            gone.close()  # the /pong goes to a closed port: ICMP port unreachable comes back
            await asyncio.sleep(0.2)
            with OscSender(server.osc_port) as osc:
                osc.sock.settimeout(2.0)
                osc.send("/ping", 2)
                reply, _ = await asyncio.to_thread(osc.sock.recvfrom, 1024)
                assert b"/pong" in reply
            counters = server.counters
            assert await wait_for(lambda: counters.as_dict()["accepted"] == 2)
        finally:
            await server.stop()

    asyncio.run(main())
