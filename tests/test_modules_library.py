"""The Modules page and the Glossary: filter, search in Khmer and English, read, print, import."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from support.content_packs import make_pack, trust_test_publisher, zip_pack

from debc_outreach import resources
from debc_outreach.content import load_pack


@pytest.fixture
def modules_page(main_window):
    return main_window.page("modules")


def _shown(page) -> list[str]:
    return [page.modules.item(row).data(0x0100) for row in range(page.modules.count())]


def test_library_lists_every_module_of_the_pack(modules_page):
    assert set(_shown(modules_page)) == {m.slug for m in load_pack().modules}
    assert "(built in)" in modules_page.pack_label.text()
    assert modules_page.current_module() is not None
    assert modules_page.present_button.isEnabled()


def test_khmer_search_ignores_zwsp_and_finds_text_inside_slides(modules_page):
    modules_page.search.setText("ពាក្យ\u200bសម្ងាត់")           # typed with a ZWSP
    assert "passwords-pins-2step" in _shown(modules_page)
    assert _shown(modules_page)[0] == "passwords-pins-2step"     # title matches first
    modules_page.search.setText("KHQR")
    assert _shown(modules_page)[0] == "pay-khqr-bakong-safely"     # the title says KHQR
    assert set(_shown(modules_page)) == {"pay-khqr-bakong-safely", "privacy-personal-data"}
    modules_page.search.setText("no such words anywhere")
    assert _shown(modules_page) == [] and not modules_page.empty_label.isHidden()
    assert not modules_page.present_button.isEnabled()


def test_filters_by_policy_area_and_audience(modules_page):
    pack = load_pack()
    modules_page.area.setCurrentIndex(modules_page.area.findData("consumer-trust"))
    assert set(_shown(modules_page)) == {m.slug for m in pack.modules
                                         if "consumer-trust" in m.tags}
    modules_page.area.setCurrentIndex(0)
    modules_page.audience.setCurrentIndex(modules_page.audience.findData("elders"))
    assert set(_shown(modules_page)) == {m.slug for m in pack.modules
                                         if {"elders", "everyone"} & set(m.audience)}


def test_reading_a_module_in_khmer_shows_slides_notes_and_checklist(modules_page):
    modules_page.language.setCurrentIndex(modules_page.language.findData("km"))
    module = modules_page.current_module()
    text = modules_page.reader.toPlainText().replace("\u200b", "")
    assert module.title("km") in text
    for item in module.checklist:
        assert item.km in text
    assert module.slides("km")[1].notes.splitlines()[0][:12] in text
    assert modules_page.title.text().replace("\u200b", "") == module.title("km")


def test_module_images_are_loaded_from_the_module_folder(modules_page):
    modules_page.search.setText("KHQR")
    document = modules_page.reader.document()
    block, images = document.begin(), 0
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fmt = iterator.fragment().charFormat()
            if fmt.isImageFormat():
                resource = document.resource(document.ResourceType.ImageResource.value,
                                             QUrl(fmt.toImageFormat().name()))
                assert resource is not None and not resource.isNull()
                images += 1
            iterator += 1
        block = block.next()
    assert images >= 1


def test_glossary_link_opens_the_term(modules_page, monkeypatch):
    from debc_outreach.gui.teaching import glossary_view

    opened = []
    monkeypatch.setattr(glossary_view.GlossaryTermDialog, "exec",
                        lambda dialog: opened.append(dialog.findChild(
                            glossary_view.QTextBrowser).toPlainText()))
    modules_page.reader.anchorClicked.emit(QUrl("glossary:app"))
    assert opened and "App" in opened[0]


def test_glossary_says_where_an_official_body_uses_the_term_or_that_none_was_found(qapp):
    from debc_outreach.gui.teaching.glossary_view import term_html

    glossary = load_pack().glossary
    assert "https://www.ccfdg.gov.kh/" in term_html(glossary["ccf"])
    unsourced = term_html(glossary["khqr"])
    assert "No page was found where an official body uses this Khmer term" in unsourced
    assert "2026" in unsourced and "http" not in unsourced


def test_glossary_page_finds_terms_in_khmer_and_english(main_window):
    page = main_window.page("glossary")
    total = page.terms.count()
    assert total == len(load_pack().glossary)
    page.search.setText("ពាក្យសម្ងាត់")
    assert 0 < page.terms.count() < total
    page.search.setText("password")
    assert page.terms.count() >= 1
    assert "Password" in page.detail.toPlainText()


def test_library_in_khmer_screenshot(main_window, app_context, tmp_path):
    app_context.set_language("km")
    page = main_window.page("modules")
    assert page.language.currentData() == "km"
    assert main_window.grab().save(str(tmp_path / "library-km.png"))
    glossary = main_window.page("glossary")
    assert glossary.terms.item(0).text()
    assert main_window.grab().save(str(tmp_path / "glossary-km.png"))


def test_handout_saved_from_the_page(modules_page, monkeypatch, tmp_path):
    from debc_outreach.gui.teaching import modules_page as page_module

    target = tmp_path / "handout.pdf"
    monkeypatch.setattr(page_module.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(target), ""))
    modules_page.save_handout()
    assert target.stat().st_size > 10_000


def test_present_button_starts_a_presentation(modules_page, monkeypatch, qtbot):
    from debc_outreach.gui.teaching import present_dialog

    monkeypatch.setattr(present_dialog.PresentDialog, "exec",
                        lambda dialog: present_dialog.PresentDialog.DialogCode.Accepted)
    modules_page.present()
    presentation = modules_page.presentation
    assert presentation is not None and presentation.audience.isVisible()
    qtbot.keyClick(presentation.audience, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: modules_page.presentation is None)
    modules_page.present()
    first = modules_page.presentation
    modules_page.present()                                   # a second start replaces it
    assert modules_page.presentation is not first
    import shiboken6

    qtbot.waitUntil(lambda: not (shiboken6.isValid(first.audience)
                                 and first.audience.isVisible()))
    assert modules_page.presentation.audience.isVisible()
    modules_page.presentation.stop()
    qtbot.waitUntil(lambda: modules_page.presentation is None)


def test_importing_a_pack_from_the_page_reloads_it(modules_page, app_context, monkeypatch,
                                                   qtbot, tmp_path: Path):
    from debc_outreach.gui.teaching import modules_page as page_module

    trust_test_publisher(monkeypatch)
    monkeypatch.setattr(page_module.QMessageBox, "information", lambda *args: None)
    shipped = load_pack()
    newer = tmp_path / "newer"
    make_pack(newer, version="99.0.0")
    text = (newer / "pack.toml").read_text(encoding="utf-8")
    (newer / "pack.toml").write_text(text.replace('"test-pack"', f'"{shipped.id}"'),
                                     encoding="utf-8")
    # Keep every checklist id this device knows, so the import is allowed.
    import shutil

    shutil.rmtree(newer / "modules")
    shutil.copytree(shipped.folder / "modules", newer / "modules")
    shutil.copy(shipped.folder / "glossary.toml", newer / "glossary.toml")
    shutil.copy(shipped.folder / "checklist_ids.lock", newer / "checklist_ids.lock")
    task = modules_page.import_pack(zip_pack(newer, tmp_path / "newer.zip"))
    with qtbot.waitSignal(task.succeeded, timeout=20000):
        pass
    qtbot.waitUntil(lambda: modules_page.pack.version == "99.0.0")
    assert (resources.imported_content_dir(app_context.data_dir) / "pack.toml").exists()
    assert "99.0.0" in modules_page.pack_label.text()
    assert "(imported)" in modules_page.pack_label.text()


def test_unreadable_pack_is_reported_on_the_page_not_a_crash(app_context, main_window):
    folder = make_pack(resources.imported_content_dir(app_context.data_dir), version="99.0.0")
    (folder / "modules/phone-basics/module.toml").write_text("slug = ", encoding="utf-8")
    page = main_window.page("modules")
    assert "cannot be read" in page.pack_label.text()
    assert "module.toml:1" in page.pack_label.text()
    assert page.modules.count() == 0 and not page.present_button.isEnabled()
    glossary = main_window.page("glossary")
    assert glossary.terms.count() == 0 and "module.toml" in glossary.detail.toPlainText()
