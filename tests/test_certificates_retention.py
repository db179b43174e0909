"""Retention removes a participant's name from this laptop's signed certificate codes too."""

from __future__ import annotations

import datetime as dt

import pytest
from support.sync_devices import VILLAGE_IN, make_programme, send

from debc_outreach.storage import attendance, participants, privacy, retention, sessions
from debc_outreach.storage.check import check_database
from debc_outreach.sync import statements


@pytest.mark.slow
def test_retention_redacts_the_certificate_codes_of_a_purged_name(tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path)
    bundles = tmp_path / "bundles"
    try:
        privacy.set_rule(coordinator, privacy.RETENTION_DAYS, 90)
        person = participants.add_participant(trainer, "Kolab Sreyneang", sex="F",
                                              village_code=VILLAGE_IN)
        session = sessions.create(trainer, dt.date.today().isoformat(), VILLAGE_IN)
        attendance.check_in(trainer, session.id, person.id)
        issued = statements.issue(trainer, person.id, "Kolab Sreyneang", ["m"], [],
                                  session.date, VILLAGE_IN)
        send(coordinator, trainer, bundles)
        send(trainer, coordinator, bundles)
        send(coordinator, trainer, bundles)
        retention.note_acknowledgements(trainer)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
        assert retention.apply_retention(trainer, now=later).eligible == 1
        assert trainer.database.scalar("SELECT count(*) FROM issued_certificate") == 0
        assert trainer.database.scalar("SELECT count(*) FROM event WHERE entity = "
                                       "'issued_certificate' AND op != 'redacted'") == 0
        assert check_database(trainer.database) == []
        # the paper still checks out everywhere; the short code only where it is kept
        assert statements.verify(trainer, issued.code).genuine
        assert statements.verify(trainer, issued.short).kind == statements.UNKNOWN_CODE
        assert statements.verify(coordinator, issued.short).genuine
    finally:
        trainer.close()
        coordinator.close()
