"""Running a user's change to the records: one way for every page and dialog.

    done = run_change(self.context, self, "attendance",
                      lambda: attendance.check_in(store, session_id, person_id))
    if not done:
        return                      # the UserError was shown; nothing changed
    result = done.value

The change runs on the GUI thread (a single committed transaction in the
services below). A `UserError` it raises is shown as a message and nothing is
announced; otherwise the change is announced once through
`AppContext.announce_change`, which says what changed and who changed it, and
every page showing those records refreshes from that signal. Long work runs
as a `tasks.StoreTask` instead and announces when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtWidgets import QWidget

from debc_outreach.errors import UserError
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """What `run_change` returns: true when the change was made; `value` is its result."""

    made: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.made


def attempt(parent: QWidget | None, action: Callable[[], T], *, title: str = "") -> Done[T]:
    """Run `action()`; a `UserError` it raises is shown over `parent` (titled `title`)."""
    try:
        return Done(True, action())
    except UserError as error:
        show_user_error(parent, error, title)
        return Done(False)


def run_change(context: AppContext, parent: QWidget | None, entity: str,
               change: Callable[[], T], *, title: str = "") -> Done[T]:
    """Make `change()`; show a `UserError` over `parent` (titled `title`), else announce
    that records of `entity` ("" for "anything") changed."""
    done = attempt(parent, change, title=title)
    if done:
        context.announce_change(entity)
    return done
