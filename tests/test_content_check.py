"""`content check`: a valid pack passes; each kind of broken pack names file, line and fault."""

from pathlib import Path

import pytest
from support.content_packs import make_pack, module_toml

from debc_outreach.content import lock
from debc_outreach.content.loader import load_pack
from debc_outreach.content.validator import check_pack, errors_only


def _errors(pack: Path) -> list[str]:
    return [f"{p.file.relative_to(pack)}:{p.line}: {p.message}"
            for p in errors_only(check_pack(pack))]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def pack(tmp_path) -> Path:
    return make_pack(tmp_path / "pack")


MODULE = Path("modules/phone-basics")


def test_small_valid_pack_has_no_errors(pack):
    assert _errors(pack) == []


def test_missing_language_body_is_named(pack):
    (pack / MODULE / "km.md").unlink()
    assert _errors(pack) == [f"{MODULE}/km.md:1: missing language: km body of module "
                             "phone-basics"]


def test_missing_language_in_pack_toml(pack):
    _edit(pack / "pack.toml", 'languages = ["km", "en"]', 'languages = ["en"]')
    assert _errors(pack) == ["pack.toml:3: missing language: km"]


def test_missing_khmer_title_is_reported_with_its_table_line(pack):
    _edit(pack / MODULE / "module.toml", 'km = "មូលដ្ឋានទូរស័ព្ទ"\n', "")
    assert _errors(pack) == [f"{MODULE}/module.toml:9: title.km is missing or empty"]


def test_schema_faults_in_module_toml(pack):
    path = pack / MODULE / "module.toml"
    _edit(path, 'version = "1.0.0"', 'version = "1.0"')
    _edit(path, "duration_minutes = 45", "duration_minutes = 90")
    _edit(path, 'audience = ["everyone"]', 'audience = ["farmers"]')
    _edit(path, 'slug = "phone-basics"', 'slug = "phone-basic"')
    errors = _errors(pack)
    assert f"{MODULE}/module.toml:2: version must be a semantic version like 1.2.0" in errors
    assert (f"{MODULE}/module.toml:4: duration_minutes must be a whole number from 30 to 60"
            in errors)
    assert any(e.startswith(f"{MODULE}/module.toml:3: audience: unknown value farmers")
               for e in errors)
    assert (f"{MODULE}/module.toml:1: slug phone-basic differs from the folder name "
            "phone-basics" in errors)


def test_toml_syntax_error_names_the_line(pack):
    _edit(pack / "glossary.toml", 'en = "App"', 'en = "App')
    errors = _errors(pack)
    assert len(errors) == 1 and errors[0].startswith("glossary.toml:3: not valid TOML")


def test_duplicate_checklist_id(pack):
    _edit(pack / MODULE / "module.toml", 'id = "phone-basics.connect"',
          'id = "phone-basics.unlock"')
    errors = _errors(pack)
    assert len(errors) == 1
    assert errors[0].startswith(f"{MODULE}/module.toml:27: duplicate checklist id "
                                "phone-basics.unlock")


def test_too_few_checklist_items(tmp_path):
    pack = make_pack(tmp_path / "p", items=[("unlock", "អាចដោះសោ", "Can unlock")] * 1)
    assert _errors(pack) == [f"{MODULE}/module.toml:21: a module needs 4 to 6 checklist "
                             "items, this one has 1"]


def test_broken_image_link(pack):
    (pack / MODULE / "images" / "phone.svg").unlink()
    assert _errors(pack) == [f"{MODULE}/km.md:26: broken image link images/phone.svg",
                             f"{MODULE}/en.md:26: broken image link images/phone.svg"]


def test_image_outside_the_module_folder(pack):
    _edit(pack / MODULE / "en.md", "(images/phone.svg)", "(../../pack.toml)")
    assert _errors(pack) == [f"{MODULE}/en.md:26: image ../../pack.toml must be inside the "
                             "module folder"]


def test_unknown_glossary_term(pack):
    _edit(pack / MODULE / "km.md", "(glossary:app)", "(glossary:apps)")
    assert _errors(pack) == [f"{MODULE}/km.md:24: glossary link to unknown term apps"]


def test_slide_that_renders_empty(pack):
    _edit(pack / MODULE / "en.md", "## Recap\n\n- Side button to wake the phone.\n",
          "## Recap\n\n---\n\n**  **\n\nNote:\nOnly notes here.\n")
    errors = _errors(pack)
    assert f"{MODULE}/en.md:40: slide 6 renders empty" in errors
    assert any("6 slides, but km.md has 5" in e for e in errors)


