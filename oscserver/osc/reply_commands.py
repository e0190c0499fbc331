"""Addresses that talk back: ``/ping``, ``/get``, ``/status``, ``/subscribe``, ``/unsubscribe``.

Replies go to the sender's address and port (the port its datagrams came from), except the
pushes of a subscription, which go to the sender's host on the port it names, so a controller
whose receiving port differs from its sending port (TouchOSC, Max ``udpreceive``) gets them:

    /ping [ARGS]                 -> /pong [ARGS]
    /get ADDRESS|PATTERN         -> ADDRESS VALUE... (one message per readable match, at
                                    most 256; then /get/more PATTERN LEFT_OUT)
    /status                      -> /status/fps, /status/frame_ms, /status/accepted,
                                    /status/rejected, /status/loop_lag_ms
    /subscribe PORT [PATTERN...] -> /subscribed PORT LEASE_S ADDRESSES, then changed values
    /unsubscribe PORT            -> /unsubscribed PORT
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from oscserver.control.senders import Sender
from oscserver.core.errors import ControlError, Reason
from oscserver.osc.arguments import inside, integer_argument
from oscserver.osc.command import Call, Command
from oscserver.osc.describe import Address, Arg
from oscserver.osc.encoder import encode_message
from oscserver.osc.namespace import Namespace
from oscserver.osc.subscriptions import Subscriptions
from oscserver.osc.values import type_name

SUBSCRIPTION_LEASE_SECONDS = 60.0
MAX_GET_REPLIES = 256
PORT = Arg("i", 1, 65535)
StatusReader = Callable[[], dict[str, object]]


class _UdpSubscriber:
    def __init__(self, send_to_port: Callable[[int, bytes], None], port: int) -> None:
        self._send_to_port = send_to_port
        self.port = port

    def deliver(self, address: str, data: bytes) -> None:
        self._send_to_port(self.port, data)

    def space_changed(self) -> None:
        """Plain OSC has no way to say so; the values of the new generator follow."""


def reply_commands(
    namespace: Namespace,
    subscriptions: Subscriptions,
    status: StatusReader,
    lease: float = SUBSCRIPTION_LEASE_SECONDS,
) -> list[Command]:
    """The commands that answer, reading ``namespace`` and ``status``."""

    def ping(call: Call) -> None:
        args, sender = call.args, call.sender
        _reply(sender, "/pong", [a for a in args if _sendable(a)])

    def get(call: Call) -> None:
        args, sender = call.args, call.sender
        address = _one_string("/get", args, "an address or address pattern")
        found = namespace.readable(address)
        if not found:
            raise ControlError(
                Reason.UNKNOWN_ADDRESS,
                f"/get {address!r:.80}: no readable address; GET /osc lists them",
            )
        reading = namespace.reading()
        for described in found[:MAX_GET_REPLIES]:
            assert described.read is not None
            _reply(sender, described.address, described.read(reading))
        if len(found) > MAX_GET_REPLIES:
            _reply(sender, "/get/more", [address, len(found) - MAX_GET_REPLIES])

    def status_reply(call: Call) -> None:
        args, sender = call.args, call.sender
        _no_args("/status", args)
        now = status()
        osc = now["osc"]
        assert isinstance(osc, dict)
        lag = now.get("loop_lag_ms") or {}
        assert isinstance(lag, dict)
        for address, value in (
            ("/status/fps", _number(now["fps"])),
            ("/status/frame_ms", _number(now["frame_ms_p50"])),
            ("/status/accepted", int(osc["accepted"])),
            ("/status/rejected", int(osc["rejected"])),
            ("/status/loop_lag_ms", _number(lag.get("p99"))),
        ):
            _reply(sender, address, [value])

    def subscribe(call: Call) -> None:
        args, sender = call.args, call.sender
        if not args:
            raise ControlError(
                Reason.WRONG_COUNT, "/subscribe expects a port, then optional patterns"
            )
        port = _port("/subscribe", args[0])
        patterns = []
        for i, arg in enumerate(args[1:], start=1):
            if not isinstance(arg, str) or not arg.startswith("/"):
                raise ControlError(
                    Reason.WRONG_TYPE,
                    f"/subscribe: argument {i} must be an address or pattern such as /class/* "
                    f"(got {arg!r:.40}, {type_name(arg)})",
                )
            patterns.append(arg)
        if sender.host is None or sender.send_to_port is None:
            raise ControlError(
                Reason.WRONG_TYPE, "/subscribe works over UDP; on the OSCQuery WebSocket use LISTEN"
            )
        subscriber = _UdpSubscriber(sender.send_to_port, port)
        sub = subscriptions.add(("udp", sender.host, port), subscriber, patterns, lease)
        subscriber.deliver(
            "/subscribed",
            encode_message("/subscribed", [port, float(lease), len(sub.addresses)]),
        )

    def unsubscribe(call: Call) -> None:
        args, sender = call.args, call.sender
        if len(args) != 1:
            raise ControlError(Reason.WRONG_COUNT, "/unsubscribe expects the port it subscribed")
        port = _port("/unsubscribe", args[0])
        if sender.host is not None and sender.send_to_port is not None:
            subscriptions.remove(("udp", sender.host, port))
            sender.send_to_port(port, encode_message("/unsubscribed", [port]))

    return [
        Command.fixed(
            Address("/ping", (), "answers /pong, with the same arguments, to the sender"), ping
        ),
        Command.fixed(
            Address(
                "/get",
                (Arg("s"),),
                "answers with the current value of an address, or of every readable address a "
                "pattern matches, sent to that address",
            ),
            get,
        ),
        Command.fixed(
            Address(
                "/status",
                (),
                "answers /status/fps, /status/frame_ms, /status/accepted, /status/rejected, "
                "/status/loop_lag_ms",
            ),
            status_reply,
        ),
        Command.fixed(
            Address(
                "/subscribe",
                (PORT, Arg("s")),
                f"push changed values to this host on PORT (patterns optional, more may follow; "
                f"none: every listed value) for {lease:g} s; send again to renew",
                optional=1,
            ),
            subscribe,
        ),
        Command.fixed(Address("/unsubscribe", (PORT,), "stop the pushes to PORT"), unsubscribe),
    ]


def _reply(sender: Sender, address: str, args: Sequence[object]) -> None:
    if sender.reply is not None:
        sender.reply(encode_message(address, args))


def _sendable(value: object) -> bool:
    return value is None or type(value) in (bool, int, float, str, bytes) or isinstance(value, str)


def _one_string(address: str, args: Sequence[object], what: str) -> str:
    if len(args) != 1:
        raise ControlError(
            Reason.WRONG_COUNT, f"{address} expects {what}, got {len(args)} arguments"
        )
    if not isinstance(args[0], str):
        raise ControlError(
            Reason.WRONG_TYPE, f"{address} expects {what} as a string, got {type_name(args[0])}"
        )
    return args[0]


def _no_args(address: str, args: Sequence[object]) -> None:
    if args:
        raise ControlError(Reason.WRONG_COUNT, f"{address} takes no arguments, got {len(args)}")


def _number(value: object) -> float:
    """A figure of the status for OSC: 0.0 where there is none yet."""
    return float(value) if isinstance(value, int | float) else 0.0


def _port(address: str, arg: object) -> int:
    port = integer_argument(address, arg)
    if not inside(port, PORT):
        raise ControlError(Reason.OUT_OF_RANGE, f"{address}: port {port} is outside 1..65535")
    return port
