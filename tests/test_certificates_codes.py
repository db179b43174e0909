"""Signed certificate codes: round trips, tampering, bad input, revocation, other programmes."""

from __future__ import annotations

import dataclasses
import random
import string

import pytest
from support.sync_devices import make_programme, open_device, send

from debc_outreach.sync import statement_codec as codec
from debc_outreach.sync import statements, trust

KHMER_LETTERS = [chr(c) for c in range(0x1780, 0x17A3)]
KHMER_SIGNS = [chr(c) for c in range(0x17B6, 0x17C6)] + ["\u17C9", "\u17CA", "\u17CB"]
MODULES = ("check-before-sharing", "verify-digital-documents", "safe-mobile-money")
ALNUM = string.digits + string.ascii_uppercase + " $%*+-./:"


def _khmer_word(rng: random.Random) -> str:
    word = ""
    for _ in range(rng.randint(1, 3)):
        word += rng.choice(KHMER_LETTERS)
        if rng.random() < 0.3:
            word += "\u17D2" + rng.choice(KHMER_LETTERS)      # a subscript consonant
        if rng.random() < 0.7:
            word += rng.choice(KHMER_SIGNS)
    return word


def _name(rng: random.Random) -> str:
    kind = rng.choice(("km", "latin", "both"))
    khmer = " ".join(_khmer_word(rng) for _ in range(rng.randint(1, 3)))
    latin = " ".join(rng.choice(string.ascii_uppercase) + "".join(
        rng.choices(string.ascii_lowercase, k=rng.randint(1, 9))) for _ in range(2))
    return {"km": khmer, "latin": latin, "both": f"{khmer} {latin}"}[kind]


def _issue(store, rng: random.Random | None = None, name: str = "សុខ ដារ៉ា"):
    rng = rng or random.Random(0)
    modules = rng.sample(MODULES, rng.randint(1, 3))
    skills = [f"{m}.skill-{n}" for m in modules for n in range(rng.randint(0, 4))]
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return statements.issue(store, "participant-id", name, modules, skills, day, "07010101")


@pytest.fixture
def programme(tmp_path):
    coordinator, trainers = make_programme(tmp_path / "devices", trainers=2)
    yield coordinator, trainers
    for device in (coordinator, *trainers):
        device.close()


def test_a_hundred_random_certificates_round_trip(programme):
    coordinator, (trainer, _other) = programme
    rng = random.Random(11)
    for _ in range(100):
        name = _name(rng)
        issued = _issue(trainer, rng, name)
        verdict = statements.verify(coordinator, issued.code)
        assert verdict.kind == statements.GENUINE, (name, verdict.reason)
        assert verdict.statement == issued.statement
        assert verdict.statement.name == name
        assert set(issued.code[len(codec.PREFIX):]) <= set(string.ascii_uppercase + "234567")
        # the issuing device knows it, so its short code works there too
        assert statements.verify(trainer, issued.short).statement == issued.statement


def test_every_single_character_change_is_detected(programme):
    coordinator, (trainer, _other) = programme
    code = _issue(trainer, name="ស៊ុន ស្រីនាង Sun Sreyneang").code
    assert statements.verify(coordinator, code).genuine
    rng = random.Random(3)
    for position, char in enumerate(code):
        for replacement in {ALNUM[(ALNUM.index(char) + 1) % len(ALNUM)], rng.choice(ALNUM)}:
            if replacement == char:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            verdict = statements.verify(coordinator, changed)
            assert not verdict.genuine, (position, char, replacement)


def test_tampered_name_is_altered_even_with_a_khmer_look_alike(programme, khmer_cases):
    coordinator, (trainer, _other) = programme
    pair = next(case for case in khmer_cases["normalisation"] if case["id"] == "coeng_ro_order")
    issued = _issue(trainer, name=f"{pair['a']} សុខា")
    decoded = codec.decode(issued.code)
    for name in (f"{pair['b']} សុខា", f"{pair['a']} សុខ", f"{pair['a']} សុខា ", "Sok Dara"):
        forged = dataclasses.replace(decoded.statement, name=name)
        flags, part = codec.statement_part(forged)
        code = codec.encode(forged, flags, part, decoded.signature, decoded.device_certificate)
        verdict = statements.verify(coordinator, code)
        assert verdict.kind == statements.ALTERED
        assert verdict.statement.name == name      # shown, marked as not confirmed


