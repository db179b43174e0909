"""The village picker: suggestions that tell same-named villages apart, and a province
filter each trainer's computer remembers (default: the certificate's province)."""

import pytest
from support.sync_devices import make_programme

from debc_outreach.gui.participants.participant_dialog import ParticipantDialog
from debc_outreach.gui.sessions.session_plan_dialog import SessionPlanDialog
from debc_outreach.gui.widgets.village_picker import (
    CODE_ROLE,
    ProvinceFilter,
    VillagePicker,
    certificate_province,
)
from debc_outreach.storage import preferences

KAMPOT = "07"


def _suggested(picker: VillagePicker, text: str) -> list[str]:
    picker.setText(text)
    picker.textEdited.emit(text)
    model = picker.completer().model()
    return [model.index(row, 0).data(CODE_ROLE) for row in range(model.rowCount())]


@pytest.mark.qt_log_ignore("This plugin does not support")     # the offscreen popup
def test_suggestions_name_commune_district_and_province(qtbot, store):
    picker = VillagePicker()
    qtbot.addWidget(picker)
    codes = _suggested(picker, "ក្រាំង")
    labels = [picker.completer().model().index(row, 0).data()
              for row in range(len(codes))]
    assert labels[0].startswith("Krang, ") and labels[0].count(", ") == 3
    assert len(set(labels)) == len(labels)       # same-named villages are told apart


@pytest.mark.qt_log_ignore("This plugin does not support")
@pytest.mark.parametrize("typed", ["thmei", "ថ្មី"])
def test_suggestions_are_shown_whole_with_their_province(qtbot, store, typed):
    """The popup grows past the narrow box so a suggestion's end (the province) shows."""
    picker = VillagePicker()
    qtbot.addWidget(picker)
    picker.resize(300, picker.sizeHint().height())
    picker.show()
    _suggested(picker, typed)
    popup = picker.completer().popup()
    model = picker.completer().model()
    longest = max(popup.fontMetrics().horizontalAdvance(model.index(row, 0).data())
                  for row in range(model.rowCount()))
    assert popup.isVisible()
    assert popup.viewport().width() >= longest


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_the_province_filter_limits_suggestions_and_is_remembered_per_trainer(qtbot, store):
    first = ParticipantDialog(store, recorded_by="trainer-a")
    qtbot.addWidget(first)
    assert first.province.province() == ""          # not enrolled: every province
    first.province.setCurrentIndex(first.province.findData(KAMPOT))
    assert {code[:2] for code in _suggested(first.village, "ថ្មី")} == {KAMPOT}
    assert preferences.get(store.database, "trainer-a", preferences.VILLAGE_PROVINCE) == KAMPOT

    again = SessionPlanDialog(store, current_trainer="trainer-a")
    other = ParticipantDialog(store, recorded_by="trainer-b")
    qtbot.addWidget(again)
    qtbot.addWidget(other)
    assert again.province.province() == KAMPOT
    assert other.province.province() == ""
    assert len({code[:2] for code in _suggested(other.village, "ថ្មី")}) > 1


def test_an_enrolled_computer_starts_with_its_certificate_province(qtbot, tmp_path):
    coordinator, (kampot, districts, everywhere) = make_programme(
        tmp_path, trainers=3, scopes=[[KAMPOT], ["0701", "0702"], ["07", "12"]])
    try:
        assert certificate_province(kampot) == KAMPOT
        assert certificate_province(districts) == KAMPOT
        assert certificate_province(everywhere) == ""
        assert certificate_province(coordinator) == ""
        picker = VillagePicker()
        qtbot.addWidget(picker)
        chooser = ProvinceFilter(picker, kampot, "trainer-a")
        qtbot.addWidget(chooser)
        assert chooser.province() == KAMPOT
        chooser.setCurrentIndex(0)                  # a trainer's own choice wins afterwards
        assert ProvinceFilter(picker, kampot, "trainer-a").province() == ""
    finally:
        for device in (coordinator, kampot, districts, everywhere):
            device.close()
