"""PDF handouts: A4, the Khmer font embedded, pages that are not blank, a self-check list."""

import shutil
import subprocess
from pathlib import Path

import pytest

from debc_outreach.content import load_pack
from debc_outreach.content.handout_text import handout_markdown

needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdffonts, pdftoppm) is not installed")


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def _ink_fraction(png: Path) -> float:
    from PySide6.QtGui import QImage

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_Grayscale8)
    dark = sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
               if image.pixelColor(x, y).value() < 200)
    return dark / ((image.height() // 2) * (image.width() // 2))


def test_handout_text_has_checklist_boxes_and_no_trainer_notes(pack):
    module = pack.modules[0]
    text = handout_markdown(module, pack, "km")
    for item in module.checklist:
        assert f"- [ ] {item.km}" in text
    for slide in module.slides("km"):
        if slide.notes:
            assert slide.notes.splitlines()[0] not in text
    assert module.title("km") in text


@needs_poppler
@pytest.mark.parametrize("lang", ["km", "en"])
def test_handout_pdf_embeds_khmer_font_and_renders(qapp, pack, tmp_path, lang):
    from debc_outreach.content.handout import render_handout

    module = pack.modules[0]
    pdf = render_handout(module, pack, lang, tmp_path / f"handout-{lang}.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    khmer = [line for line in fonts.splitlines() if "NotoSansKhmer" in line]
    assert khmer, fonts
    assert all(line.split()[-5] == "yes" for line in khmer), fonts     # "emb" column
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info or "(A4)" in info, info
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    assert all(_ink_fraction(page) > 0.005 for page in pages[:-1])
    assert _ink_fraction(pages[0]) > 0.02


@needs_poppler
def test_cli_handout(qapp, run_cli, pack, tmp_path):
    slug = pack.modules[0].slug
    code, out, err = run_cli("content", "handout", slug, "--lang", "km", "-o",
                             str(tmp_path / "h.pdf"))
    assert code == 0, err
    assert (tmp_path / "h.pdf").stat().st_size > 10_000
    code, _out, err = run_cli("content", "handout", "no-such-module", "-o",
                              str(tmp_path / "x.pdf"))
    assert code == 1 and "There is no module no-such-module" in err


@needs_poppler
def test_self_check_list_starts_on_its_own_page(qapp, pack, tmp_path):
    from debc_outreach.content.handout import render_handout

    module = pack.modules[0]
    pdf = render_handout(module, pack, "en", tmp_path / "handout.pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    with_self_check = [i for i, page in enumerate(pages) if "Self-check" in page]
    assert len(with_self_check) == 1
    page = pages[with_self_check[0]]
    assert page.lstrip().startswith("Self-check")
    assert all(item.en.split()[1] in page for item in module.checklist)
