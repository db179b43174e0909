"""The shipped content pack: every module loads in both languages with 4–6 checklist items."""

from pathlib import Path

import pytest
from support.content_packs import make_pack

from debc_outreach import resources
from debc_outreach.content import load_active_pack, load_pack
from debc_outreach.content.slides import split_slides
from debc_outreach.content.validator import check_pack, errors_only


@pytest.fixture(scope="module")
def shipped():
    return load_pack()


def test_shipped_pack_has_both_languages_and_modules(shipped):
    assert shipped.id and shipped.version
    assert set(shipped.languages) == {"km", "en"}
    assert shipped.title("km") and shipped.title("en")
    assert len(shipped.modules) >= 3


def test_every_shipped_module_loads_in_both_languages(shipped):
    for module in shipped.modules:
        assert module.title("km") and module.title("en"), module.slug
        km, en = module.slides("km"), module.slides("en")
        assert len(km) == len(en) > 1, module.slug
        assert [s.section for s in km] == [s.section for s in en], module.slug
        assert 30 <= module.duration_minutes <= 60
        assert 4 <= len(module.checklist) <= 6, module.slug
        for item in module.checklist:
            assert item.id.startswith(module.slug + ".")
            assert item.km and item.en.startswith("Can ")


def test_shipped_pack_passes_content_check():
    errors = errors_only(check_pack(resources.content_dir()))
    assert errors == [], "\n".join(map(str, errors))


def test_checklist_items_resolve_by_id(shipped):
    module = shipped.modules[0]
    item = module.checklist[0]
    assert shipped.checklist_item(item.id) == item
    assert shipped.checklist_item("no-such.item") is None


def test_slides_keep_notes_apart_from_what_learners_see():
    slides = split_slides("# Title\n\nIntro\n\nNote:\nSecret tip\n---\n## Story\n\n- one\n",
                          "en")
    assert [s.body for s in slides] == ["# Title\n\nIntro", "## Story\n\n- one"]
    assert slides[0].notes == "Secret tip" and slides[0].heading == "Title"
    assert slides[1].section == "story" and slides[1].line == 8


def test_khmer_section_headings_are_recognised():
    slides = split_slides("# ចំណងជើង\n---\n## រឿង\n---\n## បង្ហាញ\n---\n## អនុវត្ត\n---\n## សង្ខេប",
                          "km")
    assert [s.section for s in slides] == [None, "story", "demonstrate", "practise", "recap"]


def test_imported_pack_overrides_the_shipped_one_only_when_not_older(tmp_path: Path):
    data_dir = tmp_path / "data"
    shipped_version = load_pack().version
    newer = make_pack(resources.imported_content_dir(data_dir), version="99.0.0")
    assert load_active_pack(data_dir).folder == newer
    make_pack(newer, version="0.0.1")
    assert load_active_pack(data_dir).version == shipped_version


def test_module_search_matches_khmer_however_it_was_typed(tmp_path: Path):
    from debc_outreach.content.search import ModuleIndex

    folder = make_pack(tmp_path / "pack", modules=("phone-basics", "other-module"))
    km = folder / "modules/phone-basics/km.md"
    km.write_text(km.read_text(encoding="utf-8").replace(
        "យាយចង់ឆ្លើយ", "សេចក្ដីស្រឡាញ់ យាយចង់ឆ្លើយ"), encoding="utf-8")
    index = ModuleIndex(load_pack(folder))
    found = [m.slug for m in index.search("សេចក្\u200bតី")]      # COENG TA and a ZWSP
    assert found == ["phone-basics"]
    assert {m.slug for m in index.search("GRANDSON")} == {"other-module", "phone-basics"}
    assert index.search("", tag="digital-business") == []
    assert len(index.search("", audience="elders")) == 2        # "everyone" modules count


def test_shipped_pack_can_be_locked_and_then_passes_without_warnings(tmp_path: Path, run_cli):
    import shutil

    copy = tmp_path / "content"
    shutil.copytree(resources.content_dir(), copy)
    code, out, err = run_cli("content", "lock", str(copy))
    assert code == 0, err
    problems = check_pack(copy)
    assert [p for p in problems if "checklist_ids.lock" in str(p)] == []
    assert errors_only(problems) == []
    locked = load_pack(copy)
    for module in locked.modules:
        for item in module.checklist:
            assert locked.locked[item.id].en == item.en
