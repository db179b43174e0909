"""Rows of the outcome tables (columns.KNOWLEDGE, FOLLOW_UP, SCAMS) for files.

Files leave the computer, so a cell of fewer than five people is suppressed:
its count shows "<5" and its shares stay empty. When only one group of a
breakdown is suppressed, the smallest other group is too, or the total minus
the shown groups would give it away (complementary suppression, as statistics
offices do). The dashboard, on the coordinator's own computer, shows every
figure.

`words=True` writes sex, age band, disability, mode and breakdown as words of
the file's language (XLSX, PDF); a CSV keeps their codes, as the attendance
CSVs do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_
from debc_outreach.reports import lookup
from debc_outreach.reports.columns import (
    AGE_BAND_NAMES,
    BREAKDOWN_NAMES,
    DISABILITY_NAMES,
    MODE_NAMES,
    SEX_NAMES,
)
from debc_outreach.reports.outcomes import FollowUp, Knowledge, Outcomes, ScamCell

MIN_PEOPLE = 5
SUPPRESSED = "<5"
SUPPRESSION_NOTE = N_("Cells of fewer than five people show <5 and no share, and so does "
                      "one more group when only one would be hidden, so nobody can be "
                      "recognised. Scam tallies are hands raised without names: they are "
                      "not split by sex, age or disability.")
_GROUP_NAMES = {"sex": SEX_NAMES, "age_band": AGE_BAND_NAMES, "disability": DISABILITY_NAMES}


def too_few(people: int) -> bool:
    return 0 < people < MIN_PEOPLE


def suppressed_cells(cells: dict[Hashable, tuple[Hashable, str, int]]) -> set[Hashable]:
    """Keys of the cells to hide. `cells` maps a key to (table, breakdown, people), where
    `table` names the figures whose groups add up to the same total."""
    hidden = {key for key, (_table, _breakdown, people) in cells.items() if too_few(people)}
    groups: dict[tuple, list[tuple[int, Hashable]]] = defaultdict(list)
    for key, (table, breakdown, people) in cells.items():
        if breakdown != "all" and people:
            groups[(table, breakdown)].append((people, key))
    for members in groups.values():
        if sum(1 for _people, key in members if key in hidden) == 1:
            shown = sorted((people, str(key), key) for people, key in members
                           if key not in hidden)
            if shown:
                hidden.add(shown[0][2])
    return hidden


def group_name(breakdown: str, group: str, lang: str, words: bool) -> str:
    if breakdown == "all":
        return label(BREAKDOWN_NAMES["all"], lang) if words else ""
    if not words:
        return group
    names = _GROUP_NAMES[breakdown]
    return label(names[group], lang) if group in names else group


def _breakdown(breakdown: str, lang: str, words: bool) -> str:
    return label(BREAKDOWN_NAMES[breakdown], lang) if words else breakdown


def knowledge_rows(rows: list[Knowledge], catalog: lookup.Catalog, lang: str, *,
                   words: bool, suppress: bool = True) -> list[tuple]:
    """Rows of columns.KNOWLEDGE."""
    hidden: set = set()
    if suppress:
        cells = {}
        for index, row in enumerate(rows):
            for phase, count in (("before", row.before), ("after", row.after)):
                cells[(index, phase)] = ((row.module, row.mode, phase), row.breakdown,
                                         count.people)
        hidden = suppressed_cells(cells)
    out = []
    for index, row in enumerate(rows):
        values: list[object] = []
        for phase, count in (("before", row.before), ("after", row.after)):
            if (index, phase) in hidden:
                values += [SUPPRESSED, ""]
            else:
                values += [count.people, round(count.share, 4) if count.answers else ""]
        both_shown = not ({(index, "before"), (index, "after")} & hidden)
        change = round(row.change, 4) if both_shown and row.change is not None else ""
        out.append((row.module, catalog.title(row.module, lang),
                    label(MODE_NAMES[row.mode], lang) if words else row.mode,
                    _breakdown(row.breakdown, lang, words),
                    group_name(row.breakdown, row.group, lang, words), *values, change))
    return out


def follow_up_rows(rows: list[FollowUp], catalog: lookup.Catalog, lang: str, *,
                   words: bool, suppress: bool = True) -> list[tuple]:
    """Rows of columns.FOLLOW_UP."""
    hidden = suppressed_cells({index: ((row.module, row.question_id), row.breakdown,
                                       row.people) for index, row in enumerate(rows)}) \
        if suppress else set()
    out = []
    for index, row in enumerate(rows):
        figures = (SUPPRESSED, "", "") if index in hidden else (row.people, row.safe,
                                                                 round(row.share, 4))
        out.append((row.module, catalog.title(row.module, lang), row.question_id,
                    catalog.question_text(row.question_id, lang),
                    _breakdown(row.breakdown, lang, words),
                    group_name(row.breakdown, row.group, lang, words), *figures))
    return out


def scam_rows(cells: list[ScamCell], catalog: lookup.Catalog, lang: str, *,
              suppress: bool = True) -> list[tuple]:
    """Rows of columns.SCAMS, kinds in the pack's order. Hands are counted without
    names, so only a district-month of fewer than five people asked is hidden."""
    order = {kind: index for index, kind in enumerate(catalog.scam_kinds)}
    out = []
    for cell in sorted(cells, key=lambda c: (c.district, c.month,
                                             order.get(c.kind, len(order)), c.kind)):
        if suppress and too_few(cell.asked):
            figures: tuple = (SUPPRESSED, SUPPRESSED, SUPPRESSED, "")
        else:
            figures = (cell.sessions, cell.asked, cell.met, round(cell.per_100, 1))
        out.append((cell.district[:2], lookup.province_name(cell.district[:2], lang),
                    cell.district, lookup.district_name(cell.district, lang), cell.month,
                    cell.kind, catalog.scam_kind(cell.kind, lang), *figures))
    return out


def all_rows(found: Outcomes, catalog: lookup.Catalog, lang: str, *,
             words: bool) -> dict[str, list[tuple]]:
    """The three tables of a file, suppressed: knowledge, follow-up, scams."""
    return {"knowledge": knowledge_rows(found.knowledge, catalog, lang, words=words),
            "follow-up": follow_up_rows(found.follow_ups, catalog, lang, words=words),
            "scams": scam_rows(found.scams, catalog, lang)}
