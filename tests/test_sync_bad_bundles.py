"""A bad bundle is refused with a clear message and the database is left byte-for-byte."""

from __future__ import annotations

import json
import os
import struct

import pytest
from support.sync_devices import db_fingerprint, make_programme

from debc_outreach.errors import UserError
from debc_outreach.storage import trainers
from debc_outreach.storage.events import dumps
from debc_outreach.sync import bundle, codec, export, importer, trust
from debc_outreach.sync.keys import DeviceKeys, device_keys, unb64


@pytest.fixture
def world(tmp_path):
    coordinator, (trainer, other) = make_programme(tmp_path, trainers=2)
    for n in range(20):
        trainers.add_trainer(trainer, f"ស្រីពៅ {n}")
    good = tmp_path / "good.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, good)
    yield coordinator, trainer, other, good
    for store in (coordinator, trainer, other):
        store.close()


def _refused(store, path, match: str) -> None:
    before = db_fingerprint(store)
    with pytest.raises(UserError, match=match) as caught:
        importer.import_bundle(store, path)
    assert "\n" not in str(caught.value)
    assert db_fingerprint(store) == before


def _resign(path, out, keys: DeviceKeys, change) -> None:
    """Rewrite a bundle's header with `change(header)` and a new signature by `keys`."""
    sealed = bundle.read_header(path)
    header = json.loads(sealed.header_bytes)
    change(header)
    header_bytes = dumps(header).encode("utf-8")
    signature = unb64(keys.sign(bundle.MAGIC + header_bytes))
    with open(path, "rb") as handle:
        handle.seek(sealed.payload_offset)
        payload = handle.read()
    out.write_bytes(bundle.MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
                    + signature + payload)


@pytest.mark.parametrize("where", ["header", "signature", "payload", "end"])
def test_a_flipped_bit_is_refused(world, tmp_path, where):
    coordinator, _trainer, _other, good = world
    data = bytearray(good.read_bytes())
    offset = bundle.read_header(good).payload_offset
    position = {"header": 30, "signature": offset - 10, "payload": offset + 40,
                "end": len(data) - 1}[where]
    data[position] ^= 0x04
    bad = tmp_path / "flipped.debc-bundle"
    bad.write_bytes(bytes(data))
    _refused(coordinator, bad, "damaged|altered|forged|not valid|incomplete|signature")


def test_a_truncated_file_is_refused(world, tmp_path):
    coordinator, _trainer, _other, good = world
    bad = tmp_path / "short.debc-bundle"
    bad.write_bytes(good.read_bytes()[:-100])
    _refused(coordinator, bad, "damaged or incomplete")


def test_a_bundle_for_another_device_is_refused(world, tmp_path):
    coordinator, trainer, other, _good = world
    path = tmp_path / "other.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    _refused(other, path, "another computer")


def test_a_bundle_of_another_programme_is_refused(world, tmp_path):
    coordinator, _trainer, _other, _good = world
    stranger, (their_trainer,) = make_programme(tmp_path / "elsewhere", trainers=1)
    try:
        trainers.add_trainer(their_trainer, "x")
        path = tmp_path / "foreign.debc-bundle"
        export.export_bundle(their_trainer, stranger.device_id, path)
        _refused(coordinator, path, "another programme")
    finally:
        stranger.close()
        their_trainer.close()


def test_a_revoked_sender_is_refused(world):
    coordinator, trainer, _other, good = world
    trust.revoke_device(coordinator, trainer.device_id)
    _refused(coordinator, good, "revoked")


def test_an_expired_sender_is_refused(world, tmp_path):
    coordinator, trainer, _other, _good = world
    document = trust.approve_enrolment(coordinator, trust.enrol_request(trainer), ["07"],
                                       days=-1)
    trainer.database.conn.execute("UPDATE sync_programme SET certificate = ?",
                                  (dumps(document["certificate"]),))
    path = tmp_path / "expired.debc-bundle"
    with pytest.raises(UserError, match="expired"):
        export.export_bundle(trainer, coordinator.device_id, path)
    # A bundle made anyway (by an old copy of the app) is refused on arrival.
    _resign(world[3], path, device_keys(trainer.data_dir),
            lambda h: h.update(sender_certificate=document["certificate"]))
    _refused(coordinator, path, "expired")


def test_a_forged_signature_is_refused(world, tmp_path):
    coordinator, _trainer, _other, good = world
    forged = tmp_path / "forged.debc-bundle"
    _resign(good, forged, DeviceKeys.generate(), lambda h: h.update(events=h["events"]))
    _refused(coordinator, forged, "forged")


def test_an_unknown_format_version_is_refused(world, tmp_path):
    coordinator, trainer, _other, good = world
    future = tmp_path / "future.debc-bundle"
    _resign(good, future, device_keys(trainer.data_dir), lambda h: h.update(format=7))
    _refused(coordinator, future, "another version")


