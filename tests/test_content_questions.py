"""Quick checks, follow-up questions and scam kinds: loaded from the pack, checked by
`content check` (file, line, clear message; never a crash on a malformed pack), their ids
locked, and shown as presenter slides with the answer only in the trainer notes."""

from pathlib import Path

import pytest
from support.content_packs import make_pack

from debc_outreach.content import load_pack, lock
from debc_outreach.content.check_questions import REQUIRED_SCAM_KINDS
from debc_outreach.content.quick_check_slides import quick_check_slides, with_quick_checks
from debc_outreach.content.validator import check_pack, errors_only

MODULE = Path("modules/phone-basics")


@pytest.fixture
def pack(tmp_path) -> Path:
    return make_pack(tmp_path / "pack")


@pytest.fixture(scope="module")
def shipped():
    return load_pack()


def _errors(pack: Path) -> list[str]:
    return [f"{p.file.relative_to(pack)}:{p.line}: {p.message}"
            for p in errors_only(check_pack(pack))]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _module_toml(pack: Path) -> Path:
    return pack / MODULE / "module.toml"


# --- the shipped pack -----------------------------------------------------------------------
def test_every_shipped_module_has_quick_checks_and_follow_ups(shipped):
    for module in shipped.modules:
        assert 3 <= len(module.quick_checks) <= 5, module.slug
        assert 1 <= len(module.follow_ups) <= 3, module.slug
        for question in module.quick_checks:
            assert 2 <= len(question.answers) <= 3
            assert 0 <= question.correct < len(question.answers)
            assert (module.folder / question.image).is_file()
            assert question.text("km") and question.text("en")
            assert {n for n in question.sources} <= {s.n for s in module.sources}
        for question in module.follow_ups:
            assert question.safe and all(0 <= i < len(question.answers) for i in question.safe)


def test_shipped_quick_checks_do_not_always_put_the_right_answer_first(shipped):
    positions = {q.correct for m in shipped.modules for q in m.quick_checks}
    assert positions == {0, 1, 2}


def test_shipped_scam_kinds_in_display_order(shipped):
    assert tuple(kind.id for kind in shipped.scam_kinds) == REQUIRED_SCAM_KINDS
    assert all(kind.text("km") and kind.text("en") for kind in shipped.scam_kinds)
    assert shipped.scam_kind("loan-app").en == "Loan app"


def test_every_shipped_question_id_is_locked(shipped):
    entries = lock.read_lock(shipped.folder, lock.QUESTION_LOCK_FILE)
    ids = {q.id for m in shipped.modules for q in (*m.quick_checks, *m.follow_ups)}
    assert ids <= set(entries)


def test_model_lookups(shipped):
    module = shipped.module("spot-scams-fake-messages")
    question = module.quick_check("spot-scams-fake-messages.qc.friend-money")
    assert question.module == module.slug and question.correct == 1
    assert question.answers[1].text("en").startswith("Call your friend")
    follow_up = module.follow_up("spot-scams-fake-messages.fu.lost-money")
    assert follow_up.safe == (1,) and follow_up.answers[1].text("km") == "ទេ"
    assert module.quick_check("nope") is None and module.follow_up("nope") is None


# --- content check --------------------------------------------------------------------------
def test_small_pack_with_questions_passes(pack):
    assert _errors(pack) == []
    module = load_pack(pack).module("phone-basics")
    assert [q.id for q in module.quick_checks] == [f"phone-basics.qc.q{n}" for n in (1, 2, 3)]
    assert module.follow_ups[0].safe == (0,)