def test_a_forged_device_certificate_is_altered(programme):
    coordinator, (trainer, _other) = programme
    decoded = codec.decode(_issue(trainer).code)
    document = decoded.device_certificate
    forged = {"body": {**document["body"], "scope": ["*"]}, "signature": document["signature"]}
    flags = codec.FLAG_DEFLATED if decoded.signed_bytes[len(codec.DOMAIN) + 1] else 0
    part = decoded.signed_bytes[len(codec.DOMAIN) + 2:]
    code = codec.encode(decoded.statement, flags, part, decoded.signature, forged)
    assert statements.verify(coordinator, code).kind == statements.ALTERED


@pytest.mark.parametrize(("text", "kind"), [
    ("https://verify.gov.kh/abc", statements.NOT_CERTIFICATE),
    ("hello world", statements.NOT_CERTIFICATE),
    ("", statements.NOT_CERTIFICATE),
    ("DC1:", statements.DAMAGED),
    ("DC1:not base32 at all!", statements.DAMAGED),
    ("0000-0000-0000-0000-00", statements.UNKNOWN_CODE),
])
def test_bad_input_gives_a_clear_verdict(programme, text, kind):
    coordinator, _trainers = programme
    verdict = statements.verify(coordinator, text)
    assert verdict.kind == kind and verdict.reason and verdict.title


