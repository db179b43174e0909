"""A content pack built to crash the parser (deep nesting, a folder where a file
belongs) gets a one-line reason, and the pack in use is kept."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from support.content_packs import fake_publisher_key, make_pack, trust_test_publisher, zip_pack

from debc_outreach import resources
from debc_outreach.content import load_active_pack, lock, signing
from debc_outreach.content.importer import PackRejected, import_pack
from debc_outreach.content.loader import ContentError, load_pack

DEPTH = 5000


def _published(folder: Path, version: str) -> Path:
    make_pack(folder, version=version)
    pack = load_pack(folder)
    lock.write_lock(folder, lock.updated_entries(
        None, [i for m in pack.modules for i in m.checklist], version))
    return folder


def _deeply_nested(folder: Path) -> None:
    pack_toml = folder / "pack.toml"
    pack_toml.write_text(pack_toml.read_text(encoding="utf-8")
                         + f"\nnested = {'[' * DEPTH}{']' * DEPTH}\n", encoding="utf-8")


def _pack_toml_as_folder(folder: Path) -> None:
    (folder / "pack.toml").unlink()
    (folder / "pack.toml").mkdir()
    (folder / "pack.toml" / "inside.txt").write_text("x", encoding="utf-8")


def _lock_as_folder(folder: Path) -> None:
    (folder / lock.LOCK_FILE).unlink()
    (folder / lock.LOCK_FILE).mkdir()
    (folder / lock.LOCK_FILE / "inside.txt").write_text("x", encoding="utf-8")


def _deeply_nested_module(folder: Path) -> None:
    module = next((folder / "modules").iterdir()) / "module.toml"
    module.write_text(module.read_text(encoding="utf-8")
                      + f"\nnested = {'{a = ' * DEPTH}1{'}' * DEPTH}\n", encoding="utf-8")


def _sign(folder: Path) -> None:
    signing.sign_pack(folder, fake_publisher_key(), "test publisher")


BREAKS = {"deep-pack": (_deeply_nested, "nested too deeply"),
          "pack-folder": (_pack_toml_as_folder, "folder"),
          "lock-folder": (_lock_as_folder, "folder"),
          "deep-module": (_deeply_nested_module, "nested too deeply")}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_content_check_names_the_problem_without_a_traceback(run_cli, tmp_path, name):
    breaks, reason = BREAKS[name]
    folder = _published(tmp_path / name, "50.1.0")
    breaks(folder)
    code, out, err = run_cli("content", "check", str(folder))
    assert code == 1
    assert reason in out + err
    assert "Traceback" not in err and "unexpected" not in err.lower()


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_import_refuses_the_pack_and_keeps_the_one_in_use(run_cli, data_dir, tmp_path, name,
                                                          monkeypatch):
    trust_test_publisher(monkeypatch)
    _published(resources.imported_content_dir(data_dir), "50.0.0")
    breaks, _reason = BREAKS[name]
    folder = _published(tmp_path / name, "50.1.0")
    _sign(folder)
    breaks(folder)
    # Signed again over the broken files, so that the importer reaches its parser; a pack
    # whose pack.toml itself is broken cannot be signed and stays signed as it was.
    with contextlib.suppress(ContentError):
        _sign(folder)
    archive = zip_pack(folder, tmp_path / f"{name}.zip", sign=False)
    with pytest.raises(PackRejected) as rejected:
        import_pack(archive, data_dir)
    assert "\n" not in str(rejected.value)
    code, _out, err = run_cli("content", "import", str(archive))
    assert code == 1 and "Traceback" not in err and "unexpected" not in err.lower()
    assert load_active_pack(data_dir).version == "50.0.0"
    assert not any(p.name.startswith(".content-import") for p in data_dir.iterdir())


def test_a_pack_folder_with_a_folder_for_pack_toml_is_not_loaded(tmp_path):
    folder = _published(tmp_path / "pack", "50.1.0")
    _pack_toml_as_folder(folder)
    from debc_outreach.content.loader import ContentError

    with pytest.raises(ContentError):
        load_pack(folder)
    shutil.rmtree(folder)
