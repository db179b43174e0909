"""Practice kits, slide timings, the facilitator script, the contact sheet and the
English-word rule for Khmer slides: what `content check` enforces and what gets printed."""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from debc_outreach import resources
from debc_outreach.content import load_pack
from debc_outreach.content.contacts import check_contacts, contact_sheet_markdown
from debc_outreach.content.kit import kit_references, load_kit
from debc_outreach.content.problems import Report
from debc_outreach.content.script import script_markdown
from debc_outreach.content.validator import check_pack, errors_only

needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdffonts, pdfinfo) is not installed")
SCAMS = "scams-people-meet-now"


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "pack"
    shutil.copytree(resources.content_dir(), copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _messages(pack: Path, severity: str = "error") -> list[str]:
    return [f"{p.file.relative_to(pack)}:{p.line}: {p.message}" for p in check_pack(pack)
            if p.severity == severity]


# --- the shipped pack ------------------------------------------------------------------------
def test_shipped_pack_has_no_errors_and_every_kit_reference_resolves():
    assert errors_only(check_pack(resources.content_dir())) == []
    pack = load_pack()
    with_kit = 0
    for module in pack.modules:
        ids = {item.id for item in load_kit(module)}
        for lang in ("km", "en"):
            for slide in module.slides(lang):
                assert set(kit_references(slide.notes)) <= ids, (module.slug, slide.heading)
        with_kit += bool(ids)
    assert with_kit == len(pack.modules)            # every module has its practice kit


def test_every_module_fits_an_hour_and_its_timings_add_up():
    for module in load_pack().modules:
        assert len(module.slide_minutes) == len(module.slides("km")), module.slug
        assert sum(module.slide_minutes) == module.duration_minutes <= 60, module.slug


def test_khqr_result_cards_leave_the_amount_blank():
    kit = load_kit(load_pack().module("pay-khqr-bakong-safely"))
    results = [item for item in kit if item.kind == "result"]
    assert results and all(item.blank_amount for item in results)
    assert any("វណ្ណា" in item.face("km").title for item in results)     # the wrong name
    assert [item for item in kit if item.kind == "khqr-stand"]


def test_split_keeps_published_ids_readable():
    pack = load_pack()
    basics, typing = pack.module("phone-basics-khmer-typing"), pack.module("khmer-typing")
    assert typing is not None and basics.duration_minutes <= 60
    assert "phone-basics-khmer-typing.kb-switch" not in {i.id for i in basics.checklist}
    old = pack.checklist_item("phone-basics-khmer-typing.kb-switch")
    assert old is not None and old.retired and old.en.startswith("Can switch the keyboard")
    assert {"khmer-typing.kb-switch", "khmer-typing.type-name"} <= {
        i.id for i in typing.checklist}


# --- content check rules ---------------------------------------------------------------------
def test_a_note_naming_a_missing_kit_item_is_an_error(pack_copy):
    en = pack_copy / "modules" / SCAMS / "en.md"
    _edit(en, "Kit: role-fake-official, role-voice", "Kit: role-fake-official, role-ghost")
    assert any("kit item role-ghost" in m and m.startswith(f"modules/{SCAMS}/en.md")
               for m in _messages(pack_copy))
    _edit(en.with_name("km.md"), "Kit: role-fake-official, role-voice", "Kit: role-fake-official")
    assert any("kit item role-voice is not named" in m
               for m in _messages(pack_copy, "warning"))


def test_a_module_over_sixty_minutes_fails(pack_copy):
    toml = pack_copy / "modules" / SCAMS / "module.toml"
    _edit(toml, "slide_minutes = [2, 4,", "slide_minutes = [9, 4,")
    assert any("the slides take 62 minutes; a module must fit in 60 minutes" in m
               for m in _messages(pack_copy))
    _edit(toml, "slide_minutes = [9, 4,", "slide_minutes = [4,")
    assert any("slide_minutes needs one number per slide" in m for m in _messages(pack_copy))


def test_english_words_in_khmer_slides_fail_unless_allowed(pack_copy):
    km = pack_copy / "modules" / SCAMS / "km.md"
    _edit(km, "- កុំបង់។ កុំផ្ញើលេខកូដ។ បិទទូរស័ព្ទ។",
          "- កុំបង់។ កុំផ្ញើ OTP code។ បិទ Telegram។")
    found = [m for m in _messages(pack_copy) if "English in Khmer slide text" in m]
    assert len(found) == 1 and "OTP, code" in found[0] and "Telegram" not in found[0]


def test_contacts_need_a_source_and_a_recent_check(pack_copy):
    toml = pack_copy / "contacts.toml"
    report = Report()
    check_contacts(report, pack_copy, today=dt.date(2027, 9, 1))
    stale = [p for p in report.problems if p.severity == "warning"]
    assert len(stale) == 5 and "more than six months ago" in stale[0].message
    assert errors_only(report.problems) == []
    _edit(toml, 'id = "ccf"\nsource = "https://', 'id = "ccf"\nsource = "see the ')
    _edit(toml, 'id = "commune-office"\nlocal = true\n',
          'id = "commune-office"\nlocal = true\nchecked = 2026-12-06\n')
    report = Report()
    check_contacts(report, pack_copy, today=dt.date(2026, 12, 6))
    messages = [p.message for p in errors_only(report.problems)]
    assert any("contact ccf: source must be" in m for m in messages)
    assert any("contact commune-office is filled in locally" in m for m in messages)


# --- what gets printed -----------------------------------------------------------------------
def test_script_has_setup_timings_and_talking_points():
    pack = load_pack()
    module = pack.module(SCAMS)
    text = script_markdown(module, pack, "km")
    assert "មុនចូលរៀន" in text and "0:52–0:55" in text
    assert "«ខ្ញុំមកពីប៉ូលិស»" in text and "[56] https://" in text
    english = script_markdown(module, pack, "en")
    assert "## Timing" in english and "Say and do:" in english


def test_contact_sheet_is_dated_and_sourced():
    pack = load_pack()
    text = contact_sheet_markdown(pack, "en", today=dt.date(2026, 12, 6))
    assert "Printed on 2026-12-06" in text
    assert "The first hour after a scam" in text and "hotline.police.gov.kh" in text
    assert "(checked 2026-12-06)" in text and "Phone number: \\_" in text
    assert "24-hour" not in text.split("The first hour")[1].split("Who to contact")[0]


@needs_poppler
def test_kit_pdf_is_a4_with_the_khmer_font(qapp, tmp_path):
    from debc_outreach.content.kit_pdf import render_kit

    pack = load_pack()
    module = pack.module("pay-khqr-bakong-safely")
    pdf = render_kit(module, pack, tmp_path / "kit.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSansKhmer" in fonts
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    pages = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    assert pages == 1 + 3 + 1            # cover, six cards two a page, answers


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_khmer_kit_numbers_its_cards_in_khmer_digits(qapp, tmp_path):
    from debc_outreach.content.kit_pdf import render_kit

    pack = load_pack()
    module = pack.module("pay-khqr-bakong-safely")
    texts = {}
    for first in ("km", "en"):
        pdf = render_kit(module, pack, tmp_path / f"kit-{first}.pdf",
                         languages=(first, "en" if first == "km" else "km"))
        texts[first] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                      text=True, check=True).stdout
    assert "កាតទី ១ ក្នុងចំណោម ៦" in texts["km"]
    assert "កាតទី 1" not in texts["km"]
    assert "Card 1 of 6" in texts["en"]                 # English keeps Latin digits


@needs_poppler
def test_cli_prints_kit_script_and_contacts(qapp, run_cli, tmp_path):
    for args in (("kit", SCAMS), ("script", SCAMS, "--lang", "en"), ("contacts",)):
        target = tmp_path / f"{args[0]}.pdf"
        code, _out, err = run_cli("content", *args, "-o", str(target))
        assert code == 0, err
        assert target.stat().st_size > 10_000
    code, _out, err = run_cli("content", "kit", "no-such-module", "-o",
                              str(tmp_path / "x.pdf"))
    assert code == 1 and "There is no module no-such-module" in err


def test_modules_page_prints_kit_script_and_contact_sheet(main_window, monkeypatch, tmp_path):
    from debc_outreach.gui.teaching import modules_page as page_module

    page = main_window.page("modules")
    rows = {page.modules.item(r).data(0x0100): r for r in range(page.modules.count())}
    page.modules.setCurrentRow(rows[SCAMS])
    assert page.kit_button.isEnabled() and page.script_button.isEnabled()
    assert page.contacts_button.isEnabled()
    targets = iter([tmp_path / "kit.pdf", tmp_path / "script.pdf", tmp_path / "sheet.pdf"])
    monkeypatch.setattr(page_module.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(next(targets)), ""))
    page.save_kit()
    page.save_script()
    page.save_contact_sheet()
    for name in ("kit.pdf", "script.pdf", "sheet.pdf"):
        assert (tmp_path / name).stat().st_size > 10_000, name
    page.modules.setCurrentRow(rows["phone-basics-khmer-typing"])
    assert page.kit_button.isEnabled()
    monkeypatch.setattr(page_module, "KIT_FILE", "no-such-kit.toml")   # as a module without one
    page.modules.setCurrentRow(rows[SCAMS])
    assert not page.kit_button.isEnabled() and page.script_button.isEnabled()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_printed_contact_sheet_and_script_carry_their_khmer_text(tmp_path):
    from debc_outreach.content.printing import print_markdown

    pack = load_pack(resources.content_dir())
    module = pack.modules[0]
    for name, markdown in (("contacts", contact_sheet_markdown(pack, "km")),
                           ("script", script_markdown(module, pack, "km"))):
        path = print_markdown(markdown, name, tmp_path / f"{name}.pdf")
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
        heading = markdown.lstrip("# ").splitlines()[0]
        assert heading in text, name
