"""One way to run a user's change (gui/changes.py) and one way for a task to open the store
(gui/tasks.py)."""

from __future__ import annotations

import threading

from debc_outreach.errors import UserError
from debc_outreach.gui import changes, tasks
from debc_outreach.storage import events, participants


def _capture(monkeypatch, context) -> tuple[list, list]:
    shown, announced = [], []
    monkeypatch.setattr(changes, "show_user_error",
                        lambda parent, error, title="": shown.append((str(error), title)))
    context.records_changed.connect(announced.append)
    return shown, announced


def test_a_change_is_made_and_announced_once(app_context, monkeypatch):
    shown, announced = _capture(monkeypatch, app_context)
    done = changes.run_change(app_context, None, "participant",
                              lambda: participants.add_participant(app_context.store, "Sok Dara"))
    assert done and done.value.display_name == "Sok Dara"
    assert announced == ["participant"] and shown == []


def test_a_refused_change_is_shown_and_not_announced(app_context, monkeypatch):
    shown, announced = _capture(monkeypatch, app_context)
    before = events.count(app_context.store.database.conn)

    def refused():
        raise UserError("The birth year 3000 is in the future.")

    done = changes.run_change(app_context, None, "participant", refused, title="Participant")
    assert not done and done.value is None
    assert shown == [("The birth year 3000 is in the future.", "Participant")]
    assert announced == []
    assert events.count(app_context.store.database.conn) == before


def test_attempt_shows_the_error_and_announces_nothing(app_context, monkeypatch):
    shown, announced = _capture(monkeypatch, app_context)
    assert changes.attempt(None, lambda: 42).value == 42
    assert not changes.attempt(None, lambda: participants.checked_name(""))
    assert len(shown) == 1 and announced == []


def test_a_task_gets_a_store_of_its_own_on_the_same_folder(app_context):
    store = app_context.store
    participants.add_participant(store, "Chan Thy")
    seen = {}

    def work():
        with tasks.store_for_this_thread(store) as own:
            seen["connection"] = own.database.conn is not store.database.conn
            seen["device"] = own.device_id == store.device_id
            seen["people"] = participants.count(own.database)
            seen["temp"] = own.temp_dir.parent == store.temp_dir.parent \
                and own.temp_dir != store.temp_dir

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == {"connection": True, "device": True, "people": 1, "temp": True}