def test_truncated_codes_cannot_be_read(programme):
    coordinator, (trainer, _other) = programme
    code = _issue(trainer).code
    for length in (len(codec.PREFIX) + 1, 20, len(code) // 2, len(code) - 1):
        assert statements.verify(coordinator, code[:length]).kind == statements.DAMAGED


def test_short_code_needs_the_check_characters_and_forgives_case_and_look_alike_letters(
        programme):
    _coordinator, (trainer, _other) = programme
    issued = _issue(trainer)
    assert statements.verify(trainer, issued.short).genuine
    assert statements.verify(trainer, issued.short.lower().replace("-", "")).genuine
    typo = issued.short[:-1] + ("0" if issued.short[-1] != "0" else "1")
    verdict = statements.verify(trainer, typo)
    assert verdict.kind == statements.UNKNOWN_CODE and "typing mistake" in verdict.reason


def test_short_code_is_known_on_the_coordinator_after_a_sync(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    issued = _issue(trainer)
    assert statements.verify(coordinator, issued.short).kind == statements.UNKNOWN_CODE
    send(trainer, coordinator, tmp_path / "bundles")
    assert statements.verify(coordinator, issued.short).genuine


def test_a_certificate_of_another_programme_is_unknown(programme, tmp_path):
    coordinator, (trainer, _other) = programme
    stranger = open_device(tmp_path / "elsewhere", "other coordinator")
    try:
        trust.create_programme(stranger, "Another programme")
        code = _issue(stranger).code
        assert statements.verify(stranger, code).genuine
        for device in (coordinator, trainer):
            verdict = statements.verify(device, code)
            assert verdict.kind == statements.UNKNOWN_PROGRAMME
            assert verdict.statement.name == "សុខ ដារ៉ា"
    finally:
        stranger.close()


def test_outside_a_programme_nothing_is_signed_and_nothing_can_be_checked(programme, store):
    _coordinator, (trainer, _other) = programme
    assert _issue(store) is None
    verdict = statements.verify(store, _issue(trainer).code)
    assert verdict.kind == statements.UNKNOWN_PROGRAMME


def test_a_revoked_device_makes_its_certificates_revoked(programme, tmp_path):
    coordinator, (trainer, other) = programme
    code = _issue(trainer).code
    trust.revoke_device(coordinator, trainer.device_id)
    assert statements.verify(coordinator, code).kind == statements.REVOKED_DEVICE
    assert statements.verify(other, code).genuine           # has not heard yet
    send(coordinator, other, tmp_path / "bundles")
    assert statements.verify(other, code).kind == statements.REVOKED_DEVICE


def test_a_withdrawn_certificate_travels_in_the_revocation_list(programme, tmp_path):
    coordinator, (trainer, other) = programme
    withdrawn, kept = _issue(trainer), _issue(trainer)
    with pytest.raises(Exception, match="coordinator"):
        statements.revoke(trainer, withdrawn.short)
    assert statements.revoke(coordinator, withdrawn.short) == withdrawn.statement.certificate_id
    statements.revoke(coordinator, withdrawn.short)          # twice: no change
    trust.revoke_device(coordinator, "some-lost-laptop")      # keeps the withdrawn list
    assert withdrawn.statement.certificate_id in statements.revoked_certificates(coordinator)
    send(coordinator, other, tmp_path / "bundles")
    assert statements.verify(other, withdrawn.code).kind == statements.REVOKED_CERTIFICATE
    assert statements.verify(other, kept.code).genuine


def test_a_coordinator_issues_certificates_too(programme):
    coordinator, (trainer, _other) = programme
    issued = _issue(coordinator)
    verdict = statements.verify(trainer, issued.code)
    assert verdict.genuine and verdict.device_name == "coordinator"


def test_code_fits_a_printable_qr(programme):
    import segno

    _coordinator, (trainer, _other) = programme
    skills = [f"{m}.a-long-skill-identifier-{n}" for m in MODULES for n in range(6)]
    issued = statements.issue(trainer, "p", "ព្រះរាជាណាចក្រកម្ពុជា សុខ ដារ៉ា " * 2, MODULES,
                              skills, "2026-05-01", "07010101")
    assert segno.make_qr(issued.code, error="m").version <= 25


def test_a_certificate_dated_after_the_device_certificate_expired_is_refused(programme):
    coordinator, (trainer, _other) = programme
    issued = statements.issue(trainer, "p", "Sok Dara", ["m"], [], "2026-01-01", "07",
                              issued="2099-01-01")
    verdict = statements.verify(coordinator, issued.code)
    assert verdict.kind == statements.REVOKED_DEVICE and "authorisation ended" in verdict.reason


def test_a_computer_with_an_expired_certificate_does_not_sign(programme, monkeypatch):
    import datetime as dt

    from debc_outreach.errors import UserError

    _coordinator, (trainer, _other) = programme
    monkeypatch.setattr(trust, "now_utc", lambda: dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(UserError, match="expired"):
        _issue(trainer)


def test_random_byte_changes_and_random_codes_never_crash(programme):
    import base64

    coordinator, (trainer, _other) = programme
    code = _issue(trainer).code
    wire = bytearray(base64.b32decode(code[4:] + "=" * (-len(code[4:]) % 8)))
    rng = random.Random(5)
    for _ in range(400):
        changed = bytearray(wire)
        for _ in range(rng.randint(1, 4)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
        text = codec.PREFIX + base64.b32encode(bytes(changed)).decode("ascii").rstrip("=")
        if text != code:
            assert not statements.verify(coordinator, text).genuine
        garbage = codec.PREFIX + base64.b32encode(rng.randbytes(rng.randint(0, 900))).decode()
        assert not statements.verify(coordinator, garbage.rstrip("=")).genuine


def test_every_one_character_substitution_reads_altered(programme):
    """Whatever field a substitution lands in, the programme id included, the
    signature no longer fits: never "another programme", never genuine."""
    coordinator, (trainer, _other) = programme
    code = _issue(trainer, name="ស៊ុន ស្រីនាង Sun Sreyneang").code
    alphabet = string.ascii_uppercase + "234567"
    kinds: dict[str, int] = {}
    for position in range(len(codec.PREFIX), len(code)):
        for replacement in alphabet:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            verdict = statements.verify(coordinator, changed)
            kinds[verdict.kind] = kinds.get(verdict.kind, 0) + 1
            assert verdict.kind in (statements.ALTERED, statements.DAMAGED), (
                position, replacement, verdict.kind)
    assert kinds[statements.ALTERED] > 0.9 * sum(kinds.values())


def test_a_changed_programme_id_reads_altered(programme):
    coordinator, (trainer, _other) = programme
    decoded = codec.decode(_issue(trainer).code)
    prog_id = decoded.statement.programme_id
    for other in (prog_id[:-1] + ("0" if prog_id[-1] != "0" else "1"), "x" + prog_id[1:]):
        forged = dataclasses.replace(decoded.statement, programme_id=other)
        flags, part = codec.statement_part(forged)
        body = {**decoded.device_certificate["body"], "programme": other}
        document = {**decoded.device_certificate, "body": body}
        code = codec.encode(forged, flags, part, decoded.signature, document)
        assert statements.verify(coordinator, code).kind == statements.ALTERED
