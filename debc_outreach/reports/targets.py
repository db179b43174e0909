"""Targets a coordinator sets (per province, period and policy area) and their actuals.

A target is synced data: each change is a `target` event through
`Store.record()` (entity listed in storage/projection/), so targets set
at the provincial office reach every coordinator device. The actual figure
is computed from attendance with the same filters as the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from debc_outreach.core.ids import is_id, new_id
from debc_outreach.errors import UserError
from debc_outreach.i18n import N_, _, parse_int
from debc_outreach.reports import aggregates
from debc_outreach.reports.filters import ReportFilter, build_filter
from debc_outreach.storage.database import Database
from debc_outreach.storage.store import Store

MEASURES: dict[str, str] = {
    "participants": N_("Unique participants"),
    "women": N_("Women reached"),
    "disability": N_("People with disabilities reached"),
    "youth": N_("Youth reached (15–24)"),
    "elders": N_("Elders reached (60+)"),
    "attendances": N_("Attendances"),
    "sessions": N_("Sessions held"),
}


@dataclass(frozen=True)
class Target:
    id: str
    province_code: str
    period_start: str
    period_end: str
    policy_area: str
    measure: str
    value: int
    note: str = ""


@dataclass(frozen=True)
class Progress:
    target: Target
    actual: int

    @property
    def share(self) -> float:
        return self.actual / self.target.value if self.target.value else 0.0


def _checked(province_code: str, period_start: str, period_end: str, policy_area: str,
             measure: str, value, policy_modules: dict) -> dict:
    filt = build_filter(date_from=period_start, date_to=period_end, province=province_code,
                        policy_area=policy_area or None, policy_modules=policy_modules)
    if not filt.date_from or not filt.date_to:
        raise UserError(_("A target needs a period: give both a start and an end date."))
    if measure not in MEASURES:
        raise UserError(_("Unknown measure {measure}. Use one of: {known}")
                        .format(measure=measure, known=", ".join(MEASURES)))
    number = value if isinstance(value, int) else parse_int(str(value))
    if number is None or number <= 0:
        raise UserError(_("The target must be a whole number above zero, not {value}.")
                        .format(value=value))
    return {"province_code": filt.province, "period_start": filt.date_from,
            "period_end": filt.date_to, "policy_area": filt.policy_area, "measure": measure,
            "value": number}


def set_target(store: Store, *, province_code: str, period_start: str, period_end: str,
               measure: str, value, policy_area: str = "", note: str = "",
               policy_modules: dict | None = None, target_id: str | None = None) -> Target:
    """Create a target, or change one (`target_id`). One event."""
    fields = _checked(province_code, period_start, period_end, policy_area, measure, value,
                      policy_modules or {})
    fields["note"] = note.strip()
    if target_id:
        require(store.database, target_id)
    else:
        fields["deleted"] = 0
    new = target_id or new_id()
    store.record("target", new, fields)
    return require(store.database, new)


def remove_target(store: Store, target_id: str) -> None:
    require(store.database, target_id)
    store.record("target", target_id, {"deleted": 1})


_COLUMNS = "id, province_code, period_start, period_end, policy_area, measure, value, note"


def list_targets(database: Database) -> list[Target]:
    return [Target(*row) for row in database.conn.execute(
        f"SELECT {_COLUMNS} FROM target WHERE deleted = 0 "
        "ORDER BY period_start, province_code, policy_area, measure")]


def require(database: Database, target_id: str) -> Target:
    row = database.conn.execute(f"SELECT {_COLUMNS} FROM target WHERE id = ? AND deleted = 0",
                                (target_id,)).fetchone() if is_id(target_id or "") else None
    if row is None:
        raise UserError(_("There is no target with id {id}.").format(id=target_id))
    return Target(*row)


def actual(database: Database, target: Target, policy_modules: dict,
           base: ReportFilter | None = None) -> int:
    """The figure the target is measured against, from attendance in its scope."""
    filt = ReportFilter(
        date_from=target.period_start, date_to=target.period_end,
        province=target.province_code, policy_area=target.policy_area,
        module_slugs=tuple(policy_modules.get(target.policy_area, ())),
        device_id=base.device_id if base else "", trainer_id=base.trainer_id if base else "")
    if target.measure == "sessions":
        return aggregates.sessions_held(database, filt)
    headline = aggregates.headline(database, filt)
    return {"participants": headline.people, "women": headline.women,
            "disability": headline.disability, "youth": headline.youth,
            "elders": headline.elders, "attendances": headline.attendances}[target.measure]


def progress(database: Database, policy_modules: dict,
             filt: ReportFilter | None = None) -> list[Progress]:
    """Every target that overlaps the filter's period and place, with its actual figure."""
    out = []
    for target in list_targets(database):
        if filt is not None:
            if filt.date_from and target.period_end < filt.date_from:
                continue
            if filt.date_to and target.period_start > filt.date_to:
                continue
            if filt.province and target.province_code not in ("", filt.province):
                continue
            if filt.policy_area and target.policy_area not in ("", filt.policy_area):
                continue
        out.append(Progress(target, actual(database, target, policy_modules, filt)))
    return out