@pytest.mark.parametrize("old, new, expected", [
    ('correct = 0', 'correct = 2',
     "question phone-basics.qc.q1: correct must be the number of the right answer, counted "
     "from 0 (0 to 1)"),
    ('correct = 0', 'correct = true', "correct must be the number of the right answer"),
    ('id = "phone-basics.qc.q2"', 'id = "phone-basics.qc.q1"',
     "duplicate question id phone-basics.qc.q1"),
    ('id = "phone-basics.qc.q2"', 'id = "phone-basics.q2"',
     "question id must look like phone-basics.qc.key (kebab-case)"),
    ('image = "images/question.svg"', 'image = "images/missing.svg"',
     "broken image link images/missing.svg"),
    ('image = "images/question.svg"', 'image = "../../../pack.toml"',
     "image ../../../pack.toml must be inside the module folder"),
    ('sources = [1]', 'sources = [7]',
     "question phone-basics.qc.q1: source 7 is not among the module's [[sources]]"),
    ('sources = [1]', 'sources = "1"', "sources must be a list of the module's source numbers"),
    ('km = "សំណួរទី1?"', 'km = "សំណួរ click ទី1?"',
     "question phone-basics.qc.q1: English in Khmer text: click"),
    ('en = "Question 1?"\n', '', "question phone-basics.qc.q1: en text is missing or empty"),
    ('answers = [{ km = "ត្រូវ", en = "Right" }, { km = "ខុស", en = "Wrong" }]',
     'answers = [{ km = "ត្រូវ", en = "Right" }]',
     "question phone-basics.qc.q1: answers must list 2 to 3 choices, each with km and en"),
    ('answers = [{ km = "ត្រូវ", en = "Right" }, { km = "ខុស", en = "Wrong" }]',
     'answers = [{ km = "ត្រូវ", en = "Right" }, { en = "Wrong" }]',
     "question phone-basics.qc.q1: the km or en text of answer 2 is missing"),
    ('answers = [{ km = "ត្រូវ", en = "Right" }, { km = "ខុស", en = "Wrong" }]',
     'answers = "Right or wrong"', "answers must list 2 to 3 choices"),
    ('answers = [{ km = "ត្រូវ", en = "Right" }, { km = "ខុស", en = "Wrong" }]',
     'answers = [1, 2]', "the km or en text of answer 1 is missing"),
    ("safe = [0]", "safe = [3]",
     "question phone-basics.fu.still-safe: safe = 3 is not one of the answers (0 to 2)"),
    ("safe = [0]", "safe = []", "safe must give answer numbers counted from 0"),
    ("safe = [0]", 'safe = "yes"', "safe must give answer numbers counted from 0"),
    ("safe = [0]", "safe = 0", "safe must give answer numbers counted from 0"),
    ("correct = 0\nsources = [1]", 'correct = 0\nmessage = "phone-basics.nothing"\nsources = [1]',
     "question phone-basics.qc.q1: message must be a checklist id of this module"),
    ("correct = 0\nsources = [1]", 'correct = 0\nmessage = ["a"]\nsources = [1]',
     "message must be a checklist id of this module"),
    ('image = "images/question.svg"', 'image = "images/\\u0000.svg"', "broken image link"),
])
def test_question_faults_are_named(pack, old, new, expected):
    with (pack / "pack.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[khmer_text]\nallowed_latin = ["Telegram"]\n')
    _edit(_module_toml(pack), old, new)
    errors = _errors(pack)
    assert any(expected in error for error in errors), errors
    assert all(error.startswith(f"{MODULE}/module.toml:") for error in errors)
    load_pack(pack)                     # the loader reads what it can, never crashes


def test_fault_points_at_the_line(pack):
    _edit(_module_toml(pack), "safe = [0]", "safe = [5]")
    line = next(n for n, text in enumerate(
        _module_toml(pack).read_text(encoding="utf-8").splitlines(), 1) if text == "safe = [5]")
    assert _errors(pack) == [f"{MODULE}/module.toml:{line}: question phone-basics.fu.still-safe: "
                             "safe = 5 is not one of the answers (0 to 2)"]


def test_too_few_quick_checks_and_no_follow_up(pack):
    path = _module_toml(pack)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index('[[quick_check]]\nid = "phone-basics.qc.q2"')],
                    encoding="utf-8")
    errors = _errors(pack)
    assert f"{MODULE}/module.toml:1: a module needs 1 to 3 [[follow_up]] questions, this one " \
           "has 0" in errors
    assert any("a module needs 3 to 5 [[quick_check]] questions, this one has 1" in e
               for e in errors)


