"""Modules: browse, filter and search the awareness modules; read, present, print, import
(and, on the coordinator's computer, sign a pack)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n, resources
from debc_outreach.content import ContentError, load_active_pack
from debc_outreach.content.contacts import CONTACTS_FILE
from debc_outreach.content.kit import KIT_FILE
from debc_outreach.content.labels import AUDIENCE_LABELS, TAG_LABELS
from debc_outreach.content.model import Module, Pack
from debc_outreach.content.search import ModuleIndex
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.errors import show_user_error
from debc_outreach.gui.page import Page
from debc_outreach.gui.teaching import pack_signing
from debc_outreach.gui.teaching.module_reader import ModuleReader
from debc_outreach.gui.widgets.flow_layout import FlowLayout
from debc_outreach.i18n import _, ngettext

SLUG_ROLE = Qt.ItemDataRole.UserRole


class ModulesPage(Page):
    key = "modules"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.pack: Pack | None = None
        self.index: ModuleIndex | None = None
        self.presentation = None
        self.load_error = ""
        self._content_language: str | None = None     # None: follow the app language

        self.heading = QLabel()
        self.heading.setFont(fonts.heading_font(self.font(), 1.6))
        self.pack_label = QLabel()
        self.pack_label.setWordWrap(True)
        self.import_button = QPushButton()
        self.import_button.clicked.connect(self.choose_pack_to_import)
        self.sign_button = QPushButton()
        self.sign_button.clicked.connect(lambda: pack_signing.choose_and_sign(self))
        self.contacts_button = QPushButton()
        self.contacts_button.setObjectName("contactsButton")
        self.contacts_button.clicked.connect(self.save_contact_sheet)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.pack_label, 1)
        # The pack's actions wrap under the heading when Khmer at large text needs the room.
        pack_actions = FlowLayout()
        for button in (self.sign_button, self.contacts_button, self.import_button):
            pack_actions.addWidget(button)

        self.search = QLineEdit()
        self.search.setObjectName("moduleSearch")
        self.search.setClearButtonEnabled(True)
        self.area = QComboBox()
        self.audience = QComboBox()
        self.language = QComboBox()
        for combo in (self.area, self.audience):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.language.addItem("ខ្មែរ", "km")
        self.language.addItem("English", "en")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        self.area_label, self.audience_label, self.language_label = QLabel(), QLabel(), QLabel()
        for label, combo in ((self.area_label, self.area), (self.audience_label, self.audience),
                             (self.language_label, self.language)):
            label.setBuddy(combo)
            filters.addWidget(label)
            filters.addWidget(combo)

        self.modules = QListWidget()
        self.modules.setObjectName("moduleList")
        self.modules.setWordWrap(True)
        self.modules.setSpacing(2)
        self.modules.setMinimumWidth(260)
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.modules, 1)
        left_layout.addWidget(self.empty_label)

        self.title = QLabel()
        self.title.setObjectName("moduleTitle")
        self.title.setFont(fonts.heading_font(self.font(), 1.35))
        self.title.setWordWrap(True)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.present_button = QPushButton()
        self.present_button.setObjectName("presentButton")
        self.present_button.clicked.connect(self.present)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.present)      # as in slide programs
        self.handout_button = QPushButton()
        self.handout_button.clicked.connect(self.save_handout)
        self.kit_button = QPushButton()
        self.kit_button.setObjectName("kitButton")
        self.kit_button.clicked.connect(self.save_kit)
        self.script_button = QPushButton()
        self.script_button.setObjectName("scriptButton")
        self.script_button.clicked.connect(self.save_script)
        actions = FlowLayout()
        for button in (self.present_button, self.handout_button, self.kit_button,
                       self.script_button):
            actions.addWidget(button)
        self.reader = ModuleReader()
        self.reader.glossary_requested.connect(self.show_glossary_term)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.meta)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.reader, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([320, 700])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addLayout(top)
        layout.addLayout(pack_actions)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self.search.textChanged.connect(self.refresh)
        self.area.currentIndexChanged.connect(self.refresh)
        self.audience.currentIndexChanged.connect(self.refresh)
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.modules.currentItemChanged.connect(lambda *_args: self.show_current())
        context.records_changed.connect(self._content_changed)
        self.reload()
        self.retranslate()

    # --- data ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the pack in use; a pack that cannot be read is shown as a message, not a crash."""
        self.load_error = ""
        try:
            self.pack = load_active_pack(self.context.data_dir)
        except ContentError as error:
            self.pack, self.index, self.load_error = None, None, str(error)
            self.modules.clear()
            return
        self.index = ModuleIndex(self.pack)

    def _content_changed(self, entity: str) -> None:
        self.sign_button.setVisible(pack_signing.can_sign(self.context.store))
        if entity == "content":
            self.reload()
            self.retranslate()

    def content_language(self) -> str:
        return self._content_language or i18n.language()

    def _language_chosen(self) -> None:
        chosen = self.language.currentData()
        self._content_language = None if chosen == i18n.language() else chosen
        self.refresh()

    def current_module(self) -> Module | None:
        item = self.modules.currentItem()
        return self.pack.module(item.data(SLUG_ROLE)) if item and self.pack else None

    # --- texts --------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.heading.setText(_("Modules"))
        self.import_button.setText(_("Import pack…"))
        self.contacts_button.setText(_("Print contact sheet…"))
        self.contacts_button.setToolTip(_("Where to get help after a scam, with the "
                                          "first-hour card: dated, with sources (PDF)"))
        self.contacts_button.setEnabled(self.pack is not None and (
            self.pack.folder / CONTACTS_FILE).is_file())
        self.import_button.setToolTip(_("Install a newer module pack (.zip) from your "
                                        "coordinator"))
        self.sign_button.setText(_("Sign a pack…"))
        self.sign_button.setToolTip(_("Sign a corrected module pack so the trainers' "
                                      "computers accept it"))
        self.sign_button.setVisible(pack_signing.can_sign(self.context.store))
        self.search.setPlaceholderText(_("Search titles and text (ខ្មែរ or English)"))
        self.area_label.setText(_("Policy area"))
        self.audience_label.setText(_("Audience"))
        self.language_label.setText(_("Language"))
        self.present_button.setText(_("Present…"))
        self.present_button.setToolTip(_("Show the slides full screen on a projector (F5)"))
        self.handout_button.setText(_("Save handout (PDF)…"))
        self.kit_button.setText(_("Print practice kit…"))
        self.script_button.setText(_("Facilitator script…"))
        self.script_button.setToolTip(_("Minutes per slide, what to say and do, and what to "
                                        "prepare before class (PDF)"))
        self.empty_label.setText(_("No module matches. Clear the search or the filters."))
        for combo, labels, everything in ((self.area, TAG_LABELS, _("All areas")),
                                          (self.audience, AUDIENCE_LABELS, _("All audiences"))):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, "")
            for key, label in labels.items():
                combo.addItem(_(label), key)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)
        self.language.blockSignals(True)
        self.language.setCurrentIndex(self.language.findData(self.content_language()))
        self.language.blockSignals(False)
        if self.pack:
            imported = self.pack.folder == resources.imported_content_dir(self.context.data_dir)
            origin = _("imported") if imported else _("built in")
            self.pack_label.setText(_("{title}, version {version} ({origin})").format(
                title=self.pack.title(i18n.language()), version=self.pack.version,
                origin=origin))
        elif self.load_error:
            self.pack_label.setText(_("The module pack cannot be read: {error}").format(
                error=self.load_error))
        self.refresh()

    def refresh(self) -> None:
        if self.index is None:
            self.modules.clear()
            self.show_current()
            return
        lang = self.content_language()
        current = self.modules.currentItem().data(SLUG_ROLE) if self.modules.currentItem() \
            else None
        found = self.index.search(self.search.text(), audience=self.audience.currentData() or "",
                                  tag=self.area.currentData() or "", language=lang)
        self.modules.blockSignals(True)
        self.modules.clear()
        for module in found:
            minutes = _("{n} min").format(n=i18n.format_number(module.duration_minutes))
            areas = ", ".join(_(TAG_LABELS.get(t, t)) for t in module.tags)
            item = QListWidgetItem(with_line_breaks(f"{module.title(lang)}\n{minutes} · {areas}"))
            item.setData(SLUG_ROLE, module.slug)
            item.setToolTip(module.title(lang))
            self.modules.addItem(item)
            if module.slug == current:
                self.modules.setCurrentItem(item)
        if self.modules.currentItem() is None and self.modules.count():
            self.modules.setCurrentRow(0)
        self.modules.blockSignals(False)
        self.empty_label.setVisible(not found)
        self.show_current()

    def show_current(self) -> None:
        module = self.current_module()
        lang = self.content_language()
        self.present_button.setEnabled(module is not None)
        self.handout_button.setEnabled(module is not None)
        self.script_button.setEnabled(module is not None)
        has_kit = module is not None and (module.folder / KIT_FILE).is_file()
        self.kit_button.setEnabled(has_kit)
        self.kit_button.setToolTip(
            _("Cards, mock documents and stands for the practice, on A4, in Khmer and "
              "English") if has_kit else _("This module has no practice kit."))
        if module is None:
            self.title.clear()
            self.meta.clear()
            self.reader.show_module(None, None, lang)
            return
        self.title.setText(with_line_breaks(module.title(lang)))
        audience = ", ".join(_(AUDIENCE_LABELS.get(a, a)) for a in module.audience)
        minutes = ngettext("{n} minute", "{n} minutes", module.duration_minutes).format(
            n=i18n.format_number(module.duration_minutes))
        skills = ngettext("{n} skill", "{n} skills", len(module.checklist)).format(
            n=i18n.format_number(len(module.checklist)))
        meta = _("{minutes} · for {audience} · {skills} · version {version}").format(
            minutes=minutes, audience=audience, skills=skills, version=module.version)
        if module.needs_review(lang):
            meta += " · " + _("text awaiting native review")
        self.meta.setText(html.escape(with_line_breaks(meta)))
        self.reader.show_module(module, self.pack, lang)

    # --- actions ------------------------------------------------------------------------
    def show_glossary_term(self, term_id: str) -> None:
        from debc_outreach.gui.teaching.glossary_view import GlossaryTermDialog

        term = self.pack.glossary.get(term_id) if self.pack else None
        if term is not None:
            GlossaryTermDialog(term, self).exec()

    def present(self) -> None:
        from debc_outreach.content.quick_check_slides import with_quick_checks
        from debc_outreach.gui.teaching.present_dialog import PresentDialog
        from debc_outreach.gui.teaching.presenter import Presentation

        module = self.current_module()
        if module is None:
            return
        dialog = PresentDialog(module, self.content_language(), self)
        if dialog.exec() != PresentDialog.DialogCode.Accepted:
            return
        if self.presentation is not None:
            self.presentation.stop()               # one presentation at a time
        if dialog.quick_checks.isChecked():
            module = with_quick_checks(module)
        self.presentation = Presentation(module, dialog.chosen_mode(), owner=self.window())
        presentation = self.presentation
        presentation.state.finished.connect(lambda: self._presentation_ended(presentation))
        presentation.start(dialog.chosen_screen(), dialog.trainer_view.isChecked())

    def _presentation_ended(self, presentation) -> None:
        if self.presentation is presentation:
            self.presentation = None

    def _save_pdf(self, title: str, file_name: str, write: Callable[[Path], None],
                  failed: str, written: str) -> None:
        """Ask where to save a PDF, write it with `write(path)`, say where it went.

        `failed` and `written` are translated texts with {error} and {path}."""
        path, _filter = QFileDialog.getSaveFileName(self, title, str(Path.home() / file_name),
                                                    _("PDF file (*.pdf)"))
        if not path:
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write(Path(path))
        except (UserError, OSError, ValueError) as error:
            show_user_error(self, error if isinstance(error, UserError)
                            else UserError(failed.format(error=error)))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(written.format(path=path), 8000)

    def save_handout(self) -> None:
        from debc_outreach.content.handout import render_handout

        module = self.current_module()
        if module is None:
            return
        lang = self.content_language()
        self._save_pdf(_("Save handout"), f"{module.slug}-{lang}.pdf",
                       lambda path: render_handout(module, self.pack, lang, path),
                       _("The handout could not be written: {error}"),
                       _("Handout written to {path}"))

    def save_contact_sheet(self) -> None:
        """Write the dated local contact sheet in the chosen content language."""
        from debc_outreach.content.contacts import contact_sheet_markdown
        from debc_outreach.content.printing import print_markdown

        if self.pack is None:
            return
        lang = self.content_language()
        self._save_pdf(_("Save contact sheet"), f"contact-sheet-{lang}.pdf",
                       lambda path: print_markdown(contact_sheet_markdown(self.pack, lang),
                                                   self.pack.title(lang), path, 12.0),
                       _("The contact sheet could not be written: {error}"),
                       _("Contact sheet written to {path}"))

    def save_script(self) -> None:
        """Write the facilitator script of the module in the chosen content language."""
        from debc_outreach.content.printing import print_markdown
        from debc_outreach.content.script import script_markdown

        module = self.current_module()
        if module is None:
            return
        lang = self.content_language()
        self._save_pdf(_("Save facilitator script"), f"{module.slug}-script-{lang}.pdf",
                       lambda path: print_markdown(script_markdown(module, self.pack, lang),
                                                   module.title(lang), path),
                       _("The facilitator script could not be written: {error}"),
                       _("Facilitator script written to {path}"))

    def save_kit(self) -> None:
        """Write the module's practice kit as a PDF, the chosen content language first."""
        from debc_outreach.content.kit_pdf import render_kit

        module = self.current_module()
        if module is None:
            return
        lang = self.content_language()
        other = "en" if lang == "km" else "km"
        self._save_pdf(_("Save practice kit"), f"{module.slug}-kit.pdf",
                       lambda path: render_kit(module, self.pack, path, (lang, other)),
                       _("The practice kit could not be written: {error}"),
                       _("Practice kit written to {path}"))

    def choose_pack_to_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import a module pack"),
                                                    str(Path.home()), _("Module pack (*.zip)"))
        if path:
            self.import_pack(Path(path))

    def import_pack(self, path: Path):
        """Import in the background; the page reloads when it succeeded. Returns the task."""
        from debc_outreach.content.importer import import_pack, recorded_checklist_ids
        from debc_outreach.content.signing import trusted_signers
        from debc_outreach.gui.tasks import Task

        data_dir = self.context.data_dir
        database = self.context.store.database
        recorded = recorded_checklist_ids(database)       # two quick queries
        trusted = trusted_signers(database)
        task = Task(self, _("Importing the module pack…"), lambda _progress: import_pack(
            path, data_dir, recorded, trusted))
        task.succeeded.connect(self._imported)
        task.start()
        return task

    def _imported(self, result) -> None:
        self.context.announce_change("content")
        QMessageBox.information(self, _("Module pack imported"), ngettext(
            "Version {version} is now in use ({n} module). It replaces version {old}.",
            "Version {version} is now in use ({n} modules). It replaces version {old}.",
            result.modules).format(version=result.version, n=i18n.format_number(result.modules),
                                   old=result.previous_version)
            + "\n" + _("Signed by {signer}.").format(signer=result.signer))
