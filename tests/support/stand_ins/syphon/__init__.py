"""Stand-in for syphon-python (macOS): ``SyphonMetalServer`` with the API of ``syphon/server.py``
that the Syphon sink uses."""

from __future__ import annotations

import threading

SERVERS: list[SyphonMetalServer] = []
"""Every server made, newest last."""


class Device:
    """A stand-in MTLDevice."""


class SyphonMetalServer:
    clients = 1
    """Set on the class: how many clients are connected (``has_clients``)."""
    fail_publish = False
    """Set on the class: ``publish_frame_texture`` raises, as PyObjC does when Metal fails."""

    def __init__(self, name: str, device: object = None, command_queue: object = None) -> None:
        self.name = name
        self.device = device if device is not None else Device()
        self.published: list[dict] = []
        self.stopped = False
        self.threads: set[str] = {threading.current_thread().name}
        SERVERS.append(self)

    @property
    def has_clients(self) -> bool:
        return self.clients > 0

    def publish_frame_texture(
        self,
        texture: object,
        region: object = None,
        size: object = None,
        is_flipped: bool = False,
        command_buffer: object = None,
        auto_commit: bool = True,
    ) -> None:
        self.threads.add(threading.current_thread().name)
        if self.fail_publish:
            raise RuntimeError("MTLCommandBuffer failed")
        self.published.append({"pixels": texture.pixels.copy(), "is_flipped": is_flipped})

    def publish(self) -> None:
        pass

    def stop(self) -> None:
        self.stopped = True
