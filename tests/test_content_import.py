"""Importing a content pack .zip: validated first, old pack kept on failure, ids stay readable."""

from pathlib import Path

import pytest
from support.content_packs import make_pack, trust_test_publisher, zip_pack

from debc_outreach import resources
from debc_outreach.content import load_active_pack, lock
from debc_outreach.content.importer import PackRejected, import_history, import_pack
from debc_outreach.content.loader import load_pack


def _published(folder: Path, version: str, items=None) -> Path:
    make_pack(folder, version=version, items=items)
    pack = load_pack(folder)
    lock.write_lock(folder, lock.updated_entries(
        None, [i for m in pack.modules for i in m.checklist], version))
    return folder


@pytest.fixture(autouse=True)
def _test_publisher(monkeypatch):
    trust_test_publisher(monkeypatch)


@pytest.fixture
def installed(tmp_path) -> Path:
    """A data folder that already uses an imported test pack 50.0.0."""
    data_dir = tmp_path / "data"
    _published(resources.imported_content_dir(data_dir), "50.0.0")
    return data_dir


def test_newer_pack_replaces_the_old_one(tmp_path, installed):
    source = _published(tmp_path / "new", "50.1.0")
    result = import_pack(zip_pack(source, tmp_path / "new.zip", top="pack"), installed)
    assert (result.version, result.previous_version, result.modules) == ("50.1.0", "50.0.0", 1)
    assert load_active_pack(installed).version == "50.1.0"
    assert import_history(installed)[-1]["version"] == "50.1.0"
    assert not any(p.name.startswith(".content-import") for p in installed.iterdir())


def test_broken_pack_is_refused_and_the_old_one_kept(tmp_path, installed):
    source = _published(tmp_path / "new", "50.1.0")
    (source / "modules/phone-basics/images/phone.svg").unlink()
    with pytest.raises(PackRejected) as rejected:
        import_pack(zip_pack(source, tmp_path / "new.zip"), installed)
    assert "broken image link" in str(rejected.value)
    assert any("en.md:26" in str(p) for p in rejected.value.problems)
    assert load_active_pack(installed).version == "50.0.0"


def test_pack_that_drops_a_recorded_id_is_refused(tmp_path, installed):
    fewer = [("connect", "អាចភ្ជាប់អ៊ីនធឺណិត", "Can turn Wi-Fi on"),
             ("open-app", "អាចបើកកម្មវិធី", "Can open an app"),
             ("type-name", "អាចវាយឈ្មោះជាអក្សរខ្មែរ", "Can type their name in Khmer"),
             ("wake", "អាចដាស់ទូរស័ព្ទ", "Can wake the phone")]
    source = make_pack(tmp_path / "new", version="50.1.0", items=fewer)   # no lock at all
    with pytest.raises(PackRejected, match="phone-basics.unlock is missing"):
        import_pack(zip_pack(source, tmp_path / "new.zip"), installed)
    assert load_active_pack(installed).checklist_item("phone-basics.unlock").en == \
        "Can unlock the phone"


def test_retired_ids_keep_resolving_after_import(tmp_path, installed):
    source = _published(tmp_path / "new", "50.1.0")
    text = (source / "modules/phone-basics/module.toml").read_text(encoding="utf-8")
    (source / "modules/phone-basics/module.toml").write_text(text.replace(
        'id = "phone-basics.unlock"\nkm = "អាចដោះសោទូរស័ព្ទ"\nen = "Can unlock the phone"',
        'id = "phone-basics.wake"\nkm = "អាចដាស់ទូរស័ព្ទ"\nen = "Can wake the phone"'),
        encoding="utf-8")
    pack = load_pack(source)
    lock.write_lock(source, lock.updated_entries(
        lock.read_lock(source), list(pack.modules[0].checklist), "50.1.0",
        retire={"phone-basics.unlock"}))
    import_pack(zip_pack(source, tmp_path / "new.zip"), installed)
    active = load_active_pack(installed)
    old = active.checklist_item("phone-basics.unlock")
    assert old.retired and old.text("km") == "អាចដោះសោទូរស័ព្ទ"
    assert active.checklist_item("phone-basics.wake").en == "Can wake the phone"


