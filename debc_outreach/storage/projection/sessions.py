"""Sessions: a plain entity; module and trainer lists are stored as JSON."""

from __future__ import annotations

import json

from debc_outreach.i18n import N_
from debc_outreach.storage.projection import schema as s
from debc_outreach.storage.projection.spec import Derive, Entity

FIELDS = frozenset({"date", "start_time", "venue", "village_code", "modules", "trainer_ids",
                    "partner", "audience", "language", "state", "closed_at", "amendment",
                    "deleted"})


def _json_list(name: str) -> Derive:
    return lambda fields: {name: json.dumps(list(fields[name] or []), ensure_ascii=False)}


# A session edit carries only the fields that changed (none is required).
# | field                     | rule                                      |
# |---------------------------|-------------------------------------------|
# | date                      | an ISO date                               |
# | start_time                | "" or HH:MM                               |
# | venue, partner, audience  | text, at most 200 characters              |
# | village_code              | "" or a village of the gazetteer          |
# | modules                   | list of module slugs (<= 100)             |
# | trainer_ids               | list of record ids (<= 100)               |
# | language                  | km / en                                   |
# | state                     | planned / running / closed                |
# | closed_at                 | text (ISO time) or ""                     |
# | amendment                 | text (the reason a closed session changed)|
# | deleted                   | 0 / 1                                     |
SCHEMAS: dict[tuple[str, int], s.Schema] = {("set", 1): s.Schema((), {
    "date": s.date(empty=False), "start_time": s.time_of_day(), "venue": s.text(),
    "village_code": s.village(), "modules": s.list_of(s.slug(), 100, N_("a list of modules")),
    "trainer_ids": s.list_of(s.ident(), 100, N_("a list of record ids")),
    "partner": s.text(), "audience": s.text(), "language": s.choice(("km", "en")),
    "state": s.choice(("planned", "running", "closed")), "closed_at": s.text(40),
    "amendment": s.text(s.MAX_NOTE), "deleted": s.flag()})}

SESSION = Entity("session", FIELDS, {"modules": _json_list("modules"),
                                     "trainer_ids": _json_list("trainer_ids")})
