"""Sending OSC from the tests with python-osc (an encoder nobody here wrote), over real UDP."""

from __future__ import annotations

import socket


class OscSender:
    """Sends OSC messages and bundles to 127.0.0.1 over a real UDP socket (closed on exit)."""

    def __init__(self, port: int) -> None:
        self.address = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def __enter__(self) -> OscSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, address: str, *args: object) -> None:
        self.send_raw(osc_message(address, *args))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, self.address)

    def send_bundle(self, when: float, *messages: tuple) -> None:
        """``when``: wall-clock seconds since the epoch (0 for immediately)."""
        from pythonosc.osc_bundle_builder import OscBundleBuilder

        # python-osc types the time tag as int; it takes float seconds (and needs them here).
        bundle = OscBundleBuilder(when)  # type: ignore[arg-type]
        for address, *args in messages:
            bundle.add_content(_build(address, args))
        self.send_raw(bundle.build().dgram)


def _build(address: str, args):
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build()


def osc_message(address: str, *args: object) -> bytes:
    return _build(address, args).dgram
