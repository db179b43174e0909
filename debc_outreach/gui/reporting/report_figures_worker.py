"""Dashboard figures computed off the GUI thread, on their own database connection
(opened like every background task's, `tasks.store_for_this_thread`).

A million attendance rows take seconds to add up; the page stays responsive,
shows how far the count has come, and shows the newest result only: a newer
request or Cancel stops the older walk where it is (no CPU spent on figures
nobody will see).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from debc_outreach.errors import UserError
from debc_outreach.gui.tasks import store_for_this_thread
from debc_outreach.reports import aggregates, targets
from debc_outreach.reports.filters import ReportFilter
from debc_outreach.reports.outcomes import Outcomes, outcomes
from debc_outreach.storage import driver, report_visits
from debc_outreach.storage.store import Store

log = logging.getLogger(__name__)
STALE_CHECK_STEPS = 20_000      # SQLite steps between two checks for a newer request


@dataclass(frozen=True)
class DashboardData:
    figures: aggregates.Figures
    targets: list[targets.Progress]
    skills_done: bool = True
    outcomes: Outcomes | None = None


class _Signals(QObject):
    partial = Signal(int, object)
    done = Signal(int, object)
    failed = Signal(int, str)
    progress = Signal(int, float, bool)     # generation, share done, counting skills


class _Stopped(Exception):
    """A newer request or Cancel made this count useless."""


class _Run(QRunnable):
    def __init__(self, generation: int, store: Store, filt: ReportFilter,
                 policy_modules: dict, item_ids: list[str], signals: _Signals,
                 current: Callable[[], int]):
        super().__init__()
        self.generation, self.store = generation, store
        self.filt, self.policy_modules, self.signals = filt, policy_modules, signals
        self.item_ids = item_ids
        self.current = current
        self.shown = -1.0

    def _outdated(self) -> int:
        """1 (stop the statement) once a newer request or Stop made this count useless."""
        return int(self.current() != self.generation)

    def _progress(self, share: float, skills: bool) -> None:
        if self._outdated():
            raise _Stopped()
        if share - self.shown >= 0.01:              # a hundred signals at most
            self.shown = share
            try:
                self.signals.progress.emit(self.generation, share, skills)
            except RuntimeError:                    # the page was closed meanwhile
                raise _Stopped() from None

    def _emit(self, signal, *args) -> bool:
        """Send a result; False when the page was closed meanwhile (nobody to tell)."""
        try:
            signal.emit(self.generation, *args)
        except RuntimeError:
            log.debug("dashboard figures computed for a closed page")
            return False
        return True

    def run(self) -> None:
        try:
            own = store_for_this_thread(self.store)
            database = own.database
            try:
                # The counting table first (a rebuild after a large import reports its
                # own progress); then a newer request or Stop also ends the SQL
                # statement under way (SQLite asks every few thousand steps), not only
                # the next call of `_progress`.
                report_visits.bring_up_to_date(
                    database, progress=lambda share: self._progress(share, False))
                database.conn.set_progress_handler(self._outdated, STALE_CHECK_STEPS)
                # Headline, charts and targets first (seconds on a million rows); the
                # skills and outcomes, which walk every checklist result and answer,
                # follow in a second step.
                figures = aggregates.figures(
                    database, self.filt, progress=lambda share: self._progress(share, False))
                progress = targets.progress(database, self.policy_modules, self.filt)
                if not self._emit(self.signals.partial, DashboardData(
                        replace(figures), progress, skills_done=False)):
                    return
                self.shown = -1.0
                # Outcomes walk every quick-check answer: with the skills, after the
                # headline figures are on screen.
                found = outcomes(database, self.filt)
                figures.skills = aggregates.skills_by_module(
                    database, self.filt, self.item_ids,
                    progress=lambda share: self._progress(share, True))
            finally:
                own.close()
        except _Stopped:
            log.debug("dashboard count %s stopped", self.generation)
            return
        except driver.OperationalError:
            if not self._outdated():
                raise
            log.debug("dashboard count %s interrupted", self.generation)
            return
        except UserError as error:
            self._emit(self.signals.failed, str(error))
        except Exception:   # noqa: BLE001 - logged and shown as a message on the page
            log.error("dashboard figures failed\n%s", traceback.format_exc())
            self._emit(self.signals.failed, "")
        else:
            self._emit(self.signals.done, DashboardData(figures, progress, outcomes=found))


class FiguresWorker(QObject):
    """`request(filter, …)`; `ready(DashboardData)` comes back twice (without, then with
    the skills), or `failed(message)`; `progress(share, skills)` meanwhile. `cancel()`
    stops the count."""

    ready = Signal(object)
    failed = Signal(str)
    progress = Signal(float, bool)

    def __init__(self, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.generation = 0
        self.busy = False
        self._signals = _Signals()
        self._signals.partial.connect(self._partial)
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._signals.progress.connect(self._progress)

    def request(self, filt: ReportFilter, policy_modules: dict, item_ids: list[str]) -> None:
        self.generation += 1
        self.busy = True
        QThreadPool.globalInstance().start(_Run(self.generation, self.store, filt,
                                                policy_modules, item_ids, self._signals,
                                                lambda: self.generation))

    def cancel(self) -> None:
        """Stop the running count; its results, if any arrive, are dropped."""
        self.generation += 1
        self.busy = False

    def _progress(self, generation: int, share: float, skills: bool) -> None:
        if generation == self.generation:
            self.progress.emit(share, skills)

    def _partial(self, generation: int, data: DashboardData) -> None:
        if generation == self.generation:
            self.ready.emit(data)

    def _done(self, generation: int, data: DashboardData) -> None:
        if generation == self.generation:
            self.busy = False
            self.ready.emit(data)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self.generation:
            self.busy = False
            self.failed.emit(message)
