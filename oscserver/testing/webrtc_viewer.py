"""A Python viewer: connects to a server's POST /offer with aiortc, receives its video and
sends controls over the data channel. Used by the tests and `oscserver bench webrtc`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque

import aiohttp
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from oscserver.webrtc.ice import peer_configuration


class ViewerClient:
    def __init__(
        self,
        http_port: int,
        token: str | None = None,
        keep_pixels: bool = True,
        host: str = "127.0.0.1",
        history: int = 300,
    ) -> None:
        self.url = f"http://{host}:{http_port}"
        self.token = token
        self.keep_pixels = keep_pixels
        self.pc = RTCPeerConnection(configuration=peer_configuration())
        self.channel = self.pc.createDataChannel("control")
        # The newest ``history`` frames as (arrival time, pixels or None); bounded.
        self.frames: deque[tuple[float, np.ndarray | None]] = deque(maxlen=history)
        self.received = 0
        self.replies: asyncio.Queue[dict] = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._opened = asyncio.Event()
        self.channel.on("open", self._opened.set)
        self.channel.on("message", lambda m: self.replies.put_nowait(json.loads(m)))
        self.pc.on("track", self._on_track)
        self._next_id = 1

    def _on_track(self, track) -> None:
        self._reader = asyncio.get_running_loop().create_task(
            self._read(track), name="test-viewer-read"
        )

    async def _read(self, track) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                pixels = frame.to_ndarray(format="rgb24") if self.keep_pixels else None
                self.frames.append((time.monotonic(), pixels))
                self.received += 1

    async def connect(self, timeout: float = 15.0) -> dict:
        self.pc.addTransceiver("video", direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        body = {"sdp": self.pc.localDescription.sdp, "type": "offer", "token": self.token}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.url}/offer", json=body) as response,
        ):
            answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"offer refused ({response.status}): {answer}")
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(self._opened.wait(), timeout)
        return answer

    async def wait_frames(self, count: int, timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while self.received < count:
            if time.monotonic() > end:
                raise TimeoutError(f"only {self.received} of {count} frames in {timeout} s")
            await asyncio.sleep(0.02)

    async def control(self, address: str, *args: object, raw: str | None = None) -> dict:
        """Send a control (or ``raw`` text) and wait for its reply."""
        ident = self._next_id
        self._next_id += 1
        message = (
            raw
            if raw is not None
            else json.dumps(
                {
                    "type": "control",
                    "id": ident,
                    "address": address,
                    "args": list(args),
                    "token": self.token,
                }
            )
        )
        self.channel.send(message)
        while True:
            reply = await asyncio.wait_for(self.replies.get(), 5.0)
            if reply.get("type") == "result" and (raw is not None or reply.get("id") == ident):
                return reply

    async def close(self) -> None:
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
