"""Hatch build hook: compile the gettext catalogs (locales/*.po -> .mo).

Runs for wheels and editable installs alike, so `pip install -e .` leaves
ready catalogs in debc_outreach/locale/. Uses Babel, not msgfmt.
"""

import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        root = Path(self.root)
        sys.path.insert(0, str(root))
        try:
            from debc_outreach.i18n_catalogs import compile_catalogs
        finally:
            sys.path.pop(0)
        compile_catalogs(root / "locales", root / "debc_outreach" / "locale")
