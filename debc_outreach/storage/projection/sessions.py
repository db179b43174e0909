"""Sessions: a plain entity; module and trainer lists are stored as JSON."""

from __future__ import annotations

import json

from debc_outreach.storage.projection.spec import Derive, Entity

FIELDS = frozenset({"date", "start_time", "venue", "village_code", "modules", "trainer_ids",
                    "partner", "audience", "language", "state", "closed_at", "amendment",
                    "deleted"})


def _json_list(name: str) -> Derive:
    return lambda fields: {name: json.dumps(list(fields[name] or []), ensure_ascii=False)}


SESSION = Entity("session", FIELDS, {"modules": _json_list("modules"),
                                     "trainer_ids": _json_list("trainer_ids")})
