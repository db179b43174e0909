"""Serving the hub with uvicorn, with deadlines a slow or silent client cannot stretch.

uvicorn closes a kept-alive connection that stays idle, but it waits forever
for the headers of a request that was started and never finished, so a
thousand half-sent requests would be held open indefinitely. The protocol
below gives every request `Limits.header_seconds` to deliver its headers;
the application (hub/app.py) then gives the body its own deadline, and only
after the request proved which enrolled device sent it.
"""

from __future__ import annotations

import asyncio

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from debc_outreach.hub.app import Limits, create_app
from debc_outreach.hub.service import Hub


class _DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers are late."""

    header_seconds = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        # The first bytes of the next request on a kept-alive connection start its clock.
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_seconds, self._headers_late)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and (self.cycle is None
                                                   or self.cycle.response_complete):
            # Still waiting for (the rest of) a request's headers: let it go.
            if not self.transport.is_closing():
                self.transport.close()


def protocol_class(limits: Limits) -> type[H11Protocol]:
    """The h11 protocol with `limits.header_seconds` as its header deadline."""
    return type("HubH11Protocol", (_DeadlineH11Protocol,),
                {"header_seconds": limits.header_seconds})


def config(hub: Hub, host: str, port: int, limits: Limits | None = None,
           log_level: str = "info") -> uvicorn.Config:
    """The uvicorn configuration the hub runs with (also used by the tests)."""
    limits = limits or Limits()
    return uvicorn.Config(create_app(hub, limits), host=host, port=port, log_level=log_level,
                          proxy_headers=True, server_header=False, lifespan="off",
                          http=protocol_class(limits),
                          timeout_keep_alive=int(max(1, limits.keep_alive_seconds)),
                          limit_concurrency=limits.connections, backlog=2048)


def _allow_open_files(count: int) -> None:
    """Raise the process's soft open-file limit towards `count` (many systems start at
    1,024, fewer than the connections the hub is meant to hold)."""
    try:
        import resource
    except ImportError:          # Windows: no such limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count if hard == resource.RLIM_INFINITY else min(count, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def serve(hub: Hub, host: str, port: int, limits: Limits | None = None) -> None:
    """Run the hub until interrupted (TLS belongs to a reverse proxy)."""
    limits = limits or Limits()
    _allow_open_files(limits.connections + 256)
    uvicorn.Server(config(hub, host, port, limits)).run()
