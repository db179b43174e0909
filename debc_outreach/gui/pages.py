"""The areas shown in the navigation, in order.

Each feature adds one `PageEntry` to `PAGES`. Entries name the page's module
and class as strings: a page module (and whatever heavy library it needs,
such as cryptography for sync) is imported only when the page is first
shown, so start-up stays fast however many areas the app grows
(bench/bench_startup.py). `title` is marked with N_() and translated when
the navigation is drawn.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from debc_outreach.i18n import N_


class PageEntry(NamedTuple):
    key: str          # stable id, also `Page.key` of the class
    title: str        # N_()-marked; shown through _()
    icon: str         # file in ui/icons/
    module: str       # e.g. "debc_outreach.gui.shell.home_page"
    class_name: str   # a `Page` subclass in that module

    def load(self):
        return getattr(importlib.import_module(self.module), self.class_name)


PAGES: tuple[PageEntry, ...] = (
    PageEntry("home", N_("Home"), "home.svg", "debc_outreach.gui.shell.home_page", "HomePage"),
    PageEntry("sessions", N_("Sessions"), "sessions.svg",
              "debc_outreach.gui.sessions.sessions_page", "SessionsPage"),
    PageEntry("participants", N_("Participants"), "participants.svg",
              "debc_outreach.gui.participants.participants_page", "ParticipantsPage"),
    PageEntry("modules", N_("Modules"), "modules.svg", "debc_outreach.gui.teaching.modules_page",
              "ModulesPage"),
    PageEntry("glossary", N_("Glossary"), "glossary.svg",
              "debc_outreach.gui.teaching.glossary_view", "GlossaryPage"),
    PageEntry("reports", N_("Reports"), "reports.svg", "debc_outreach.gui.reporting.reports_page",
              "ReportsPage"),
    PageEntry("sync", N_("Sync"), "sync.svg", "debc_outreach.gui.exchange.sync_page", "SyncPage"),
    PageEntry("conflicts", N_("Conflicts"), "conflicts.svg",
              "debc_outreach.gui.exchange.conflicts_page", "ConflictsPage"),
    PageEntry("verify", N_("Verify"), "verify.svg", "debc_outreach.gui.reporting.verify_page",
              "VerifyPage"),
)
