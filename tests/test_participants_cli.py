"""The participants / session / demo-data commands (CLI contract of architecture.md)."""

import json

VILLAGE = "12010101"


def test_add_list_and_search_participants_as_json(run_cli, khmer_cases):
    for name in khmer_cases["sorting"]["input"]:
        code, out, err = run_cli("participants", "add", "--name", name, "--sex", "f",
                                 "--birth-year", "១៩៩០", "--village", VILLAGE,
                                 "--consent", "yes")
        assert code == 0, err
    code, out, _err = run_cli("participants", "list", "--json")
    listed = json.loads(out)
    assert [p["name"] for p in listed] == khmer_cases["sorting"]["icu_km"]
    assert set(listed[0]) == {"id", "name", "sex", "birth_year", "village_code"}
    assert listed[0]["birth_year"] == 1990 and listed[0]["village_code"] == VILLAGE
    code, out, _err = run_cli("participants", "search", "សុខ", "--json")
    names = [p["name"] for p in json.loads(out)]
    # Names in the script typed first, then the Latin name that sounds the same.
    assert set(names[:2]) == {"សុខ", "សុខា"} and names[2:] == ["Sok Dara"]


def test_bad_input_is_one_line_and_exit_code_1(run_cli):
    code, out, err = run_cli("participants", "add", "--name", "\u200b")
    assert code == 1 and len(err.strip().splitlines()) == 1
    code, out, err = run_cli("participants", "add", "--name", "Sok", "--birth-year", "3000")
    assert code == 1 and "3000" in err
    code, out, err = run_cli("participants", "add", "--name", "Sok", "--village", "123")
    assert code == 1 and "Traceback" not in err
    code, out, err = run_cli("participants", "add", "--name", "Sok", "--sex", "Q")
    assert code == 2


def test_session_create_check_in_and_closed_session(run_cli):
    _code, out, _err = run_cli("participants", "add", "--name", "Sok Dara")
    person = out.strip()
    code, out, err = run_cli("session", "create", "--date", "2026-03-08", "--village", VILLAGE,
                             "--module", "passwords-pins-2step")
    assert code == 0, err
    session = out.strip()
    assert run_cli("session", "check-in", session, person)[0] == 0
    code, out, _err = run_cli("session", "check-in", session, person)
    assert code == 0 and "Already" in out
    code, out, _err = run_cli("session", "show", session, "--json")
    assert json.loads(out)["participants"] == [person]
    assert run_cli("session", "close", session)[0] == 0
    code, _out, err = run_cli("session", "check-in", session, person)
    assert code == 1 and "closed" in err
    code, _out, err = run_cli("session", "create", "--date", "2026-03-08", "--village", "1")
    assert code == 1


def test_demo_data_builds_a_programme_with_intact_hash_chains(run_cli):
    code, out, err = run_cli("demo-data", "--participants", "120", "--sessions", "8",
                             "--quiet")
    assert code == 0, err
    code, out, err = run_cli("db", "check", "--json")
    report = json.loads(out)
    assert report["ok"] and report["devices"] >= 3
    _code, out, _err = run_cli("participants", "list", "--json")
    people = json.loads(out)
    assert len(people) >= 115
    assert any(p["name"].isascii() for p in people)
    assert any(not p["name"].isascii() for p in people)


def test_demo_data_twice_adds_a_second_programme(run_cli):
    assert run_cli("demo-data", "--participants", "50", "--sessions", "3", "--quiet")[0] == 0
    code, _out, err = run_cli("demo-data", "--participants", "50", "--sessions", "3",
                              "--quiet")
    assert code == 0, err
    _code, out, _err = run_cli("participants", "list", "--json")
    assert len(json.loads(out)) == 100
    assert run_cli("db", "check")[0] == 0