def test_same_or_older_version_is_refused(tmp_path, installed):
    source = _published(tmp_path / "new", "50.0.0")
    with pytest.raises(PackRejected, match="not newer"):
        import_pack(zip_pack(source, tmp_path / "new.zip"), installed)


def test_not_a_zip_and_unsafe_paths_are_refused(tmp_path, installed):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(PackRejected, match="not a readable .zip"):
        import_pack(junk, installed)
    import zipfile

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../outside.txt", "x")
    with pytest.raises(PackRejected, match="unsafe path"):
        import_pack(evil, installed)
    assert not (tmp_path / "outside.txt").exists()


def test_cli_import_reports_and_exits(run_cli, data_dir, tmp_path):
    _published(resources.imported_content_dir(data_dir), "50.0.0")
    source = _published(tmp_path / "new", "50.2.0")
    code, out, err = run_cli("content", "import", str(zip_pack(source, tmp_path / "p.zip")))
    assert code == 0, err
    assert "Imported content pack test-pack 50.2.0 (1 module); it replaces 50.0.0." in out
    code, _out, err = run_cli("content", "import", str(tmp_path / "p.zip"))
    assert code == 1 and "not newer" in err and "Traceback" not in err


def test_pack_missing_an_id_with_recorded_results_is_refused(tmp_path, installed):
    source = _published(tmp_path / "new", "50.1.0")
    with pytest.raises(PackRejected, match="recorded against checklist id other-module.x"):
        import_pack(zip_pack(source, tmp_path / "new.zip"), installed,
                    recorded_ids={"phone-basics.unlock", "other-module.x"})
    result = import_pack(zip_pack(source, tmp_path / "new.zip"), installed,
                         recorded_ids={"phone-basics.unlock"})
    assert result.version == "50.1.0"


def test_recorded_ids_come_from_the_results_table(store):
    from debc_outreach.content.importer import recorded_checklist_ids
    assert recorded_checklist_ids(store.database) == set()
    store.record("checklist", "session-1", {"participant_ids": ["p1", "p2"],
                                             "item_id": "phone-basics.unlock",
                                             "state": "achieved"})
    assert recorded_checklist_ids(store.database) == {"phone-basics.unlock"}


def test_cli_import_refuses_a_pack_that_drops_a_recorded_id(run_cli, data_dir, tmp_path):
    from debc_outreach.storage.store import Store

    _published(resources.imported_content_dir(data_dir), "50.0.0")
    with Store.open(data_dir) as store:
        store.record("checklist", "session-1", {"participant_ids": ["p1"],
                                                 "item_id": "old-module.skill",
                                                 "state": "achieved"})
    source = _published(tmp_path / "new", "50.2.0")
    code, _out, err = run_cli("content", "import", str(zip_pack(source, tmp_path / "p.zip")))
    assert code == 1 and "old-module.skill" in err
    assert load_active_pack(data_dir).version == "50.0.0"


def test_pack_that_changes_a_question_answers_were_recorded_against_is_refused(tmp_path,
                                                                               installed):
    source = _published(tmp_path / "new", "50.1.0")
    module = source / "modules/phone-basics/module.toml"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace('en = "Question 2?"', 'en = "A different question?"'),
                      encoding="utf-8")
    with pytest.raises(PackRejected, match="question id phone-basics.qc.q2 changed its "
                                           "meaning"):
        import_pack(zip_pack(source, tmp_path / "new.zip"), installed)
    module.write_text(text.replace('id = "phone-basics.fu.still-safe"',
                                   'id = "phone-basics.fu.safe-now"'), encoding="utf-8")
    with pytest.raises(PackRejected, match="question id phone-basics.fu.still-safe is "
                                           "missing"):
        import_pack(zip_pack(source, tmp_path / "new.zip"), installed)
    assert load_active_pack(installed).version == "50.0.0"