def test_section_mismatch_between_languages(pack):
    _edit(pack / MODULE / "km.md", "## សង្ខេប", "## បង្ហាញ")
    assert _errors(pack) == [f"{MODULE}/km.md:36: section \"បង្ហាញ\" appears twice",
                             f"{MODULE}/en.md:36: slide 5 is section recap but in "
                             "km.md it is demonstrate"]


def test_sections_out_of_teaching_order(pack):
    path = pack / MODULE / "en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Story", "## Tmp").replace("## Recap", "## Story")
                    .replace("## Tmp", "## Recap"), encoding="utf-8")
    errors = _errors(pack)
    assert f"{MODULE}/en.md:22: section \"Demonstrate\" is out of order; the order is: " \
           "Story → Demonstrate → Practise → Recap" in errors


def test_unused_image_is_a_warning(pack):
    (pack / MODULE / "images" / "spare.svg").write_text("<svg/>", encoding="utf-8")
    problems = check_pack(pack)
    assert errors_only(problems) == []
    assert any(p.file.name == "spare.svg" and "not used" in p.message for p in problems)


def test_unknown_section_heading(pack):
    _edit(pack / MODULE / "en.md", "## Recap", "## Summary")
    errors = _errors(pack)
    assert errors[0].startswith(f"{MODULE}/en.md:36: unknown section heading \"Summary\"")


def test_doubled_coeng(pack):
    _edit(pack / MODULE / "km.md", "យាយចង់", "យាយចង្\u17d2ង់")
    assert _errors(pack) == [f"{MODULE}/km.md:14: doubled COENG (U+17D2) at column 9"]


def test_stray_zwsp_in_source(pack):
    _edit(pack / MODULE / "module.toml", 'km = "អាចបើកកម្មវិធី"', 'km = "អាចបើក\u200bកម្មវិធី"')
    assert _errors(pack) == [f"{MODULE}/module.toml:33: stray zero width space (U+200B) at "
                             "column 13; it is added for display only, remove it from the source"]


def test_mark_without_base_shows_dotted_circle(pack):
    _edit(pack / "glossary.toml", 'meaning_km = "កម្មវិធី', 'meaning_km = "ិកម្មវិធី')
    assert _errors(pack) == ["glossary.toml:6: Khmer mark without a base at column 15 (shows "
                             "a dotted circle)"]


# --- published checklist ids ---------------------------------------------------------------
def _publish(pack: Path) -> None:
    loaded = load_pack(pack)
    items = [i for m in loaded.modules for i in m.checklist]
    lock.write_lock(pack, lock.updated_entries(lock.read_lock(pack), items, loaded.version))


def test_unpublished_pack_only_warns(pack):
    problems = check_pack(pack)
    assert errors_only(problems) == []
    assert [p.file.name for p in problems] == ["checklist_ids.lock", "question_ids.lock"]


def test_removed_published_id_is_an_error_until_retired(pack):
    _publish(pack)
    _edit(pack / MODULE / "module.toml", 'id = "phone-basics.unlock"', 'id = "phone-basics.wake"')
    errors = _errors(pack)
    assert errors == ["checklist_ids.lock:5: checklist id phone-basics.unlock (published in "
                      "1.0.0) was removed; put it back or retire it with `content lock --retire "
                      "phone-basics.unlock`"]
    entries = lock.updated_entries(lock.read_lock(pack),
                                   list(load_pack(pack).module("phone-basics").checklist),
                                   "1.1.0", retire={"phone-basics.unlock"})
    lock.write_lock(pack, entries)
    assert _errors(pack) == []
    retired = load_pack(pack).checklist_item("phone-basics.unlock")
    assert retired.retired and retired.en == "Can unlock the phone"


def test_published_id_may_not_change_meaning(pack):
    _publish(pack)
    _edit(pack / MODULE / "module.toml", 'en = "Can open an app"', 'en = "Can delete an app"')
    assert _errors(pack) == [f"{MODULE}/module.toml:34: checklist id phone-basics.open-app "
                             "changed its meaning since 1.0.0: was \"Can open an app\", now "
                             "\"Can delete an app\"; keep the text or give the new skill a new id"]


def test_wording_fixes_keep_meaning(pack):
    _publish(pack)
    _edit(pack / MODULE / "module.toml", 'en = "Can open an app"', 'en = "Can open an app."')
    _edit(pack / MODULE / "module.toml", 'km = "អាចបើកកម្មវិធី"', 'km = "អាចបើកកម្មវិធីមួយ"')
    assert _errors(pack) == []


def test_retired_id_cannot_come_back(pack):
    _publish(pack)
    text = (pack / "checklist_ids.lock").read_text(encoding="utf-8")
    (pack / "checklist_ids.lock").write_text(
        text.replace('km = "អាចដោះសោទូរស័ព្ទ"\n', 'km = "អាចដោះសោទូរស័ព្ទ"\nretired = "1.0.0"\n'),
        encoding="utf-8")
    errors = _errors(pack)
    assert len(errors) == 1 and "was retired in 1.0.0 and cannot be used again" in errors[0]


