"""Named report periods (this month, last quarter, …) as date ranges; no I/O."""

from __future__ import annotations

import datetime as dt

from debc_outreach.i18n import N_

PERIODS: dict[str, str] = {
    "all": N_("All dates"),
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "this_quarter": N_("This quarter"),
    "last_quarter": N_("Last quarter"),
    "this_year": N_("This year"),
    "last_12_months": N_("Last 12 months"),
    "custom": N_("Chosen dates"),
}


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def period_range(name: str, today: dt.date) -> tuple[str, str]:
    """ISO (from, to) of a named period; ("", "") for all dates or chosen dates."""
    if name == "this_month":
        start, end = _month_start(today), today
    elif name == "last_month":
        start = _month_start(today, 1)
        end = _month_start(today) - dt.timedelta(days=1)
    elif name in ("this_quarter", "last_quarter"):
        first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        if name == "this_quarter":
            start, end = first, today
        else:
            start = _month_start(first, 3)
            end = first - dt.timedelta(days=1)
    elif name == "this_year":
        start, end = dt.date(today.year, 1, 1), today
    elif name == "last_12_months":
        start, end = _month_start(today, 11), today
    else:
        return "", ""
    return start.isoformat(), end.isoformat()
