"""Signed content packs: only the publisher's or the programme coordinator's packs install,
unchanged since signing; a coordinator's correction reaches trainers in sync bundles and
through the hub."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import cli_in
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.content_packs import fake_publisher_key, make_pack, trust_test_publisher, zip_pack
from support.hub_server import RunningHub, enrolled_hub
from support.sync_devices import make_programme, send

from debc_outreach import resources
from debc_outreach.content import load_active_pack, load_pack, signing
from debc_outreach.content.importer import PackRejected, import_pack, install_received
from debc_outreach.sync import hub_client


def test_the_bundled_pack_is_signed_by_the_publisher():
    try:
        signer = signing.verify_pack(resources.content_dir(), signing.publisher_keys())
    except signing.PackSignatureError as error:
        pytest.fail(f"{error}\nThe bundled pack in content/ changed after it was signed. Run "
                    "`python3 dev.py sign-content` (README, Contributing: Content packs) and "
                    "commit content/signature.json.")
    assert signer == "the app's publisher"


def _correction(folder: Path, version: str = "1.0.1") -> Path:
    """The shipped pack with a newer version number: what a coordinator rolls out."""
    shutil.copytree(resources.content_dir(), folder)
    (folder / signing.SIGNATURE_FILE).unlink()
    text = (folder / "pack.toml").read_text(encoding="utf-8")
    shipped = load_pack().version
    (folder / "pack.toml").write_text(text.replace(f'version = "{shipped}"',
                                                   f'version = "{version}"'), encoding="utf-8")
    return folder


@pytest.fixture
def test_pack(tmp_path, data_dir, monkeypatch) -> Path:
    """A data folder using an imported test pack 1.0.0, and a newer 2.0.0 pack's folder."""
    trust_test_publisher(monkeypatch)
    make_pack(resources.imported_content_dir(data_dir), version="1.0.0")
    return make_pack(tmp_path / "new", version="2.0.0")


def _refused(run_cli, data_dir: Path, archive: Path) -> str:
    code, _out, err = run_cli("content", "import", str(archive))
    assert code == 1
    assert load_active_pack(data_dir).version == "1.0.0"        # nothing changed
    return err.strip().splitlines()[-1]


def test_an_unsigned_pack_is_refused(run_cli, data_dir, test_pack, tmp_path):
    message = _refused(run_cli, data_dir, zip_pack(test_pack, tmp_path / "p.zip", sign=False))
    assert message == ("Error: This content pack is not signed, so it cannot be trusted. Ask "
                       "your coordinator for a signed pack.")


def test_a_pack_changed_after_signing_is_refused(run_cli, data_dir, test_pack, tmp_path):
    signing.sign_pack(test_pack, fake_publisher_key(), "test publisher")
    slides = test_pack / "modules/phone-basics/en.md"
    slides.write_text(slides.read_text(encoding="utf-8") + "\nSend money to 012 345 678.\n",
                      encoding="utf-8")
    message = _refused(run_cli, data_dir, zip_pack(test_pack, tmp_path / "p.zip", sign=False))
    assert "changed after it was signed: modules/phone-basics/en.md" in message


def test_a_file_added_after_signing_is_refused(run_cli, data_dir, test_pack, tmp_path):
    signing.sign_pack(test_pack, fake_publisher_key(), "test publisher")
    (test_pack / "modules/phone-basics/images/qr.svg").write_text("<svg/>", encoding="utf-8")
    message = _refused(run_cli, data_dir, zip_pack(test_pack, tmp_path / "p.zip", sign=False))
    assert "added after it was signed: modules/phone-basics/images/qr.svg" in message


def test_a_pack_signed_by_an_unknown_key_is_refused(run_cli, data_dir, test_pack, tmp_path):
    signing.sign_pack(test_pack, Ed25519PrivateKey.generate(), "Mr Scammer")
    message = _refused(run_cli, data_dir, zip_pack(test_pack, tmp_path / "p.zip", sign=False))
    assert "signed by Mr Scammer, whom this computer does not trust" in message


def test_a_damaged_signature_file_is_refused(run_cli, data_dir, test_pack, tmp_path):
    (test_pack / signing.SIGNATURE_FILE).write_text('{"body": 1', encoding="utf-8")
    message = _refused(run_cli, data_dir, zip_pack(test_pack, tmp_path / "p.zip", sign=False))
    assert message == "Error: This content pack's signature file is damaged."


def test_the_refusal_is_translated(data_dir, test_pack, tmp_path, capsys):
    code, _out, err = cli_in(capsys, data_dir, "content", "import",
                             str(zip_pack(test_pack, tmp_path / "p.zip", sign=False)), lang="km")
    assert code == 1
    assert "not signed" not in err and "ហត្ថលេខា" in err


