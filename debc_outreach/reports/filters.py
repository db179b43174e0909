"""What a report covers: dates, place, module, policy area, trainer, device.

One `ReportFilter` drives the dashboard, every export and the targets'
actual figures, so a number on screen and the same number in a file always
come from the same SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from debc_outreach.errors import UserError
from debc_outreach.i18n import _, to_ascii_digits
from debc_outreach.storage.report_visits import (  # noqa: F401 - the counting rule, shared
    AGE_BAND_SQL,
    ATTENDANCE_FROM,
    ATTENDANCE_WHERE,
)

# The same rows, walked session by session in date order (the session_date index,
# then the attendance primary key), so an export needs no sort of a million rows.
EXPORT_FROM = """
FROM session s INDEXED BY session_date
CROSS JOIN attendance a ON a.session_id = s.id
JOIN participant m ON m.id = a.participant_id
JOIN participant p ON p.id = (CASE WHEN m.merged_into != '' THEN m.merged_into ELSE m.id END)
"""
EXPORT_ORDER = "ORDER BY s.date, s.rowid, a.participant_id"


@dataclass(frozen=True)
class ReportFilter:
    """Empty values do not filter. Dates are ISO strings, both ends included."""

    date_from: str = ""
    date_to: str = ""
    province: str = ""           # 2-digit gazetteer code
    district: str = ""           # 4-digit gazetteer code
    module: str = ""             # module slug
    module_slugs: tuple[str, ...] = field(default=())   # policy area, resolved to modules
    policy_area: str = ""        # the tag, kept for labels and the audit log
    trainer_id: str = ""
    device_id: str = ""

    def as_dict(self) -> dict:
        """Only the filters in use (audit log, file footers)."""
        data = asdict(self)
        data.pop("module_slugs")
        return {k: v for k, v in data.items() if v}

    def session_clauses(self) -> tuple[list[str], list]:
        """WHERE clauses on the session `s` (no device)."""
        clauses: list[str] = []
        params: list = []
        if self.date_from:
            clauses.append("s.date >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("s.date <= ?")
            params.append(self.date_to)
        if self.district:
            clauses.append("substr(s.village_code, 1, 4) = ?")
            params.append(self.district)
        elif self.province:
            clauses.append("substr(s.village_code, 1, 2) = ?")
            params.append(self.province)
        if self.module:
            clauses.append("EXISTS (SELECT 1 FROM json_each(s.modules) WHERE value = ?)")
            params.append(self.module)
        if self.policy_area:
            slugs = self.module_slugs or ("\x00",)      # an area with no module matches none
            marks = ", ".join("?" * len(slugs))
            clauses.append(f"EXISTS (SELECT 1 FROM json_each(s.modules) WHERE value IN "
                           f"({marks}))")
            params += list(slugs)
        if self.trainer_id:
            clauses.append("EXISTS (SELECT 1 FROM json_each(s.trainer_ids) WHERE value = ?)")
            params.append(self.trainer_id)
        return clauses, params

    def attendance_where(self) -> tuple[str, list]:
        """The WHERE body for ATTENDANCE_FROM."""
        clauses, params = self.session_clauses()
        if self.device_id:
            clauses.append("a.added_device = ?")
            params.append(self.device_id)
        return " AND ".join([ATTENDANCE_WHERE, *clauses]), params

    def session_where(self) -> tuple[str, list]:
        """The WHERE body for `FROM session s` (a device filter keeps its sessions)."""
        clauses, params = self.session_clauses()
        if self.device_id:
            clauses.append("EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id "
                           "AND a.added_device = ?)")
            params.append(self.device_id)
        return " AND ".join(["s.deleted = 0", *clauses]), params


def parse_date(text: str | None, what: str) -> str:
    """An ISO date typed with Latin or Khmer digits, or a UserError naming the option."""
    if not text:
        return ""
    cleaned = to_ascii_digits(text.strip())
    try:
        return dt.date.fromisoformat(cleaned).isoformat()
    except ValueError:
        raise UserError(_("{what}: {text} is not a date. Write it as YYYY-MM-DD, for example "
                          "2026-03-08.").format(what=what, text=text)) from None


def build_filter(*, date_from: str | None = None, date_to: str | None = None,
                 province: str | None = None, district: str | None = None,
                 module: str | None = None, policy_area: str | None = None,
                 trainer_id: str | None = None, device_id: str | None = None,
                 policy_modules: dict[str, tuple[str, ...]] | None = None) -> ReportFilter:
    """Check user input and build a filter; bad input raises a translated UserError."""
    start = parse_date(date_from, "--from")
    end = parse_date(date_to, "--to")
    if start and end and start > end:
        raise UserError(_("The start date {start} is after the end date {end}.")
                        .format(start=start, end=end))
    province = to_ascii_digits((province or "").strip())
    district = to_ascii_digits((district or "").strip())
    if province and not (len(province) == 2 and province.isdigit() and _province_known(province)):
        raise UserError(_("There is no province with code {code}. Province codes have two "
                          "digits, for example 12 for Phnom Penh.").format(code=province))
    if district and not (len(district) == 4 and district.isdigit()):
        raise UserError(_("There is no district with code {code}. District codes have four "
                          "digits, for example 1201.").format(code=district))
    if district and province and not district.startswith(province):
        raise UserError(_("District {district} is not in province {province}.")
                        .format(district=district, province=province))
    slugs: tuple[str, ...] = ()
    if policy_area:
        known = policy_modules if policy_modules is not None else {}
        if policy_area not in known:
            raise UserError(_("Unknown policy area {area}. Known areas: {known}")
                            .format(area=policy_area, known=", ".join(sorted(known)) or "—"))
        slugs = known[policy_area]
    return ReportFilter(start, end, province, district, module or "", slugs, policy_area or "",
                        trainer_id or "", device_id or "")


def _province_known(code: str) -> bool:
    from debc_outreach.storage import gazetteer

    return any(p[0] == code for p in gazetteer.provinces())
