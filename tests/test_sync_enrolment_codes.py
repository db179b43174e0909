"""Enrolment codes (the QR code on the coordinator's screen): round trips, damage, the flow."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.sync_devices import VILLAGE_IN, open_device, send

from debc_outreach.errors import UserError
from debc_outreach.reports.pdf.qr import read_codes, save_qr_png
from debc_outreach.storage import participants
from debc_outreach.sync import compact, enrolment_codec, trust
from tests.conftest import cli_in as _cli

ALNUM = string.digits + string.ascii_uppercase + " $%*+-./:"     # the QR alphanumeric set
PROGRAMME = "អក្ខរកម្មឌីជីថល កំពត ២០២៦"
COORDINATOR = "កុំព្យូទ័រការិយាល័យខេត្តកំពត"
TRAINER = "កុំព្យូទ័រយួរដៃ សុខ\u200bដារ៉ា"
DISTRICTS = ["0701", "0702", "0703"]


@pytest.fixture
def devices(tmp_path):
    """A coordinator with a Khmer programme, and a trainer computer not enrolled yet."""
    coordinator = open_device(tmp_path / "coordinator", COORDINATOR)
    trust.create_programme(coordinator, PROGRAMME)
    trainer = open_device(tmp_path / "trainer", TRAINER)
    yield coordinator, trainer
    coordinator.close()
    trainer.close()


@pytest.fixture(scope="module")
def approved(tmp_path_factory):
    """A realistic approved enrolment: Khmer names, three districts."""
    root = tmp_path_factory.mktemp("enrolment")
    with open_device(root / "c", COORDINATOR) as coordinator, \
            open_device(root / "t", TRAINER) as trainer:
        trust.create_programme(coordinator, PROGRAMME)
        return trust.approve_enrolment(coordinator, trust.enrol_request(trainer), DISTRICTS)


def _carried(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "revocations"}


def _renamed(document: dict, programme: str, trainer: str, coordinator: str) -> dict:
    """The same enrolment with other names (signatures no longer match: the codec ignores them)."""
    return {**document, "programme": {**document["programme"], "name": programme},
            "certificate": {**document["certificate"],
                            "body": {**document["certificate"]["body"], "name": trainer}},
            "coordinator": {**document["coordinator"],
                            "body": {**document["coordinator"]["body"], "name": coordinator}}}


def test_a_realistic_enrolment_fits_a_qr_a_camera_reads_from_a_screen(approved):
    import segno

    code = enrolment_codec.encode(approved)
    assert set(code[len(enrolment_codec.PREFIX):]) <= set(string.ascii_uppercase + "234567")
    symbol = segno.make_qr(code, error="m", boost_error=False)
    assert symbol.mode == "alphanumeric"
    # 760 characters, version 18-M (89 modules): measured so the code only ever shrinks
    assert len(code) <= 780 and symbol.version <= 18, (len(code), symbol.version)
    assert enrolment_codec.decode(code) == _carried(approved)


def test_khmer_names_take_one_byte_a_letter(approved):
    khmer = enrolment_codec.encode(approved)
    latin = enrolment_codec.encode(_renamed(approved, "x" * len(PROGRAMME), "y" * len(TRAINER),
                                            "z" * len(COORDINATOR)))
    assert len(khmer) == len(latin)
    for text in (PROGRAMME, TRAINER, "Sok Dara", "", "ស៊ុន ស្រីនាង Sun Sreyneang 😀"):
        reader = compact.Reader(compact.packed_text(text))
        assert reader.packed_text() == text
        reader.end()


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_any_names_round_trip(approved, programme, trainer, coordinator):
    document = _renamed(approved, programme, trainer, coordinator)
    assert enrolment_codec.decode(enrolment_codec.encode(document)) == _carried(document)


def test_mixed_khmer_latin_and_symbols_round_trip(approved):
    rng = random.Random(7)
    pool = [chr(c) for c in range(0x1780, 0x1800)] + list("abc XYZ-_.'()\u200b") + ["é", "中"]
    for _ in range(100):
        names = ["".join(rng.choices(pool, k=rng.randint(0, 30))) for _ in range(3)]
        document = _renamed(approved, *names)
        assert enrolment_codec.decode(enrolment_codec.encode(document)) == _carried(document)


def test_a_certificate_that_is_not_in_the_usual_form_travels_verbatim(approved):
    unusual = {**approved, "certificate": {**approved["certificate"], "body": {
        **approved["certificate"]["body"], "issued": "2026-03-01T07:00:00+07:00", "note": "x"}}}
    code = enrolment_codec.encode(unusual)
    assert enrolment_codec.decode(code) == _carried(unusual)
    assert len(code) > len(enrolment_codec.encode(approved))


def test_every_single_character_change_is_refused(approved):
    code = enrolment_codec.encode(approved)
    rng = random.Random(3)
    for position in range(len(enrolment_codec.PREFIX), len(code)):
        char = code[position]
        for replacement in {ALNUM[(ALNUM.index(char) + 1) % len(ALNUM)], rng.choice(ALNUM)}:
            if replacement == char:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            with pytest.raises(enrolment_codec.CodeError):
                enrolment_codec.decode(changed)
            with pytest.raises(UserError, match="cut short|damaged"):
                trust.enrolment_from_code(changed)


def test_a_code_cut_short_is_refused_as_incomplete(approved):
    code = enrolment_codec.encode(approved)
    for length in range(len(enrolment_codec.PREFIX), len(code)):
        with pytest.raises(enrolment_codec.CodeError) as refused:
            enrolment_codec.decode(code[:length])
        assert refused.value.incomplete, (length, str(refused.value))
    with pytest.raises(UserError, match="cut short"):
        trust.enrolment_from_code(code[:len(code) // 2])


def test_spaces_and_line_breaks_of_a_pasted_code_are_ignored_other_changes_are_not(approved):
    code = enrolment_codec.encode(approved)
    wrapped = "\n".join(code[i:i + 64] for i in range(0, len(code), 64))
    assert enrolment_codec.decode(f"  {wrapped}\n") == _carried(approved)
    # A scanner with Caps Lock on types lower case: base32 reads it the same.
    assert enrolment_codec.decode(code.lower()) == _carried(approved)
    for bad in (code + "A", code + "=", "DE2:" + code[4:], code[4:]):
        with pytest.raises(enrolment_codec.CodeError):
            enrolment_codec.decode(bad)


def test_random_byte_changes_and_random_codes_never_crash(approved):
    code = enrolment_codec.encode(approved)
    body = code[len(enrolment_codec.PREFIX):]
    wire = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    rng = random.Random(5)
    for _ in range(300):
        changed = bytearray(wire)
        for _ in range(rng.randint(1, 4)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
        text = enrolment_codec.PREFIX + base64.b32encode(bytes(changed)).decode().rstrip("=")
        if text != code:
            with pytest.raises(enrolment_codec.CodeError):
                enrolment_codec.decode(text)
        garbage = base64.b32encode(rng.randbytes(rng.randint(0, 600))).decode().rstrip("=")
        with pytest.raises(enrolment_codec.CodeError):
            enrolment_codec.decode(enrolment_codec.PREFIX + garbage)


def test_only_an_approved_enrolment_can_be_encoded(approved):
    assert enrolment_codec.ENROLMENT_TYPE == trust.ENROLMENT_TYPE
    for document in ({}, {"type": "debc-enrolment"}, {**approved, "version": 2},
                     {**approved, "programme": {**approved["programme"], "extra": 1}},
                     {**approved, "programme": {**approved["programme"],
                                                "coordinator_sign": "short"}}):
        with pytest.raises(ValueError):
            enrolment_codec.encode(document)


def test_other_codes_are_not_enrolment_codes():
    for text in ("", "hello", "https://example.org", "DC1:ABCDEFGH"):
        with pytest.raises(UserError, match="not an enrolment code"):
            trust.enrolment_from_code(text)


def test_coordinator_qr_picture_to_trainer_then_bundles_flow_both_ways(devices, tmp_path):
    coordinator, trainer = devices
    document = trust.approve_enrolment(coordinator, trust.enrol_request(trainer), DISTRICTS)
    picture = save_qr_png(enrolment_codec.encode(document), tmp_path / "enrol.png", scale=4)
    codes = read_codes(picture)
    assert codes == [enrolment_codec.encode(document)]
    cert = trust.accept_enrolment(trainer, trust.enrolment_from_codes(codes))
    assert cert.scope == tuple(DISTRICTS) and cert.name == TRAINER
    assert trust.programme(trainer).name == PROGRAMME
    # Records go to the coordinator and back, exactly as after a file enrolment.
    participants.add_participant(trainer, "ស្រី\u200bពៅ", village_code="07010101")
    assert send(trainer, coordinator, tmp_path / "up").new >= 1
    participants.add_participant(coordinator, "សុខ ដារា", village_code=VILLAGE_IN)
    trust.revoke_device(coordinator, "some-old-laptop")
    assert send(coordinator, trainer, tmp_path / "down").new >= 1
    names = {p.display_name for p in participants.list_all(trainer.database)}
    assert {"ស្រី\u200bពៅ", "សុខ ដារា"} <= names
    # The revocation list left out of the code arrived with the first bundle.
    assert "some-old-laptop" in trust.revoked_devices(trainer)


def test_a_code_for_another_computer_is_refused_by_name(devices, tmp_path):
    coordinator, trainer = devices
    other = open_device(tmp_path / "other", "Other laptop")
    try:
        document = trust.approve_enrolment(coordinator, trust.enrol_request(other), ["07"])
        code = enrolment_codec.encode(document)
        with pytest.raises(UserError, match=r"another computer \(Other laptop\)"):
            trust.accept_enrolment(trainer, trust.enrolment_from_code(code))
        assert trust.programme(trainer) is None
    finally:
        other.close()


def test_an_expired_code_is_refused(devices, monkeypatch):
    coordinator, trainer = devices
    code = enrolment_codec.encode(
        trust.approve_enrolment(coordinator, trust.enrol_request(trainer), ["07"]))
    later = trust.now_utc() + dt.timedelta(days=trust.DEVICE_DAYS + 1)
    monkeypatch.setattr(trust, "now_utc", lambda: later)
    with pytest.raises(UserError, match="expired"):
        trust.accept_enrolment(trainer, trust.enrolment_from_code(code))


def test_a_forged_code_with_a_good_check_is_refused_by_the_signatures(devices):
    coordinator, trainer = devices
    document = trust.approve_enrolment(coordinator, trust.enrol_request(trainer), ["07"])
    body = document["certificate"]["body"]
    forged = {**document, "certificate": {**document["certificate"],
                                          "body": {**body, "scope": ["*"]}}}
    code = enrolment_codec.encode(forged)            # well-formed, check characters right
    with pytest.raises(UserError, match="not signed"):
        trust.accept_enrolment(trainer, trust.enrolment_from_code(code))
    assert trust.programme(trainer) is None


def test_a_picture_without_a_qr_code_says_so(tmp_path):
    from PySide6.QtGui import QColor, QImage

    from debc_outreach.content.handout import start_headless_qt

    start_headless_qt()
    blank = QImage(400, 300, QImage.Format.Format_RGB32)
    blank.fill(QColor("white"))
    path = tmp_path / "blank.png"
    blank.save(str(path))
    with pytest.raises(UserError, match="No QR code was found"):
        trust.enrolment_from_codes(read_codes(path))


def test_command_line_round_trip_through_the_qr_picture_and_the_code(tmp_path, capsys):
    coordinator, trainer, second = (tmp_path / name for name in ("coord", "trainer", "second"))
    assert _cli(capsys, coordinator, "sync", "programme", "create", PROGRAMME)[0] == 0
    for device in (trainer, second):
        request = tmp_path / f"{device.name}.request"
        assert _cli(capsys, device, "sync", "enrol-request", "-o", str(request))[0] == 0
        code, out, err = _cli(capsys, coordinator, "sync", "enrol-approve", str(request),
                              "--scope", "0701,0702", "--scope", "0703",
                              "-o", str(tmp_path / f"{device.name}.cert"),
                              "--qr", str(tmp_path / f"{device.name}.png"))
        assert code == 0, err
        assert f"QR code written to {tmp_path / f'{device.name}.png'}" in out
    # The trainer joins with the picture; another computer's picture is refused in one line.
    code, out, err = _cli(capsys, second, "sync", "enrol-accept", str(tmp_path / "trainer.png"))
    assert code == 1 and "another computer" in err and len(err.strip().splitlines()) == 1
    code, out, err = _cli(capsys, trainer, "sync", "enrol-accept", str(tmp_path / "trainer.png"))
    assert code == 0, err
    assert PROGRAMME in out and "0701, 0702, 0703" in out
    # The second computer joins with the code typed (or pasted) on the command line.
    text = read_codes(tmp_path / "second.png")[0]
    code, out, err = _cli(capsys, second, "sync", "enrol-accept", "--code", text[:-3])
    assert code == 1 and "cut short" in err
    code, out, err = _cli(capsys, second, "sync", "enrol-accept", "--code", text)
    assert code == 0, err
    code, out, _ = _cli(capsys, second, "sync", "identity", "--json")
    assert json.loads(out)["scope"] == DISTRICTS
    # A picture without a QR code, and no certificate at all.
    code, out, err = _cli(capsys, tmp_path / "third", "sync", "enrol-accept",
                          str(tmp_path / "coord" / "missing.png"))
    assert code == 1 and "Traceback" not in err
    assert _cli(capsys, tmp_path / "third", "sync", "enrol-accept")[0] == 2


def test_a_certificate_nested_too_deep_is_a_bad_code_not_a_crash():
    from debc_outreach.sync import compact

    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(compact.CodeError, match="bad certificate"):
        compact.read_cert(compact.Reader(b"\x01" + compact.text(deep)), {})


def test_a_code_too_long_for_any_qr_code_is_a_clear_message(tmp_path):
    from debc_outreach.reports.pdf.qr import save_qr_png

    with pytest.raises(UserError, match="too much text for a QR code"):
        save_qr_png("DE1:" + "A" * 5000, tmp_path / "qr.png")
    assert not (tmp_path / "qr.png").exists()
