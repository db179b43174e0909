"""A coordinator tells trainer laptops apart: enrolment requests carry a device label."""

from __future__ import annotations

import json

import pytest
from support.sync_devices import make_programme, open_device

from debc_outreach.errors import UserError
from debc_outreach.settings import load_settings, save_settings
from debc_outreach.storage import trainers
from debc_outreach.sync import peers, trust
from tests.conftest import cli_in as _cli


def test_two_laptops_with_the_same_hostname_reach_the_coordinator_under_their_labels(tmp_path):
    coordinator, _ = make_programme(tmp_path / "programme", trainers=0)
    first, second = open_device(tmp_path / "a", "vm"), open_device(tmp_path / "b", "vm")
    try:
        for store, trainer in ((first, "ស្រីពៅ"), (second, "Sok Dara")):
            profile = trainers.add_trainer(store, trainer)
            label = trust.default_device_label(store, profile.id)
            assert label == f"{trainer} — vm"
            document = trust.approve_enrolment(coordinator, trust.enrol_request(store, label),
                                               ["07"])
            assert document["certificate"]["body"]["name"] == label
        names = sorted(peer.name for peer in peers.list_peers(coordinator))
        assert names == ["Sok Dara — vm", "ស្រីពៅ — vm"]
        assert sorted(peers.device_names(coordinator).values()) == [
            "Sok Dara — vm", "this computer", "ស្រីពៅ — vm"]
    finally:
        for store in (coordinator, first, second):
            store.close()


def test_old_requests_without_a_label_are_still_approved_and_kept_apart(tmp_path):
    coordinator, _ = make_programme(tmp_path / "programme", trainers=0)
    laptops = [open_device(tmp_path / name, "vm") for name in ("a", "b")]
    try:
        for store in laptops:
            from debc_outreach.sync.keys import device_keys

            keys = device_keys(store.data_dir)     # a request as older versions wrote it
            old = trust.signed(keys, {"type": trust.REQUEST_TYPE, "version": 1,
                                      "device_id": store.device_id, "name": "vm",
                                      "sign": keys.sign_public, "enc": keys.enc_public,
                                      "created": trust.iso(trust.now_utc())})
            trust.approve_enrolment(coordinator, old, ["07"])
        names = peers.device_names(coordinator)
        shown = {names[store.device_id] for store in laptops}
        assert shown == {f"vm ({store.device_id[:8]})" for store in laptops}
    finally:
        coordinator.close()
        for store in laptops:
            store.close()


def test_a_device_label_is_tidied_and_bad_labels_are_refused(store):
    assert trust.enrol_request(store, "  Dara   laptop 2 ")["body"]["name"] == "Dara laptop 2"
    for bad in ("", "   ", "a\x07b", "x" * (trust.LABEL_MAX + 1)):
        with pytest.raises(UserError):
            trust.enrol_request(store, bad)
    assert trust.default_device_label(store) == trust.computer_name(store)


def test_enrol_request_on_the_command_line_takes_a_name_or_the_current_trainer(tmp_path,
                                                                                capsys):
    laptop, request = tmp_path / "laptop", tmp_path / "request.json"
    assert _cli(capsys, laptop, "sync", "enrol-request", "-o", str(request),
                "--name", "Dara — laptop 2")[0] == 0
    assert json.loads(request.read_text(encoding="utf-8"))["body"]["name"] == "Dara — laptop 2"
    store = open_device(laptop, "ignored")
    try:
        profile = trainers.add_trainer(store, "ស្រីពៅ")
        computer = trust.computer_name(store)
    finally:
        store.close()
    settings = load_settings(laptop)
    settings.current_trainer_id = profile.id
    save_settings(laptop, settings)
    code, out, _err = _cli(capsys, laptop, "sync", "enrol-request", "-o", str(request))
    assert code == 0
    assert json.loads(request.read_text(encoding="utf-8"))["body"]["name"] == \
        f"ស្រីពៅ — {computer}"
    assert f"ស្រីពៅ — {computer}" in out
    assert _cli(capsys, laptop, "sync", "enrol-request", "-o", str(request),
                "--name", " ")[0] == 1


def test_coordinator_page_lists_the_label_the_trainer_chose(main_window, app_context,
                                                           tmp_path):
    page = main_window.page("sync")
    laptop = open_device(tmp_path / "laptop", "vm")
    try:
        request = tmp_path / "request.json"
        request.write_text(json.dumps(trust.enrol_request(laptop, "ស្រីពៅ — vm")),
                           encoding="utf-8")
        assert page.enrolment.create_programme("Kampot 2026")
        assert page.enrolment.approve_request(request, "07", tmp_path / "cert.json", show_qr=False)
        assert page.peers.item(0, 0).text() == "ស្រីពៅ — vm"
    finally:
        laptop.close()


def test_trainer_page_writes_a_request_named_after_the_current_trainer(main_window,
                                                                      app_context, tmp_path):
    page = main_window.page("sync")
    request = tmp_path / "request.json"
    assert page.enrolment.write_request(request)
    name = json.loads(request.read_text(encoding="utf-8"))["body"]["name"]
    assert name == f"Sok Dara — {trust.computer_name(app_context.store)}"
    assert page.enrolment.write_request(request, label="Dara, laptop 2")
    assert json.loads(request.read_text(encoding="utf-8"))["body"]["name"] == "Dara, laptop 2"