@pytest.mark.parametrize("value", ['"not a table"', "42", '["a", "b"]'])
def test_malformed_question_blocks_are_problems_not_crashes(pack, value):
    path = _module_toml(pack)
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("[[quick_check]]")]
    path.write_text(head.replace('facts_checked = 2026-11-25',
                                 f'facts_checked = 2026-11-25\nquick_check = {value}\n'
                                 f'follow_up = {value}'), encoding="utf-8")
    errors = _errors(pack)
    assert any("[[quick_check]]" in e or ".qc.key" in e for e in errors), errors
    assert any("[[follow_up]]" in e or ".fu.key" in e for e in errors), errors
    module = load_pack(pack).module("phone-basics")
    assert module.quick_checks == () and module.follow_ups == ()


def test_unhashable_source_numbers_do_not_crash(pack):
    _edit(_module_toml(pack), "[[sources]]\nn = 1", "[[sources]]\nn = [1]")
    errors = _errors(pack)
    assert any("source number n must be a whole number" in e for e in errors)
    assert any("source 1 is not among the module's [[sources]]" in e for e in errors)


# --- scam kinds -----------------------------------------------------------------------------
def test_scam_kind_faults(pack):
    path = pack / "pack.toml"
    _edit(path, 'id = "loan-app"', 'id = "fake-prize-bank"')
    _edit(path, 'en = "Cloned voice"\n', "")
    errors = _errors(pack)
    assert any("duplicate scam kind fake-prize-bank" in e for e in errors)
    assert any("scam kind cloned-voice: en text is missing" in e for e in errors)
    assert any("the scam kinds lack: loan-app" in e for e in errors)


def test_other_must_be_the_last_scam_kind(pack):
    path = pack / "pack.toml"
    text = path.read_text(encoding="utf-8")
    other = '\n[[scam_kind]]\nid = "other"\nkm = "ផ្សេងទៀត"\nen = "Other"\n'
    path.write_text(text.replace(other, "").replace("\n[[scam_kind]]", other + "\n[[scam_kind]]",
                                                    1), encoding="utf-8")
    assert any('scam kind "other" must come last' in e for e in _errors(pack))


def test_pack_without_scam_kinds_is_an_error(pack):
    path = pack / "pack.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("\n[[scam_kind]]")], encoding="utf-8")
    assert _errors(pack) == ["pack.toml:1: the pack has no [[scam_kind]] list (the kinds of "
                             "scam a session tallies)"]
    assert load_pack(pack).scam_kinds == ()


# --- locked question ids --------------------------------------------------------------------
def test_content_lock_publishes_question_ids_and_keeps_their_meaning(run_cli, pack):
    code, out, _err = run_cli("content", "lock", str(pack))
    assert code == 0 and "question ids: 4, of them new: 4" in out
    assert not [p for p in check_pack(pack) if "question" in p.message]
    _edit(_module_toml(pack), 'en = "Question 2?"', 'en = "Another question?"')
    assert any("question id phone-basics.qc.q2 changed its meaning since 1.0.0" in e
               for e in _errors(pack))


def test_removed_question_id_must_be_retired(run_cli, pack):
    run_cli("content", "lock", str(pack))
    _edit(_module_toml(pack), 'id = "phone-basics.qc.q3"', 'id = "phone-basics.qc.q4"')
    assert any("question id phone-basics.qc.q3 (published in 1.0.0) was removed" in e
               for e in _errors(pack))
    code, _out, _err = run_cli("content", "lock", str(pack), "--retire", "phone-basics.qc.q3")
    assert code == 0
    assert _errors(pack) == []
    entries = lock.read_lock(pack, lock.QUESTION_LOCK_FILE)
    assert entries["phone-basics.qc.q3"].retired and entries["phone-basics.qc.q3"].en == \
        "Question 3?"


