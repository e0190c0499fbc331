"""One browser (or any WebRTC peer) watching: its peer connection, video track and the
data channel it plays controls through."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable

from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription

from oscserver.control.senders import Inbox, Sender
from oscserver.core.errors import Reason
from oscserver.core.tasks import TaskManager
from oscserver.webrtc.codecs import prefer_codec
from oscserver.webrtc.ice import peer_configuration
from oscserver.webrtc.track import ViewerTrack

log = logging.getLogger("oscserver.webrtc")

MAX_CONTROL_MESSAGE_BYTES = 16_384


class Viewer:
    """A connected peer. ``close`` frees the peer connection and everything aiortc started."""

    def __init__(
        self,
        inbox: Inbox,
        tasks: TaskManager,
        token: str | None,
        on_closed: Callable[[Viewer], None],
    ) -> None:
        self.id = secrets.token_hex(4)
        self.pc = RTCPeerConnection(configuration=peer_configuration())
        self.track = ViewerTrack()
        self._inbox = inbox
        self._tasks = tasks
        self._token = token
        self._on_closed = on_closed
        self._closed = False
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_state)

    async def answer(self, sdp: str, kind: str, codec: str) -> RTCSessionDescription:
        """Take the viewer's offer and return our answer (ICE candidates included)."""
        transceiver = self.pc.addTransceiver(self.track, direction="sendonly")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        prefer_codec(transceiver, codec)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription

    @property
    def state(self) -> str:
        return self.pc.connectionState

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.track.stop()
        await self.pc.close()
        self._on_closed(self)

    def describe(self) -> dict[str, object]:
        return {
            "id": self.id,
            "state": self.state,
            "frames_sent": self.track.sent,
            "frames_skipped": self.track.slot.skipped,
        }

    # -- events ---------------------------------------------------------------------------

    def _on_state(self) -> None:
        log.info("viewer %s: connection %s", self.id, self.pc.connectionState)
        if self.pc.connectionState in ("failed", "closed"):
            self._close_soon()

    def _close_soon(self) -> None:
        if not self._closed:
            self._tasks.spawn(self.close(), name=f"viewer-close:{self.id}")

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        @channel.on("message")
        def on_message(message: str | bytes) -> None:
            reply = self.handle_control(message)
            if reply is not None and channel.readyState == "open":
                channel.send(json.dumps(reply))

        # A closed tab: free its connection now, not after ICE consent times out.
        channel.on("close", self._close_soon)

    def handle_control(self, message: str | bytes) -> dict[str, object] | None:
        """One data-channel message; the same validation path and counters as OSC."""
        sender = Sender(f"webrtc:{self.id}")
        if isinstance(message, bytes) or len(message) > MAX_CONTROL_MESSAGE_BYTES:
            return self._refuse(
                Reason.MALFORMED, "control messages are JSON text of at most 16 kB", sender, None
            )
        try:
            data = json.loads(message)
        except json.JSONDecodeError as exc:
            return self._refuse(
                Reason.MALFORMED, f"control message is not JSON: {exc}", sender, None
            )
        if not isinstance(data, dict):
            return self._refuse(
                Reason.MALFORMED, "control message must be a JSON object", sender, None
            )
        ident = data.get("id")
        kind = data.get("type", "control")
        if kind == "ping":
            return {"type": "pong", "t": data.get("t")}
        if kind != "control":
            return self._refuse(Reason.MALFORMED, f"unknown message type {kind!r}", sender, ident)
        if self._token is not None and not secrets.compare_digest(
            str(data.get("token", "")), self._token
        ):
            return self._refuse(
                Reason.UNAUTHORIZED, "control message without the right token", sender, ident
            )
        address, args = data.get("address"), data.get("args", [])
        if not isinstance(address, str) or not address.startswith("/"):
            return self._refuse(
                Reason.MALFORMED,
                '"address" must be an OSC address like "/truncation"',
                sender,
                ident,
            )
        if not isinstance(args, list):
            args = [args]
        error = self._inbox.handle_message(address, args, sender=sender)
        if error is None:
            return {"type": "result", "id": ident, "ok": True}
        return {
            "type": "result",
            "id": ident,
            "ok": False,
            "reason": error.reason,
            "error": str(error),
        }

    def _refuse(
        self, reason: Reason, message: str, sender: Sender, ident: object
    ) -> dict[str, object]:
        error = self._inbox.reject(reason, message, sender)
        return {"type": "result", "id": ident, "ok": False, "reason": reason, "error": str(error)}
