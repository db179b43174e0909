"""Reading a module on screen: every slide, trainer notes, pictures, glossary, checklist,
quick-check and follow-up questions."""

from __future__ import annotations

from PySide6.QtCore import QSizeF, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QResizeEvent
from PySide6.QtWidgets import QTextBrowser, QWidget

from debc_outreach.content.model import Module, Pack
from debc_outreach.content.sources import with_sources
from debc_outreach.gui.teaching.content_document import build_document
from debc_outreach.i18n import _

IMAGE_BOX = QSizeF(520, 320)


def reading_markdown(module: Module, pack: Pack, lang: str) -> str:
    """The module as one Markdown page: slides, notes as quotes, then the checklist."""
    parts = []
    for slide in module.slides(lang):
        parts.append(slide.body)
        if slide.notes:
            notes = with_sources(slide.notes, module.sources, _("Sources"))
            quoted = "\n".join("> " + line if line.strip() else ">"
                               for line in notes.splitlines())
            parts.append("> **" + _("Trainer notes") + "**\n>\n" + quoted)
        parts.append("* * *")
    parts.append("## " + _("Skills checklist"))
    parts.append(_("Tick an item when the participant does it without help."))
    parts.append("\n".join(f"- [ ] {item.text(lang)}" for item in module.checklist))
    parts += _questions_markdown(module, lang)
    if module.sources:
        parts.append("## " + _("Sources"))
        parts.append("\n".join(f"- [{s.n}] <{s.url}>" for s in module.sources))
    return "\n\n".join(parts) + "\n"


def _questions_markdown(module: Module, lang: str) -> list[str]:
    """The quick checks (right answer marked, for the trainer) and the follow-up questions."""
    parts = []
    if module.quick_checks:
        parts.append("## " + _("Quick check"))
        parts.append(_("Asked before the module and again after its recap; the presenter "
                       "shows them as slides. The right answer is marked ✔."))
        for number, question in enumerate(module.quick_checks, start=1):
            answers = "\n".join(
                f"    {i + 1}. " + (f"**{answer.text(lang)}** ✔" if i == question.correct
                                   else answer.text(lang))
                for i, answer in enumerate(question.answers))
            parts.append(f"{number}. {question.text(lang)}\n\n{answers}")
    if module.follow_ups:
        parts.append("## " + _("Follow-up questions"))
        parts.append(_("Asked by phone or on a visit, weeks after the session, to people who "
                       "agreed to be contacted."))
        parts.append("\n".join(
            f"- {question.text(lang)} ("
            + " / ".join(answer.text(lang) for answer in question.answers) + ")"
            for question in module.follow_ups))
    return parts


class ModuleReader(QTextBrowser):
    """Shows one module; a click on a glossary word emits `glossary_requested(term_id)`."""

    glossary_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("moduleReader")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._follow)
        self._shown: tuple | None = None
        self._width = 0

    def show_module(self, module: Module | None, pack: Pack | None, lang: str) -> None:
        self._shown = (module, pack, lang) if module and pack else None
        self._render()

    def _render(self) -> None:
        if self._shown is None:
            self.clear()
            return
        module, pack, lang = self._shown
        width = max(200, self.viewport().width() - 8)
        self._width = width
        pixels = max(12, self.fontMetrics().height() * 3 // 4 + 4)
        box = QSizeF(min(IMAGE_BOX.width(), width * 0.9), IMAGE_BOX.height())
        document = build_document(reading_markdown(module, pack, lang), module.folder, pixels,
                                  width, box, device_pixel_ratio=self.devicePixelRatioF())
        document.setDocumentMargin(8)
        document.setParent(self)       # Qt deletes the previous document, a child of self
        self.setDocument(document)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._shown and abs(self.viewport().width() - 8 - self._width) > 40:
            self._render()          # pictures are sized to the reading width

    def _follow(self, url: QUrl) -> None:
        if url.scheme() == "glossary":
            self.glossary_requested.emit(url.path())
        elif url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
