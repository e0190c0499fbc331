"""Which local addresses WebRTC offers as ICE candidates, and no STUN by default.

aioice gathers every interface address except loopback, and aiortc falls back to a public
STUN server when none is configured. A server bound to loopback serves browsers on the same
machine, so it offers 127.0.0.1 alone and contacts nobody; bound to another address, it
offers the machine's interfaces as aioice finds them.
"""

from __future__ import annotations

import aioice.ice
from aiortc import RTCConfiguration

_original_host_addresses = aioice.ice.get_host_addresses


def offer_loopback_only(enabled: bool) -> None:
    """Offer only 127.0.0.1 (``enabled``) or every non-loopback interface (aioice's default).

    aioice has no per-connection setting for this, so it is chosen process-wide."""
    if enabled:
        aioice.ice.get_host_addresses = _loopback_addresses
    else:
        aioice.ice.get_host_addresses = _original_host_addresses


def _loopback_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else ["::1"]


def peer_configuration() -> RTCConfiguration:
    """No ICE servers: aiortc would otherwise ask a public STUN server."""
    return RTCConfiguration(iceServers=[])