# --- the CLI ---------------------------------------------------------------------------------
def test_cli_check_passes_a_valid_pack(run_cli, pack):
    code, out, err = run_cli("content", "check", str(pack))
    assert code == 0, err
    assert "Content pack test-pack 1.0.0 is OK: 1 module." in out


def test_cli_check_fails_with_file_and_line(run_cli, pack):
    (pack / MODULE / "images" / "phone.svg").unlink()
    code, out, err = run_cli("content", "check", str(pack))
    assert code == 1
    assert f"{pack / MODULE / 'en.md'}:26: error: broken image link images/phone.svg" in err
    assert "Error: The content pack has 2 errors." in err
    assert "Traceback" not in err


def test_cli_check_json(run_cli, pack):
    import json

    (pack / MODULE / "km.md").unlink()
    code, out, _err = run_cli("content", "check", str(pack), "--json")
    result = json.loads(out)
    assert code == 1 and result["ok"] is False
    assert result["problems"][0]["file"].endswith("km.md")


def test_cli_lock_writes_the_lock_and_keeps_ids(run_cli, pack):
    code, out, _err = run_cli("content", "lock", str(pack))
    assert code == 0 and "checklist ids: 4, of them new: 4" in out
    assert set(lock.read_lock(pack)) == {f"phone-basics.{k}" for k, *_ in
                                         [("unlock",), ("connect",), ("open-app",),
                                          ("type-name",)]}
    code, out, _err = run_cli("content", "lock", str(pack))
    assert code == 0 and "checklist ids: 4, of them new: 0" in out
    assert module_toml  # the helper is shared with other tests


# --- where an official body uses a glossary term ---------------------------------------------
def _glossary_problems(pack: Path, severity: str) -> list[str]:
    return [f"{p.line}: {p.message}" for p in check_pack(pack)
            if p.file.name == "glossary.toml" and p.severity == severity]


NO_SOURCE = ('source_km_searched = 2026-12-06\n'
             'source_km_queries = ["ពាក្យ កម្មវិធី ក្រសួង"]\n'
             'source_km_note = "Only banks use it."')


def test_terms_without_an_official_source_are_counted_in_one_warning(pack):
    _edit(pack / "glossary.toml", 'source_km = "https://example.org/app"', NO_SOURCE)
    assert _glossary_problems(pack, "error") == []
    assert _glossary_problems(pack, "warning") == [
        "1: 1 glossary term has no official Khmer source yet: app"]
    term = load_pack(pack).glossary["app"]
    assert term.source_km == "" and term.source_km_searched.isoformat() == "2026-12-06"
    assert term.source_km_queries == ("ពាក្យ កម្មវិធី ក្រសួង",)


def test_a_term_with_neither_a_source_nor_a_search_is_counted_too(pack):
    _edit(pack / "glossary.toml", 'source_km = "https://example.org/app"\n', "")
    assert _glossary_problems(pack, "error") == []
    assert len(_glossary_problems(pack, "warning")) == 1


@pytest.mark.parametrize("record, message", [
    ('source_km_searched = 2026-12-06',
     "a search that found no source needs both source_km_searched and source_km_queries"),
    ('source_km_searched = 2999-01-01\nsource_km_queries = ["x"]',
     "source_km_searched 2999-01-01 is in the future"),
    ('source_km_searched = "yesterday"\nsource_km_queries = ["x"]',
     "source_km_searched must be the date of the search"),
    ('source_km_searched = 2026-12-06\nsource_km_queries = []',
     "source_km_queries must list the searches made"),
])
def test_a_record_of_a_search_must_be_complete_and_dated(pack, record, message):
    _edit(pack / "glossary.toml", 'source_km = "https://example.org/app"', record)
    errors = _glossary_problems(pack, "error")
    assert len(errors) == 1 and message in errors[0], errors


def test_a_cited_source_needs_no_record_of_a_failed_search(pack):
    _edit(pack / "glossary.toml", 'source_km = "https://example.org/app"',
          'source_km = "https://example.org/app"\n' + NO_SOURCE)
    errors = _glossary_problems(pack, "error")
    assert len(errors) == 1 and "needs no record of a search" in errors[0], errors


def test_shipped_glossary_cites_a_source_or_records_the_search_for_every_term():
    from debc_outreach import resources

    glossary = load_pack(resources.content_dir()).glossary
    assert len(glossary) >= 35
    for term in glossary.values():
        assert bool(term.source_km) != bool(term.source_km_searched), term.id
        assert term.source_km or term.source_km_queries, term.id

