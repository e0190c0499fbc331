"""Running an aiohttp app on the server's event loop: the viewer app and OSCQuery both."""

from __future__ import annotations

import logging

from aiohttp import web

from oscserver.core.errors import StartupError

log = logging.getLogger("oscserver.http")


class AppServer:
    """Serves ``app`` on ``host:port`` (port 0: any free port) until ``stop``.

    ``what`` and ``flag`` name the service and its port option in the error a taken port
    gives."""

    def __init__(self, app: web.Application, host: str, port: int, what: str, flag: str):
        self.host = host
        self.port = port
        self._app = app
        self._what = what
        self._flag = flag
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StartupError(
                f"cannot serve {self._what} on {self.host}:{self.port}: {exc.strerror or exc}; "
                f"is another program using that port? pick another with {self._flag}"
            ) from exc
        self._runner = runner
        addresses = runner.addresses  # the socket names of its one site
        if addresses:
            self.port = addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