def test_a_random_file_is_refused(world, tmp_path):
    coordinator, _trainer, _other, _good = world
    junk = tmp_path / "photo.debc-bundle"
    junk.write_bytes(os.urandom(5000))
    _refused(coordinator, junk, "not a DEBC Outreach bundle")


def _seal_raw(trainer, coordinator, path, lines, header_extra=None):
    """A bundle signed by a genuine (but misbehaving) enrolled device."""
    cert = trust.own_certificate(trainer)
    header = {"bundle_id": "b-" + os.urandom(4).hex(), "programme":
              trust.require_programme(trainer).id, "created": "2026-01-01T00:00:00+00:00",
              "sender": trainer.device_id, "sender_certificate": cert.signed,
              "revocations": {}, "recipients": [coordinator.device_id],
              "ranges": {trainer.device_id: [1, 1]}, "heads": {trainer.device_id: "0" * 64},
              "vector": {}, "events": 1, "encoding": "debc-ndjson-1", **(header_extra or {})}
    peer = trust.verify_certificate(trust.require_programme(coordinator),
                                    trust.own_certificate(coordinator).signed)
    return bundle.seal(path, device_keys(trainer.data_dir), header,
                       {coordinator.device_id: peer.enc}, lines)


def test_a_decompression_bomb_is_refused(world, tmp_path):
    coordinator, trainer, _other, _good = world
    bomb = tmp_path / "bomb.debc-bundle"
    zeros = (b" " * (1 << 20) for _ in range(200))          # 200 MiB of blanks, tiny zstd
    _seal_raw(trainer, coordinator, bomb, zeros)
    assert bomb.stat().st_size < 1 << 20
    _refused(coordinator, bomb, "larger than it declares|damaged|too long")


def test_malformed_ndjson_is_refused(world, tmp_path):
    coordinator, trainer, _other, _good = world
    bad = tmp_path / "bad.debc-bundle"
    _seal_raw(trainer, coordinator, bad, [b'["D", "x", 1, "' + b"0" * 64 + b'"]\n',
                                          b'{"this is": not json\n'])
    _refused(coordinator, bad, "not valid")


def test_events_that_do_not_match_the_signed_heads_are_refused(world, tmp_path):
    coordinator, trainer, _other, _good = world
    bad = tmp_path / "lying.debc-bundle"
    writer = codec.BlockWriter()
    lines = writer.start_run(trainer.device_id, 1, "0" * 64)
    lines += writer.add((trainer.device_id, 1, 5, "trainer", "t1", "set",
                         dumps({"display_name": "x"}), "{}", 1, "0" * 64, "f" * 64))
    _seal_raw(trainer, coordinator, bad, lines + writer.flush())
    _refused(coordinator, bad, "do not match")


def test_fields_not_in_canonical_form_are_refused(world, tmp_path):
    coordinator, trainer, _other, _good = world
    bad = tmp_path / "odd.debc-bundle"
    writer = codec.BlockWriter()
    lines = writer.start_run(trainer.device_id, 1, "0" * 64)
    lines += writer.add((trainer.device_id, 1, 5, "trainer", "t1", "set",
                         '{ "display_name": "x"}', "{}", 1, "0" * 64, "f" * 64))
    _seal_raw(trainer, coordinator, bad, lines + writer.flush())
    _refused(coordinator, bad, "not valid")


def _set_keys(field: str, value):
    def change(header: dict) -> None:
        header["keys"][field] = value
    return change


@pytest.mark.parametrize(("name", "change"), [
    ("ephemeral-junk", _set_keys("ephemeral", "not a key at all!")),
    # 32 bytes of zeros: the right length, but a point X25519 refuses to agree with.
    ("ephemeral-zero-point", _set_keys("ephemeral", "A" * 43)),
    ("ephemeral-short", _set_keys("ephemeral", "AAAA")),
    ("ephemeral-number", _set_keys("ephemeral", 12345)),
    ("wrapped-number", _set_keys("wrapped", 7)),
    ("wrapped-key-number", lambda h: h["keys"]["wrapped"].update(
        {key: 7 for key in h["keys"]["wrapped"]})),
    ("keys-string", lambda h: h.update(keys="none")),
    ("peer-view-string", lambda h: h.update(peer_view="everything")),
    ("peer-view-list", lambda h: h.update(peer_view=[1, 2])),
])
def test_a_signed_header_with_junk_fields_is_refused_in_one_line(world, tmp_path, capsys,
                                                                  name, change):
    from conftest import cli_in

    coordinator, trainer, _other, good = world
    bad = tmp_path / f"{name}.debc-bundle"
    _resign(good, bad, device_keys(trainer.data_dir), change)
    _refused(coordinator, bad, "damaged|cannot be opened")
    before = db_fingerprint(coordinator)
    code, _out, err = cli_in(capsys, coordinator.data_dir, "sync", "import-bundle", str(bad))
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "unexpected" not in err.lower()
    assert db_fingerprint(coordinator) == before
