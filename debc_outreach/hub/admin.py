"""The admin view: every device seen, its area, last exchanges, what it still lacks."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from debc_outreach.errors import UserError
from debc_outreach.hub import delta
from debc_outreach.hub.service import Hub
from debc_outreach.sync import trust


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    name: str
    role: str
    scope: list[str]
    expires: str
    revoked: bool
    last_push: str
    last_pull: str
    pushes: int
    pulls: int
    pending: int          # events of its area on the hub that it has not reported holding

    def as_json(self) -> dict:
        return asdict(self)


def devices(hub: Hub) -> list[DeviceRow]:
    prog = hub.programme()
    revoked = hub.revoked() if prog else set()
    rows = []
    for (device_id, name, role, scope, expires, known, certificate, last_push, last_pull,
         pushes, pulls) in hub.db.query(
            "SELECT device_id, name, role, scope, expires, vector, certificate, last_push, "
            "last_pull, pushes, pulls FROM hub_device ORDER BY name, device_id"):
        held = {str(k): int(v) for k, v in json.loads(known).items()}
        try:
            cert = trust.verify_certificate(prog, json.loads(certificate))
            planned = delta.plan(hub, cert, held, limit=1 << 62)
            # Events of its area: a range also carries stand-ins up to a signed head.
            pending = sum(last - first + 1 for first, last in planned.ranges.values()) \
                if planned.full is None else sum(map(len, planned.full.values()))
        except UserError:
            pending = 0
        rows.append(DeviceRow(device_id, name, role, json.loads(scope), expires,
                              device_id in revoked, last_push, last_pull, int(pushes),
                              int(pulls), pending))
    return rows
