"""Two-way OSC over real UDP: answers go back to the sender's port, subscriptions push changed
values (targets and the moving value) at most 30 times a second until unsubscribed or lapsed."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from pythonosc.osc_message import OscMessage

from oscserver.osc import reply_commands
from oscserver.osc.subscriptions import Subscriptions
from oscserver.server import Server
from tests.support import osc_message, serve_config


class Controller:
    """A controller's socket: sends from one port, reads what comes back (python-osc parses)."""

    def __init__(self, server_port: int) -> None:
        self.server = ("127.0.0.1", server_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]

    def send(self, address: str, *args: object) -> None:
        self.sock.sendto(osc_message(address, *args), self.server)

    async def receive(self, count: int = 1, timeout: float = 3.0) -> list[tuple[str, list, float]]:
        got: list[tuple[str, list, float]] = []
        end = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < end:
            try:
                data = await asyncio.to_thread(self.sock.recv, 65536)
            except TimeoutError:
                continue
            message = OscMessage(data)
            got.append((message.address, list(message.params), time.monotonic()))
        return got

    def close(self) -> None:
        self.sock.close()


async def _serve(tiny_generator) -> Server:
    server = await Server.start(serve_config(tiny_generator))
    return server


def test_ping_get_and_status_answer_the_sender(tiny_generator, monkeypatch):
    monkeypatch.setattr(reply_commands, "MAX_GET_REPLIES", reply_commands.MAX_GET_REPLIES)

    async def main():
        server = await _serve(tiny_generator)
        controller = Controller(server.osc_port)
        try:
            controller.send("/ping", 1, "two")
            assert (await controller.receive())[0][:2] == ("/pong", [1, "two"])
            controller.send("/truncation", 0.75)
            controller.send("/class/3", 0.5)
            await asyncio.sleep(0.1)
            controller.send("/get", "/truncation")
            address, args, _ = (await controller.receive())[0]
            assert address == "/truncation" and args == [pytest.approx(0.75)]
            controller.send("/get", "/class/[2-3]")
            answers = {a: v for a, v, _ in await controller.receive(2)}
            assert answers == {"/class/2": [0.0], "/class/3": [pytest.approx(0.5)]}
            controller.send("/get", "/model")
            assert (await controller.receive())[0][:2] == ("/model", ["tiny"])
            reply_commands.MAX_GET_REPLIES = 3  # a pattern answers a bounded number of times
            controller.send("/get", "/class/*")
            answers = [(a, v) for a, v, _ in await controller.receive(4)]
            assert [a for a, _ in answers[:3]] == ["/class/0", "/class/1", "/class/2"]
            assert answers[3] == ("/get/more", ["/class/*", 5])
            controller.send("/get", "/nowhere")
            address, args, _ = (await controller.receive())[0]
            assert address == "/error" and args[:2] == ["/get", "unknown_address"]
            controller.send("/status")
            status = {a: v[0] for a, v, _ in await controller.receive(5)}
            assert set(status) == {
                "/status/fps",
                "/status/frame_ms",
                "/status/accepted",
                "/status/rejected",
                "/status/loop_lag_ms",
            }
            assert status["/status/accepted"] >= 5 and status["/status/rejected"] == 1
            assert status["/status/fps"] > 10
        finally:
            controller.close()
            await server.stop()

    asyncio.run(main())


def test_subscription_pushes_changes_to_the_named_port_at_most_30_times_a_second(tiny_generator):
    async def main():
        server = await _serve(tiny_generator)
        controller = Controller(server.osc_port)
        listener = Controller(server.osc_port)  # TouchOSC listens on a port of its own
        try:
            controller.send("/subscribe", listener.port, "/truncation", "/now/truncation")
            first = await listener.receive(3)
            assert first[0][:2] == ("/subscribed", [listener.port, 60.0, 2])
            assert {a for a, _, _ in first[1:]} == {"/truncation", "/now/truncation"}

            controller.send("/smooth/truncation", 1.0)
            controller.send("/truncation", 1.0)
            pushes = await listener.receive(40, timeout=2.0)
            targets = [v[0] for a, v, _ in pushes if a == "/truncation"]
            moving = [(v[0], t) for a, v, t in pushes if a == "/now/truncation"]
            assert targets == [pytest.approx(1.0)]  # a target is sent once, when it changes
            values = [v for v, _ in moving]
            assert len(values) >= 20 and values == sorted(values) and 0.5 < values[-1] < 1.0
            span = moving[-1][1] - moving[0][1]
            assert (len(moving) - 1) / span <= 33  # 30 a second, with a little jitter

            controller.send("/unsubscribe", listener.port)
            assert ("/unsubscribed", [listener.port]) in [
                (a, v) for a, v, _ in await listener.receive(20, timeout=0.5)
            ]
            await asyncio.sleep(0.1)
            assert await listener.receive(1, timeout=0.3) == []
            assert len(server.subscriptions) == 0

            # Without patterns: every listed value; a bad pattern is refused with an /error.
            controller.send("/subscribe", listener.port)
            got = await listener.receive(1)
            assert got[0][0] == "/subscribed" and got[0][1][2] >= 10
            controller.send("/subscribe", 0)
            assert (await controller.receive())[0][1][:2] == ["/subscribe", "out_of_range"]
        finally:
            controller.close()
            listener.close()
            await server.stop()

    asyncio.run(main())


def test_subscriptions_lapse_and_are_bounded(tiny_generator):
    async def main():
        server = await _serve(tiny_generator)
        try:
            sent = []

            class Collect:
                def deliver(self, address, data):
                    sent.append(address)

                def space_changed(self):
                    sent.append("changed")

            subs = Subscriptions(server.namespace, max_subscriptions=2)
            subs.add("a", Collect(), ["/truncation"], lease=0.2)
            subs.add("b", Collect(), ["/class/*"])
            assert subs.push() == 1 + 8
            assert subs.push() == 0  # nothing changed
            with pytest.raises(Exception, match="subscriptions"):
                subs.add("c", Collect(), ["/noise"])
            await asyncio.sleep(0.3)
            subs.push()
            assert len(subs) == 1  # "a" lapsed
            subs.space_changed()
            assert sent[-1] == "changed"
        finally:
            await server.stop()

    asyncio.run(main())
