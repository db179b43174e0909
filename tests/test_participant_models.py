"""Item models pass Qt's model tester; the registry fills lazily."""

import datetime as dt

from debc_outreach.gui.participants.participant_models import PeopleListModel, RegistryModel
from debc_outreach.gui.sessions.checklist_model import ChecklistModel
from debc_outreach.gui.sessions.sessions_page import SessionsModel
from debc_outreach.storage import catalogue, demo, participants, registry, sessions


def test_registry_model_is_lazy_and_valid(qtmodeltester, app_context):
    store = app_context.store
    demo.generate(store, 450, 6, seed=1)
    model = RegistryModel(store.database)
    assert model.rowCount() == 0 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 200
    qtmodeltester.check(model)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == participants.count(store.database)


def test_registry_filter_reloads_the_first_page(app_context):
    store = app_context.store
    demo.generate(store, 450, 6, seed=1)
    model = RegistryModel(store.database)
    model.set_filter(registry.Filter(sex="F"))
    assert 0 < model.rowCount() <= 200
    assert {model.participant(r).sex for r in range(model.rowCount())} == {"F"}


def test_list_and_grid_models_are_valid(qtmodeltester, app_context):
    store = app_context.store
    people = [participants.add_participant(store, n) for n in ("ស្រីពៅ", "Sok Dara")]
    lists = PeopleListModel()
    lists.set_people(people, {people[0].id}, extra="+ new")
    qtmodeltester.check(lists)
    assert lists.rowCount() == 3 and lists.is_extra(2)
    session = sessions.create(store, dt.date.today().isoformat(), "12010101",
                              list(catalogue.modules())[:1])
    grid = ChecklistModel()
    grid.set_data(people, catalogue.checklist_items(session.modules), {})
    qtmodeltester.check(grid)
    listing = SessionsModel(store.database)
    listing.refresh()
    qtmodeltester.check(listing)


def test_pages_switch_language_at_once(qtbot, main_window):
    store = main_window.context.store
    participants.add_participant(store, "Sok Dara", sex="F")
    page = main_window.page("participants")
    assert page.model.data(page.model.index(0, 1)) == "Female"
    main_window.context.set_language("km")
    assert page.model.data(page.model.index(0, 1)) != "Female"
    assert main_window.page("sessions").heading.text() != "Sessions"