def test_a_coordinator_signs_a_correction_and_it_reaches_a_trainer_by_bundle(tmp_path,
                                                                            capsys):
    coordinator, (trainer,) = make_programme(tmp_path)
    folder = _correction(tmp_path / "correction")
    archive = tmp_path / "correction.zip"
    coordinator_dir, trainer_dir = coordinator.data_dir, trainer.data_dir
    coordinator.close()
    code, out, err = cli_in(capsys, coordinator_dir, "content", "sign", str(folder), "-o",
                            str(archive))
    assert code == 0, err
    assert "Signed the pack as Kampot 2026 coordinator" in out
    code, out, err = cli_in(capsys, coordinator_dir, "content", "import", str(archive))
    assert code == 0, err
    assert "Signed by your programme's coordinator." in out
    # A trainer may not sign for the programme.
    trainer.close()
    code, _out, err = cli_in(capsys, trainer_dir, "content", "sign", str(folder))
    assert code == 1 and "Only the programme's coordinator can sign" in err

    from debc_outreach.storage.store import Store

    with Store.open(coordinator_dir) as coordinator, Store.open(trainer_dir) as trainer:
        send(coordinator, trainer, tmp_path / "usb")
        assert load_active_pack(trainer_dir).version == load_pack().version
        installed = install_received(trainer_dir, trainer.database)
        assert [(r.version, r.signer) for r in installed] == [
            ("1.0.1", "your programme's coordinator")]
        assert load_active_pack(trainer_dir).version == "1.0.1"
        # The trainer passes it on; the coordinator already has it and keeps nothing.
        send(trainer, coordinator, tmp_path / "usb")
        assert not list(resources.received_content_packs(coordinator_dir).glob("*.zip"))


def test_a_pack_from_another_programme_is_not_installed_from_a_bundle(tmp_path, capsys):
    coordinator, (trainer,) = make_programme(tmp_path / "one")
    other, _devices = make_programme(tmp_path / "two", trainers=0)
    other_dir = other.data_dir
    other.close()
    archive = tmp_path / "foreign.zip"
    code, _out, err = cli_in(capsys, other_dir, "content", "sign",
                             str(_correction(tmp_path / "foreign")), "-o", str(archive))
    assert code == 0, err
    # Even if it reached the trainer's inbox (a bundle of this programme carried it), the
    # trainer installs only what its own coordinator or the publisher signed.
    inbox = resources.received_content_packs(trainer.data_dir)
    inbox.mkdir(parents=True)
    shutil.copy(archive, inbox / "foreign.zip")
    assert install_received(trainer.data_dir, trainer.database) == []
    assert load_active_pack(trainer.data_dir).version == load_pack().version
    assert list(inbox.iterdir()) == []
    with pytest.raises(PackRejected, match="does not trust"):
        import_pack(archive, trainer.data_dir, (), signing.trusted_signers(trainer.database))
    coordinator.close()
    trainer.close()


def test_a_correction_reaches_a_trainer_through_the_hub(tmp_path, capsys):
    coordinator, (trainer,) = make_programme(tmp_path)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    folder = _correction(tmp_path / "correction", "1.0.2")
    archive = tmp_path / "correction.zip"
    signing.sign_pack(folder, _coordinator_key(coordinator), "Kampot 2026 coordinator")
    signing.zip_pack(folder, archive)
    import_pack(archive, coordinator.data_dir, (), signing.trusted_signers(coordinator.database))
    with RunningHub(hub) as running:
        hub_client.sync_with_hub(coordinator, running.url)
        assert hub.content_pack()["version"] == "1.0.2"
        hub_client.sync_with_hub(trainer, running.url)
        installed = install_received(trainer.data_dir, trainer.database)
        assert [r.version for r in installed] == ["1.0.2"]
        # Next time the hub does not send it again: the trainer says it holds it.
        hub_client.sync_with_hub(trainer, running.url)
        assert not resources.received_content_packs(trainer.data_dir).exists() or not list(
            resources.received_content_packs(trainer.data_dir).iterdir())
    assert load_active_pack(trainer.data_dir).version == "1.0.2"
    hub.close()
    coordinator.close()
    trainer.close()


def _coordinator_key(store) -> Ed25519PrivateKey:
    from debc_outreach.sync.keys import device_keys

    return device_keys(store.data_dir).signing


def test_importing_an_unsigned_pack_in_the_app_says_why(modules_page_refusal):
    assert "not signed" in modules_page_refusal


@pytest.fixture
def modules_page_refusal(main_window, monkeypatch, qtbot, tmp_path) -> str:
    from debc_outreach.gui import tasks

    shown = []
    monkeypatch.setattr(tasks, "show_user_error", lambda parent, text: shown.append(text))
    page = main_window.page("modules")
    task = page.import_pack(zip_pack(make_pack(tmp_path / "p", "99.0.0"), tmp_path / "p.zip",
                                     sign=False))
    with qtbot.waitSignal(task.failed, timeout=20000):
        pass
    return shown[0]


def test_a_coordinator_signs_and_uses_a_pack_from_the_modules_page(main_window, app_context,
                                                                     monkeypatch, qtbot,
                                                                     tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from debc_outreach.gui.teaching import modules_page as page_module
    from debc_outreach.gui.teaching import pack_signing
    from debc_outreach.sync import trust

    page = main_window.page("modules")
    assert page.sign_button.isHidden()                     # a trainer's computer
    trust.create_programme(app_context.store, "Kampot 2026")
    app_context.announce_change("")
    assert not page.sign_button.isHidden()
    asked = []
    monkeypatch.setattr(pack_signing.QMessageBox, "question", lambda *args: asked.append(
        args[2]) or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(page_module.QMessageBox, "information", lambda *args: None)
    target = tmp_path / "correction.zip"
    task = pack_signing.sign_pack(page, _correction(tmp_path / "correction", "1.0.3"), target)
    with qtbot.waitSignal(task.succeeded, timeout=20000):
        pass
    assert str(target) in asked[0]
    qtbot.waitUntil(lambda: page.pack.version == "1.0.3", timeout=20000)
    assert signing.verify_pack(resources.imported_content_dir(app_context.data_dir),
                               signing.trusted_signers(app_context.store.database)) \
        == "your programme's coordinator"
