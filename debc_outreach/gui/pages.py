"""The areas shown in the navigation, in order.

Each feature adds its Page class here. Pages are built the first time they
are shown, so start-up stays fast however many areas the app grows.
"""

from __future__ import annotations

from debc_outreach.gui.page import Page


def page_classes() -> list[type[Page]]:
    from debc_outreach.gui.home_page import HomePage

    return [HomePage]
