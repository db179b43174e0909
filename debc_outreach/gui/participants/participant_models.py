"""Item models over the participant registry (Qt side; queries live in storage/).

`RegistryModel` fills lazily: Qt asks `canFetchMore()`/`fetchMore()` as the
view scrolls, and each call reads the next page by keyset (sort key, id), so
opening the registry with 100,000 people reads only the first page.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt

from debc_outreach import i18n
from debc_outreach.core import people
from debc_outreach.gui.widgets.paged_model import PagedTableModel
from debc_outreach.i18n import _, pgettext
from debc_outreach.storage import gazetteer, registry
from debc_outreach.storage.database import Database
from debc_outreach.storage.participants import Participant

PAGE = 200
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def sex_label(code: str) -> str:
    return _(people.SEX_NAMES.get(code, people.SEX_NAMES["X"]))


def age_label(person: Participant) -> str:
    if person.birth_year:
        return i18n.format_year(person.birth_year)
    return i18n.localize_digits(_(people.AGE_BAND_NAMES[person.age_band])) \
        if person.age_band else "—"


def disability_label(person: Participant) -> str:
    if person.disability is None:
        return "—"
    # TRANSLATORS: a person has a functional difficulty (Washington Group questions).
    return pgettext("disability", "Yes") if person.disability else pgettext("disability", "No")


class RegistryModel(PagedTableModel):
    """Participants in Khmer alphabetical order, read page by page."""

    page_size = PAGE

    def __init__(self, database: Database, parent: QObject | None = None):
        super().__init__(parent)
        self._database = database
        self._filter = registry.Filter()

    # --- the filter ---------------------------------------------------------------
    def set_filter(self, filt: registry.Filter) -> None:
        self.beginResetModel()
        self._filter = filt
        # The first page comes with the reset: one signal, and the view is never empty.
        self.reset_rows(registry.page(self._database, filt, limit=PAGE))
        self.endResetModel()

    def refresh(self) -> None:
        self.set_filter(self._filter)

    @property
    def current_filter(self) -> registry.Filter:
        return self._filter

    def total(self) -> int:
        return registry.count(self._database, self._filter)

    def participant(self, row: int) -> Participant | None:
        return self._rows[row].participant if 0 <= row < len(self._rows) else None

    def row_of(self, participant_id: str) -> int:
        for row, item in enumerate(self._rows):
            if item.participant.id == participant_id:
                return row
        return -1

    # --- lazy filling ---------------------------------------------------------------
    def next_page(self) -> list[registry.Row]:
        after = (self._rows[-1].sort_key, self._rows[-1].participant.id) if self._rows else None
        return registry.page(self._database, self._filter, after=after, limit=PAGE)

    # --- table ------------------------------------------------------------------------
    COLUMNS = ("name", "sex", "age", "village", "disability", "consent")

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return {"name": _("Name"), "sex": _("Sex"), "age": _("Birth year / age"),
                "village": _("Village"), "disability": _("Disability"),
                "consent": _("Consent")}[self.COLUMNS[section]]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        person = self._rows[index.row()].participant
        if role == ID_ROLE:
            return person.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = self.COLUMNS[index.column()]
        if column == "name":
            return person.display_name
        if column == "sex":
            return sex_label(person.sex)
        if column == "age":
            return age_label(person)
        if column == "village":
            return gazetteer.village_name(person.village_code)
        if column == "disability":
            return disability_label(person)
        # TRANSLATORS: the person agreed to their name being recorded.
        return {"yes": pgettext("consent", "Yes"),
                "no": pgettext("consent", "No")}.get(person.consent, "—")


class PeopleListModel(QAbstractListModel):
    """A short list of participants (search results, people checked in)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._people: list[Participant] = []
        self._marked: set[str] = set()
        self._extra = ""            # an extra last row, e.g. "+ New participant"

    def set_people(self, found: list[Participant], marked: set[str] | None = None,
                   extra: str = "") -> None:
        self.beginResetModel()
        self._people = list(found)
        self._marked = set(marked or ())
        self._extra = extra
        self.endResetModel()

    def people(self) -> list[Participant]:
        return list(self._people)

    def participant(self, row: int) -> Participant | None:
        return self._people[row] if 0 <= row < len(self._people) else None

    def is_extra(self, row: int) -> bool:
        return bool(self._extra) and row == len(self._people)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._people) + bool(self._extra)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        if self.is_extra(index.row()):
            return self._extra if role == Qt.ItemDataRole.DisplayRole else None
        person = self._people[index.row()]
        if role == ID_ROLE:
            return person.id
        if role == Qt.ItemDataRole.DisplayRole:
            details = [gazetteer.village_name(person.village_code), age_label(person)]
            if person.phone:
                details.append(person.phone)
            text = "{name}  ·  {details}".format(
                name=person.display_name, details=" · ".join(d for d in details if d))
            if person.id in self._marked:
                text = _("{person}  (already checked in)").format(person=text)
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return gazetteer.village_label(person.village_code)
        return None
