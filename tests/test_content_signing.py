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
from debc_outreach.content.loader import active_pack_identity
from debc_outreach.sync import hub_client


def test_the_bundled_pack_is_signed_by_the_publisher():
    try:
        signer = signing.verify_pack(resources.content_dir(), signing.publisher_keys())
    except signing.PackSignatureError as error:
        pytest.fail(f"{error}\nThe bundled pack in content/ changed after it was signed. Run "
                    "`python3 dev.py sign-content` (README, Contributing: Content packs) and "
                    "commit content/signature.json.")
    assert signer == "the app's publisher"


# Corrections are numbered 9.x so that they stay newer than the bundled pack they correct.
def _correction(folder: Path, version: str = "9.0.1") -> Path:
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
    """A data folder using an imported test pack 5.0.0 (newer than the bundled one), and a
    newer 6.0.0 pack's folder."""
    trust_test_publisher(monkeypatch)
    make_pack(resources.imported_content_dir(data_dir), version="5.0.0")
    return make_pack(tmp_path / "new", version="6.0.0")


def _refused(run_cli, data_dir: Path, archive: Path) -> str:
    code, _out, err = run_cli("content", "import", str(archive))
    assert code == 1
    assert load_active_pack(data_dir).version == "5.0.0"        # nothing changed
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
            ("9.0.1", "your programme's coordinator")]
        assert load_active_pack(trainer_dir).version == "9.0.1"
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
    folder = _correction(tmp_path / "correction", "9.0.2")
    archive = tmp_path / "correction.zip"
    signing.sign_pack(folder, _coordinator_key(coordinator), "Kampot 2026 coordinator")
    signing.zip_pack(folder, archive)
    import_pack(archive, coordinator.data_dir, (), signing.trusted_signers(coordinator.database))
    with RunningHub(hub) as running:
        hub_client.sync_with_hub(coordinator, running.url)
        assert hub.content_pack()["version"] == "9.0.2"
        hub_client.sync_with_hub(trainer, running.url)
        installed = install_received(trainer.data_dir, trainer.database)
        assert [r.version for r in installed] == ["9.0.2"]
        # Next time the hub does not send it again: the trainer says it passes it on (a
        # request without the pack it uses, as older versions send, still works).
        hub_client.sync_with_hub(trainer, running.url)
        assert not resources.received_content_packs(trainer.data_dir).exists() or not list(
            resources.received_content_packs(trainer.data_dir).iterdir())
    assert load_active_pack(trainer.data_dir).version == "9.0.2"
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
    task = pack_signing.sign_pack(page, _correction(tmp_path / "correction", "9.0.3"), target)
    with qtbot.waitSignal(task.succeeded, timeout=20000):
        pass
    assert str(target) in asked[0]
    qtbot.waitUntil(lambda: page.pack.version == "9.0.3", timeout=20000)
    assert signing.verify_pack(resources.imported_content_dir(app_context.data_dir),
                               signing.trusted_signers(app_context.store.database)) \
        == "your programme's coordinator"


def _signed_correction(tmp_path: Path, coordinator, version: str) -> Path:
    folder = _correction(tmp_path / f"correction-{version}", version)
    archive = tmp_path / f"correction-{version}.zip"
    signing.sign_pack(folder, _coordinator_key(coordinator), "Kampot 2026 coordinator")
    signing.zip_pack(folder, archive)
    return archive


def _received(store) -> list[Path]:
    inbox = resources.received_content_packs(store.data_dir)
    return sorted(inbox.glob("*.zip")) if inbox.exists() else []


def test_the_hub_sends_its_pack_only_to_devices_with_an_older_one(tmp_path):
    coordinator, (behind, ahead) = make_programme(tmp_path, trainers=2)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    rolled_out = _signed_correction(tmp_path, coordinator, "9.0.2")
    import_pack(rolled_out, coordinator.data_dir, (),
                signing.trusted_signers(coordinator.database))
    # This trainer got a newer pack another way (by hand, or with an app update).
    import_pack(_signed_correction(tmp_path, coordinator, "9.0.3"), ahead.data_dir, (),
                signing.trusted_signers(ahead.database))
    with RunningHub(hub) as running:
        hub_client.sync_with_hub(coordinator, running.url)
        for store in (behind, ahead):
            hub_client.sync_with_hub(store, running.url,
                                     held_pack=active_pack_identity(store.data_dir))
        # Not sent at all: had it come, the device would have left it in its inbox.
        assert _received(ahead) == []
        assert len(_received(behind)) == 1
        assert [r.version for r in install_received(behind.data_dir, behind.database)] \
            == ["9.0.2"]
        hub_client.sync_with_hub(behind, running.url,
                                 held_pack=active_pack_identity(behind.data_dir))
        assert _received(behind) == []
    assert load_active_pack(ahead.data_dir).version == "9.0.3"
    assert load_active_pack(behind.data_dir).version == "9.0.2"
    for store in (hub, coordinator, behind, ahead):
        store.close()


