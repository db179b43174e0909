"""The glossary: every term in Khmer and English with its meaning, searchable.

Shown as a page in the navigation and as a small dialog when a linked word
in a module is clicked.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content import ContentError, load_active_pack
from debc_outreach.content.model import GlossaryTerm, Pack
from debc_outreach.core.khmer_text import with_line_breaks
from debc_outreach.core.names import name_key
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.page import Page
from debc_outreach.i18n import _, ngettext

TERM_ROLE = Qt.ItemDataRole.UserRole


def term_html(term: GlossaryTerm) -> str:
    """Both languages, Khmer first; Khmer gets line-break hints for display."""
    def esc(text: str) -> str:
        return html.escape(with_line_breaks(text))

    review = "" if term.review_km == "reviewed" else (
        "<p style='color:#8a5a00'>" + html.escape(_("The Khmer wording is a draft awaiting "
                                                   "native review.")) + "</p>")
    return (f"<h2>{esc(term.km)}</h2><p style='font-size:large'>{esc(term.meaning_km)}</p>"
            f"<h2>{esc(term.en)}</h2><p style='font-size:large'>{esc(term.meaning_en)}</p>"
            + _official_use_html(term) + review)


def _official_use_html(term: GlossaryTerm) -> str:
    """Where an official body uses the Khmer term, or that a search found none (and when)."""
    if term.source_km:
        return ("<p>" + html.escape(_("Khmer term as an official body uses it:")) +
                f" <a href='{html.escape(term.source_km, quote=True)}'>"
                f"{html.escape(term.source_km)}</a></p>")
    if term.source_km_searched:
        return ("<p style='color:#607d8b'>" + html.escape(
            _("No page was found where an official body uses this Khmer term "
              "(searched on {date}).").format(
                date=i18n.format_date(term.source_km_searched))) + "</p>")
    return ""


def sorted_terms(pack: Pack, lang: str) -> list[GlossaryTerm]:
    """Terms in alphabetical order of `lang` (ICU km collation for Khmer)."""
    import icu

    collator = icu.Collator.createInstance(icu.Locale("km" if lang == "km" else "en"))
    return sorted(pack.glossary.values(), key=lambda t: collator.getSortKey(t.term(lang)))


def matching_terms(terms: list[GlossaryTerm], query: str) -> list[GlossaryTerm]:
    key = name_key(query)
    return [t for t in terms
            if key in name_key(" | ".join((t.km, t.en, t.meaning_km, t.meaning_en, t.id)))]


class GlossaryTermDialog(QDialog):
    def __init__(self, term: GlossaryTerm, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Glossary"))
        self.setMinimumWidth(420)
        text = QTextBrowser()
        text.setHtml(term_html(term))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)


class GlossaryPage(Page):
    key = "glossary"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.pack: Pack | None = None
        layout = self.page_layout()
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        self.terms = QListWidget()
        self.terms.setObjectName("glossaryTerms")
        self.terms.currentItemChanged.connect(self._show_current)
        self.detail = QTextBrowser()
        self.detail.setObjectName("glossaryDetail")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.terms)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([400, 700])
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        context.records_changed.connect(self._content_changed)
        self.reload()
        self.retranslate()

    def _content_changed(self, entity: str) -> None:
        if entity in ("", "content"):
            self.reload()

    def reload(self) -> None:
        try:
            self.pack = load_active_pack(self.context.data_dir)
        except ContentError as error:
            self.pack = None
            self.terms.clear()
            self.detail.setPlainText(str(error))
            return
        self.refresh()

    def retranslate(self) -> None:
        self.heading.setText(_("Glossary"))
        self.search.setPlaceholderText(_("Find a word (ខ្មែរ or English)"))
        self.refresh()

    def refresh(self) -> None:
        if self.pack is None:
            return
        lang = i18n.language()
        other = "en" if lang == "km" else "km"
        current = self.terms.currentItem().data(TERM_ROLE) if self.terms.currentItem() else None
        shown = matching_terms(sorted_terms(self.pack, lang), self.search.text())
        self.terms.clear()
        for term in shown:
            first, second = term.term(lang), term.term(other)
            item = QListWidgetItem(first if first == second else f"{first} · {second}")
            item.setData(TERM_ROLE, term.id)
            self.terms.addItem(item)
            if term.id == current:
                self.terms.setCurrentItem(item)
        if self.terms.currentItem() is None and self.terms.count():
            self.terms.setCurrentRow(0)
        if not shown:
            self.detail.setHtml("<p>" + html.escape(_("No word matches.")) + "</p>")
        self.count.setText(ngettext("{n} word", "{n} words", len(shown)).format(
            n=i18n.format_number(len(shown))))

    def show_term(self, term_id: str) -> None:
        self.search.clear()
        for row in range(self.terms.count()):
            if self.terms.item(row).data(TERM_ROLE) == term_id:
                self.terms.setCurrentRow(row)
                return

    def _show_current(self, item: QListWidgetItem | None) -> None:
        if item is not None and self.pack is not None:
            self.detail.setHtml(term_html(self.pack.glossary[item.data(TERM_ROLE)]))
