"""Trainer notes that cite a source ("Source: [1].") show the source's address."""

from __future__ import annotations

import pytest
from conftest import close_and_delete
from PySide6.QtGui import QTextDocument

from debc_outreach.content import load_pack
from debc_outreach.content.handout_text import handout_markdown
from debc_outreach.content.model import Source
from debc_outreach.content.sources import cited_numbers, with_sources
from debc_outreach.gui.teaching.module_reader import reading_markdown
from debc_outreach.gui.teaching.presenter import Presentation

DIGITAL_ECONOMY = "https://digitaleconomy.gov.kh/intro-detail?lang=en"


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def _shown(markdown: str) -> str:
    document = QTextDocument()
    document.setMarkdown(markdown)
    return document.toPlainText().replace("\u200b", "")


def test_references_link_to_their_source_and_are_listed_under_the_text():
    sources = (Source(1, "https://a.example/1"), Source(40, "https://b.example/40"))
    text = with_sources("Source: [40][1][7]. Tick [ ] and [see](https://x.example).",
                        sources, "Sources")
    shown = _shown(text)
    assert shown.startswith("Source: [40][1][7]. Tick [ ] and see.")
    assert "Sources\n[40] https://b.example/40\n[1] https://a.example/1" in shown
    assert "(https://b.example/40)" in text.split("\n")[0]     # the [40] itself is a link
    assert with_sources("No citation here.", sources, "Sources") == "No citation here."
    assert cited_numbers("![x](images/a.svg) [3](glossary:x) [2]: def") == []


@pytest.mark.parametrize("lang", ["en", "km"])
def test_trainer_view_shows_the_cited_source(qtbot, qapp, pack, lang):
    shown = Presentation(pack.module("good-digital-citizen"), lang)
    shown.start(trainer_view=True, full_screen=False)
    try:
        state = shown.state
        state.set_mode(lang)
        cited = next(i for i, slide in enumerate(state.module.slides(lang))
                     if "[1]" in slide.notes)
        while state.index < cited:
            state.next()
        notes = shown.trainer.notes.toPlainText().replace("\u200b", "")
        assert "[1]" in notes and DIGITAL_ECONOMY in notes
        assert DIGITAL_ECONOMY in shown.trainer.notes.toHtml()     # a link, not just text
    finally:
        for window in (shown.audience, shown.trainer):
            try:
                close_and_delete(window)
            except RuntimeError:
                pass                     # closing the projector window closes both


def test_every_cited_source_in_the_pack_resolves_and_is_shown_with_the_notes(pack):
    for module in pack.modules:
        numbers = {source.n for source in module.sources}
        for lang in ("km", "en"):
            reading = reading_markdown(module, pack, lang)
            for slide in module.slides(lang):
                for number in cited_numbers(slide.notes + "\n" + slide.body):
                    assert number in numbers, (module.slug, lang, number)
                for source in module.sources:
                    if source.n in cited_numbers(slide.notes):
                        assert f"[\\[{source.n}\\]]({source.url})" in reading


@pytest.mark.parametrize("lang", ["en", "km"])
def test_handout_lists_the_sources_with_their_addresses(qapp, pack, lang):
    module = pack.module("good-digital-citizen")
    shown = _shown(handout_markdown(module, pack, lang))
    for source in module.sources:
        assert f"[{source.n}] {source.url}" in shown