def test_the_hub_does_not_send_its_pack_to_a_device_whose_app_ships_a_newer_one(
        tmp_path, monkeypatch):
    coordinator, (trainer,) = make_programme(tmp_path)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    import_pack(_signed_correction(tmp_path, coordinator, "9.0.2"), coordinator.data_dir, (),
                signing.trusted_signers(coordinator.database))
    with RunningHub(hub) as running:
        hub_client.sync_with_hub(coordinator, running.url)
        # The trainer's app was updated: the pack it ships is newer than the hub's.
        shipped = _correction(tmp_path / "shipped", "9.1.0")
        monkeypatch.setattr(resources, "content_dir", lambda: shipped)
        assert active_pack_identity(trainer.data_dir)[1] == "9.1.0"
        hub_client.sync_with_hub(trainer, running.url,
                                 held_pack=active_pack_identity(trainer.data_dir))
        assert _received(trainer) == []
    for store in (hub, coordinator, trainer):
        store.close()


def test_a_delta_request_without_the_pack_it_holds_is_read_as_before():
    from debc_outreach.hub.app import delta_request

    old = delta_request(b'{"vector": {}, "acknowledge": true, "content_pack": "ab"}')
    assert (old.acknowledge, old.content_pack, old.content_held) == (True, "ab", None)
    new = delta_request(b'{"vector": {}, "content_held": {"id": "p", "version": "9.0.2"}}')
    assert new.content_held == ("p", "9.0.2") and new.content_pack is None
    for junk in ('"9.0.2"', '{"id": "p"}', '{"id": 1, "version": "9.0.2"}',
                 '{"id": "p", "version": "' + "9" * 300 + '"}'):
        body = ('{"vector": {}, "content_held": ' + junk + '}').encode()
        assert delta_request(body).content_held is None


def test_the_hub_sends_its_pack_only_when_newer_than_the_devices():
    from debc_outreach.sync.content_carry import newer_than_held

    carried = {"id": "debc-awareness", "version": "9.0.2"}
    assert newer_than_held(carried, ("debc-awareness", "9.0.1"))
    assert not newer_than_held(carried, ("debc-awareness", "9.0.2"))
    assert not newer_than_held(carried, ("debc-awareness", "9.0.10"))
    assert not newer_than_held(carried, ("another-pack", "0.1.0"))


def _carries_pack(sender, recipient, folder: Path, held_pack=None) -> bool:
    """Export from sender to recipient and import it there; whether the bundle carried
    the sender's content pack."""
    from debc_outreach.sync import bundle, export, importer

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / export.bundle_filename(sender, recipient.device_id)
    export.export_bundle(sender, recipient.device_id, path, held_pack=held_pack)
    carried = "content_pack" in bundle.read_header(path).header
    importer.import_bundle(recipient, path)
    path.unlink()
    return carried


def test_a_bundle_carries_the_pack_only_to_a_device_not_known_to_have_it(tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path)
    import_pack(_signed_correction(tmp_path, coordinator, "9.0.2"), coordinator.data_dir, (),
                signing.trusted_signers(coordinator.database))
    usb = tmp_path / "usb"
    # Nothing known about the trainer yet: the pack goes along (an older device).
    assert _carries_pack(coordinator, trainer, usb)
    install_received(trainer.data_dir, trainer.database)
    # The trainer's bundle says it uses 1.0.2 now (and carries nothing the coordinator
    # lacks), so the coordinator's next bundle leaves the pack out.
    assert not _carries_pack(trainer, coordinator, usb,
                             held_pack=active_pack_identity(trainer.data_dir))
    assert not _carries_pack(coordinator, trainer, usb)
    # A newer pack on the trainer (an app update): still nothing older comes to it.
    shipped_newer = (active_pack_identity(trainer.data_dir)[0], "9.1.0")
    _carries_pack(trainer, coordinator, usb, held_pack=shipped_newer)
    assert not _carries_pack(coordinator, trainer, usb)
    # The coordinator rolls out 1.1.1: it goes to the trainer again.
    import_pack(_signed_correction(tmp_path, coordinator, "9.1.1"), coordinator.data_dir, (),
                signing.trusted_signers(coordinator.database))
    assert _carries_pack(coordinator, trainer, usb)
    coordinator.close()
    trainer.close()


def test_a_trainer_does_not_push_its_pack_to_the_hub_nor_the_coordinator_twice(tmp_path):
    from debc_outreach.sync import bundle, hub_client

    coordinator, (trainer,) = make_programme(tmp_path)
    hub = enrolled_hub(tmp_path / "hub", coordinator)
    import_pack(_signed_correction(tmp_path, coordinator, "9.0.2"), coordinator.data_dir, (),
                signing.trusted_signers(coordinator.database))
    pushed: list[dict] = []
    original = hub_client._upload

    def upload(session, path, report):
        pushed.append(bundle.read_header(path).header)
        return original(session, path, report)

    with RunningHub(hub) as running:
        hub_client._upload = upload
        try:
            for store in (coordinator, trainer, trainer, coordinator):
                _add_someone(store)
                hub_client.sync_with_hub(store, running.url,
                                         held_pack=active_pack_identity(store.data_dir))
                install_received(store.data_dir, store.database)
        finally:
            hub_client._upload = original
    assert active_pack_identity(trainer.data_dir)[1] == "9.0.2"
    assert [header["sender"] == coordinator.device_id and "content_pack" in header
            for header in pushed] == [True, False, False, False]
    for store in (hub, coordinator, trainer):
        store.close()


def _add_someone(store) -> None:
    from debc_outreach.storage import participants

    participants.add_participant(store, "សុខ សុភា", sex="F", consent="yes")
