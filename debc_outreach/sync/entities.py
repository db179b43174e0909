"""Load every feature module that registers an entity with the projection.

An importing device must know how to apply participants, sessions,
attendance and checklist events even if no screen for them was opened yet.
"""

from __future__ import annotations

import importlib

FEATURE_MODULES = (
    "debc_outreach.storage.trainers",
    "debc_outreach.storage.participants",
    "debc_outreach.storage.sessions",
    "debc_outreach.storage.attendance",
    "debc_outreach.storage.checklist",
    "debc_outreach.storage.privacy",
    "debc_outreach.sync.conflicts",
    "debc_outreach.sync.statements",
)


def load() -> None:
    for name in FEATURE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
