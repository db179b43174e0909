"""The session on the session screen, shared by the view and its two panels."""

from __future__ import annotations

from debc_outreach.storage import sessions


class OpenSession:
    """Which session is shown, and the reason given for amending it when it is closed.

    The view sets both; the check-in and skills panels read them for every change they
    make (a change to a closed session needs the amendment's reason)."""

    def __init__(self) -> None:
        self.session: sessions.Session | None = None
        self.amend_reason = ""

    @property
    def locked(self) -> bool:
        """Closed and not being amended: nothing may change."""
        return bool(self.session and self.session.closed and not self.amend_reason)