def test_retiring_an_unknown_id_is_refused(run_cli, pack):
    code, _out, err = run_cli("content", "lock", str(pack), "--retire", "phone-basics.qc.zz")
    assert code != 0 and "Not a published checklist or question id: phone-basics.qc.zz" in err


# --- presenter slides -----------------------------------------------------------------------
def test_quick_checks_come_after_the_title_and_after_the_recap(shipped):
    module = shipped.module("verify-digital-documents")      # has a slide after its recap
    deck = with_quick_checks(module).slides("en")
    count = len(module.quick_checks)
    own = module.slides("en")
    assert len(deck) == len(own) + 2 * count
    assert deck[0].body == own[0].body
    assert all("Quick check, before the lesson" in s.body for s in deck[1:1 + count])
    recap = next(i for i, s in enumerate(deck) if s.section == "recap")
    assert all("Quick check, after the lesson" in s.body
               for s in deck[recap + 1:recap + 1 + count])
    assert deck[-1].body == own[-1].body                      # the appendix stays last
    assert [s.index for s in deck] == list(range(len(deck)))


def test_a_quick_check_slide_numbers_the_answers_and_keeps_the_answer_for_the_trainer(shipped):
    module = shipped.module("pay-khqr-bakong-safely")
    question = module.quick_checks[1]
    slide = quick_check_slides(module, "km", "before")[1]
    assert question.text("km") in slide.body and f"]({question.image})" in slide.body
    for number, answer in enumerate(question.answers, start=1):
        assert f"**{number}** · {answer.text('km')}" in slide.body
    assert "ចម្លើយត្រឹមត្រូវ៖ 3។" in slide.notes and "ចម្លើយត្រឹមត្រូវ" not in slide.body
    assert "[29][30]" in slide.notes
    english = quick_check_slides(module, "en", "after")[1]
    assert "Right answer: 3. The receiver's name and the amount" in english.notes
    assert "Quick check, after the lesson · 2/4" in english.body


def test_a_module_without_quick_checks_is_presented_unchanged(pack):
    path = _module_toml(pack)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("[[quick_check]]")], encoding="utf-8")
    module = load_pack(pack).module("phone-basics")
    assert with_quick_checks(module) is module


# --- reading and listing ----------------------------------------------------------------------
def test_the_module_reader_lists_the_questions_with_the_right_answer_marked(shipped):
    from debc_outreach.gui.teaching.module_reader import reading_markdown

    module = shipped.module("passwords-pins-2step")
    text = reading_markdown(module, shipped, "en")
    assert "## Quick check" in text and "## Follow-up questions" in text
    assert "**Never tell it; hang up** ✔" in text
    assert "Is two-step verification still on in your Telegram? (Yes / No / Don't know)" in text


def test_content_list_json_gives_questions_in_answer_order(run_cli):
    import json

    code, out, _err = run_cli("content", "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [k["id"] for k in listed["scam_kinds"]] == list(REQUIRED_SCAM_KINDS)
    module = next(m for m in listed["modules"] if m["slug"] == "pay-khqr-bakong-safely")
    first = module["quick_checks"][0]
    assert first["id"] == "pay-khqr-bakong-safely.qc.one-code" and first["correct"] == 1
    assert [a["en"] for a in first["answers"]][1] == "Any bank app or the Bakong app"
    assert module["follow_ups"][0]["safe"] == [0]


def test_the_facilitator_script_lists_the_questions_with_their_answers(shipped):
    from debc_outreach.content.script import script_markdown

    module = shipped.module("khmer-typing")
    text = script_markdown(module, shipped, "en")
    assert "## Quick check, before and after" in text
    assert "    2. ក first, then the vowel ស្រៈអេ ✔" in text
    assert "## Follow-up questions, by phone or visit weeks later" in text
    khmer = script_markdown(module, shipped, "km")
    assert "## សំណួររហ័ស មុន និងក្រោយមេរៀន" in khmer
    assert "    1. ចុចគ្រាប់ចុចរូបផែនដី ឬគ្រាប់ចុចភាសា ✔" in khmer
