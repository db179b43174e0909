"""Catalogs are complete and formatting follows the documented Khmer rules."""

import datetime as dt
from pathlib import Path

from babel.messages.pofile import read_po

from debc_outreach import i18n

ROOT = Path(__file__).resolve().parents[1]


def _catalog(path):
    with path.open("rb") as f:
        return read_po(f)


def test_every_message_has_a_non_fuzzy_khmer_translation():
    template = _catalog(ROOT / "locales" / "messages.pot")
    khmer = _catalog(ROOT / "locales" / "km" / "LC_MESSAGES" / "messages.po")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = khmer.get(message.id, context=message.context)
        strings = translated.string if translated else None
        if isinstance(strings, tuple):
            ok = all(strings)
        else:
            ok = bool(strings)
        if translated is None or not ok or translated.fuzzy:
            missing.append(message.id)
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"


def test_template_is_up_to_date_with_the_code(tmp_path):
    """Every marked string in the code is in messages.pot (run `python dev.py i18n`)."""
    import shutil

    from debc_outreach.i18n_catalogs import extract

    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "debc_outreach", copy / "debc_outreach",
                    ignore=shutil.ignore_patterns("__pycache__", "locale"))
    (copy / "locales").mkdir()
    fresh = {m.id for m in _catalog(extract(copy)) if m.id}
    committed = {m.id for m in _catalog(ROOT / "locales" / "messages.pot") if m.id}
    assert fresh - committed == set(), "run `python dev.py i18n` and translate"


def test_compiled_catalogs_load_for_both_languages():
    assert i18n.catalog_loaded("km")
    i18n.set_language("km")
    assert i18n._("Settings") != "Settings"
    i18n.set_language("en")
    assert i18n._("Settings") == "Settings"


def test_numbers_and_dates_match_the_shared_cases(khmer_cases):
    for case in khmer_cases["numbers"]["values"]:
        for lang in ("km", "en"):
            i18n.set_language(lang)
            for khmer_digits in (False, True):
                if khmer_digits and lang == "en":
                    continue
                i18n.set_khmer_digits(khmer_digits)
                expected = case["km_khmer_digits"] if khmer_digits else case[lang]
                kind, value = case["kind"], case["value"]
                if kind == "decimal":
                    got = i18n.format_number(value)
                elif kind == "percent":
                    got = i18n.format_percent(value)
                else:
                    fmt = kind.removeprefix("date_")
                    got = i18n.format_date(dt.date.fromisoformat(value), fmt)
                assert got == expected, (kind, value, lang, khmer_digits)


def test_years_are_not_grouped_and_input_accepts_khmer_digits():
    assert i18n.format_year(2025) == "2025"
    i18n.set_khmer_digits(True)
    assert i18n.format_year(2025) == "២០២៥"
    assert i18n.parse_int("១៩៨៥") == 1985
    assert i18n.parse_int("1985") == 1985
    assert i18n.parse_int("abc") is None
