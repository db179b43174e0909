"""Declarative schemas of event payloads, compiled once into fast checks.

Each entity module declares, next to its applier, one `Schema` per (op,
schema version): which fields are required, and a `Rule` per field it knows.
`compile` turns a schema into a predicate that only answers "valid?" (the hot
path of a sync import: a few type and length tests per event) and an
explainer that says what is wrong, used only when the predicate says no.

Fields a schema does not name are left alone (the appliers ignore them); the
whole payload is bounded in size instead.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from debc_outreach.i18n import _, ngettext

# Largest canonical JSON of one event's fields: a "whole group" checklist tick of
# a thousand participants is about 40 KB.
MAX_FIELDS_BYTES = 256 * 1024
MAX_ID = 100                 # record ids are UUIDs (36) or short derived keys
MAX_NAME = 200
MAX_NOTE = 2000

Check = Callable[[object], bool]


@dataclass(frozen=True)
class Problem:
    """Why an event cannot be applied: a stable code, the field, and a translated line."""

    code: str
    field: str
    message: str

    def as_json(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Rule:
    """One field: a predicate on its value and what to say when the value fails it.

    `explain(value)` returns (code, message) for a value the predicate refused.
    """

    check: Check
    explain: Callable[[str, object], tuple[str, str]]
    inline: str = ""          # the same test as a Python expression on `v`, when it has one


@dataclass(frozen=True)
class Schema:
    required: tuple[str, ...] = ()
    rules: dict[str, Rule] = field(default_factory=dict)


# --- what a refused value was -----------------------------------------------------------

def _kind(value: object) -> str:
    if isinstance(value, bool):
        return _("true/false")
    return {int: _("a number"), float: _("a number"), str: _("text"), list: _("a list"),
            dict: _("an object")}.get(type(value), type(value).__name__)


def _wrong(name: str, value: object, expected: str) -> tuple[str, str]:
    if value is None:
        return "null", _("{field} is empty where a value is required.").format(field=name)
    return "type", _("{field} must be {expected}, not {found}.").format(
        field=name, expected=expected, found=_kind(value))


# --- rules ------------------------------------------------------------------------------

def text(max_len: int = MAX_NAME, min_len: int = 0) -> Rule:
    """A string of at most `max_len` characters (at least `min_len` non-blank ones)."""
    def check(value: object) -> bool:
        return value.__class__ is str and len(value) <= max_len \
            and (not min_len or len(value.strip()) >= min_len)

    inline = "" if min_len else f"v.__class__ is str and len(v) <= {int(max_len)}"

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not str:
            return _wrong(name, value, _("text"))
        if len(value) > max_len:
            return "length", ngettext("{field} is too long (at most {n} character).",
                                      "{field} is too long (at most {n} characters).",
                                      max_len).format(field=name, n=max_len)
        return "empty", _("{field} is empty where a value is required.").format(field=name)

    return Rule(check, explain, inline)


def ident() -> Rule:
    """A record id: non-empty text without spaces."""
    def check(value: object) -> bool:
        return value.__class__ is str and 0 < len(value) <= MAX_ID and " " not in value

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not str:
            return _wrong(name, value, _("a record id"))
        return "id", _("{field} is not a record id.").format(field=name)

    return Rule(check, explain,
                f"v.__class__ is str and 0 < len(v) <= {MAX_ID} and ' ' not in v")


def choice(values: Iterable[object]) -> Rule:
    allowed = frozenset(values)

    def check(value: object) -> bool:
        return value.__class__ in (str, int) and value in allowed

    def explain(name: str, value: object) -> tuple[str, str]:
        return "choice", _("{field} has the value {value}, which is not one of: {allowed}.") \
            .format(field=name, value=_shown(value), allowed=", ".join(
                sorted(repr(v) if isinstance(v, str) else str(v) for v in allowed)))

    return Rule(check, explain)


def flag() -> Rule:
    """0 or 1 (true/false accepted: older records wrote them)."""
    def check(value: object) -> bool:
        return value.__class__ in (int, bool) and value in (0, 1)

    def explain(name: str, value: object) -> tuple[str, str]:
        return _wrong(name, value, "0 / 1")

    return Rule(check, explain)


def whole_number(low: int, high: int, unknown: tuple = ()) -> Rule:
    """An integer in [low, high]; values in `unknown` (e.g. None) mean "not known"."""
    def check(value: object) -> bool:
        if value.__class__ is int:
            return low <= value <= high
        return value.__class__ is not bool and value in unknown

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not int:
            return _wrong(name, value, _("a whole number"))
        return "range", _("{field} is {value}, outside {low}–{high}.").format(
            field=name, value=value, low=low, high=high)

    return Rule(check, explain)


def birth_year(oldest_age: int) -> Rule:
    """A year in the window people alive today can be born in, or unknown (null or 0).

    The window moves with today's date, so it is computed per check (cheap)."""
    def window() -> tuple[int, int]:
        this_year = dt.date.today().year
        return this_year - oldest_age, this_year

    def check(value: object) -> bool:
        if value is None or (value.__class__ is int and value == 0):
            return True
        low, high = window()
        return value.__class__ is int and low <= value <= high

    def explain(name: str, value: object) -> tuple[str, str]:
        low, high = window()
        return whole_number(low, high).explain(name, value)

    return Rule(check, explain)


def number(low: float, high: float) -> Rule:
    def check(value: object) -> bool:
        return value.__class__ in (int, float) and math.isfinite(value) \
            and low <= value <= high

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ not in (int, float):
            return _wrong(name, value, _("a number"))
        return "range", _("{field} is {value}, outside {low}–{high}.").format(
            field=name, value=value, low=low, high=high)

    return Rule(check, explain)


def scalar(max_len: int = MAX_NAME) -> Rule:
    """Text or a whole number (a setting's value), never null, a list or an object."""
    def check(value: object) -> bool:
        return (value.__class__ is str and len(value) <= max_len) or value.__class__ is int

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is str:
            return text(max_len).explain(name, value)
        return _wrong(name, value, _("text or a whole number"))

    return Rule(check, explain)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_date(value: str) -> bool:
    if _DATE.fullmatch(value) is None:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def date(empty: bool = True) -> Rule:
    """An ISO date like 2026-03-08 (or "" when `empty`)."""
    def check(value: object) -> bool:
        return value.__class__ is str and ((empty and value == "") or _is_date(value))

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not str:
            return _wrong(name, value, _("a date"))
        return "date", _("{field} is {value}, not a date like 2026-03-08.").format(
            field=name, value=_shown(value))

    return Rule(check, explain)


def time_of_day() -> Rule:
    pattern = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

    def check(value: object) -> bool:
        return value.__class__ is str and (value == "" or pattern.fullmatch(value) is not None)

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not str:
            return _wrong(name, value, _("a time"))
        return "time", _("{field} is {value}, not a time like 08:30.").format(
            field=name, value=_shown(value))

    return Rule(check, explain)


def list_of(item: Rule, max_items: int, what: str) -> Rule:
    """A list of at most `max_items` values, each passing `item`. `what` names them
    (marked with N_, translated when a message is made)."""
    item_check = item.check

    def check(value: object) -> bool:
        return value.__class__ is list and len(value) <= max_items \
            and all(item_check(entry) for entry in value)

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not list:
            return _wrong(name, value, _(what))
        if len(value) > max_items:
            return "length", _("{field} lists {count} entries; at most {n} are allowed.") \
                .format(field=name, count=len(value), n=max_items)
        bad = next(entry for entry in value if not item_check(entry))
        return "item", _("{field} holds {value}, which is not allowed there.").format(
            field=name, value=_shown(bad))

    return Rule(check, explain)


def mapping(keys: Iterable[str], values: Iterable[object], what: str) -> Rule:
    """An object whose keys are among `keys` and whose values are among `values`."""
    known_keys, known_values = frozenset(keys), frozenset(values)

    def check(value: object) -> bool:
        return value.__class__ is dict and all(
            key in known_keys and entry.__class__ is int and entry in known_values
            for key, entry in value.items())

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not dict:
            return _wrong(name, value, _(what))
        key, entry = next((k, v) for k, v in value.items() if not (
            k in known_keys and v.__class__ is int and v in known_values))
        return "item", _("{field} holds {key}: {value}, which is not allowed there.").format(
            field=name, key=_shown(key), value=_shown(entry))

    return Rule(check, explain)


def numbers_by_id(low: int, high: int, max_keys: int, what: str) -> Rule:
    """An object of at most `max_keys` entries, each a short id (a question, a kind of
    scam) mapped to a whole number in [low, high]. `what` names it (marked with N_)."""
    def fits(key: object, entry: object) -> bool:
        return key.__class__ is str and 0 < len(key) <= MAX_ID \
            and entry.__class__ is int and low <= entry <= high

    def check(value: object) -> bool:
        return value.__class__ is dict and len(value) <= max_keys \
            and all(fits(key, entry) for key, entry in value.items())

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not dict:
            return _wrong(name, value, _(what))
        if len(value) > max_keys:
            return "length", _("{field} lists {count} entries; at most {n} are allowed.") \
                .format(field=name, count=len(value), n=max_keys)
        key, entry = next((k, v) for k, v in value.items() if not fits(k, v))
        return "item", _("{field} holds {key}: {value}, which is not allowed there.").format(
            field=name, key=_shown(key), value=_shown(entry))

    return Rule(check, explain)


def village() -> Rule:
    """A village code of the gazetteer, or "" (not known)."""
    def check(value: object) -> bool:
        return value.__class__ is str and (value == "" or value in _village_codes())

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not str:
            return _wrong(name, value, _("a village code"))
        return "place", _("{field} is {value}, which is not a village in the gazetteer.") \
            .format(field=name, value=_shown(value))

    return Rule(check, explain)


@cache
def _village_codes() -> frozenset[str]:
    from debc_outreach.storage import gazetteer  # loaded on the first village code

    return frozenset(place.code for place in gazetteer.all_villages())


def slug(max_len: int = MAX_ID) -> Rule:
    """A content id such as a module slug: letters, digits, '.', '-', '_'."""
    pattern = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

    def check(value: object) -> bool:
        return value.__class__ is str and len(value) <= max_len \
            and pattern.fullmatch(value) is not None

    def explain(name: str, value: object) -> tuple[str, str]:
        if value.__class__ is not str:
            return _wrong(name, value, _("a name of letters and digits"))
        return "slug", _("{field} is {value}, not a name of letters, digits and dashes.") \
            .format(field=name, value=_shown(value))

    return Rule(check, explain)


def _shown(value: object) -> str:
    """A short, safe rendering of a refused value for a message."""
    text_value = repr(value)
    return text_value if len(text_value) <= 40 else text_value[:37] + "…"


# --- compiled schemas ---------------------------------------------------------------------

@dataclass(frozen=True)
class Compiled:
    """A schema ready to use: `valid(fields)` fast, `problems(fields)` to explain."""

    schema: Schema
    valid: Callable[[dict], bool]

    def problems(self, fields: dict) -> list[Problem]:
        found = []
        for name in self.schema.required:
            if name not in fields:
                found.append(Problem("missing", name, _("{field} is missing.")
                                     .format(field=name)))
        for name, value in fields.items():
            rule = self.schema.rules.get(name)
            if rule is not None and not rule.check(value):
                code, message = rule.explain(name, value)
                found.append(Problem(code, name, message))
        return found


_MISSING = object()


def compile_schema(schema: Schema) -> Compiled:
    """Turn `schema` into one generated function: a `get` and a test per field it names,
    the test written out when the rule has an `inline` form (no call per field)."""
    namespace: dict = {"_MISSING": _MISSING}
    lines = ["def valid(f):"]
    required = set(schema.required)
    for number, (name, rule) in enumerate(schema.rules.items()):
        namespace[f"_check{number}"] = rule.check
        test = f"({rule.inline})" if rule.inline else f"_check{number}(v)"
        lines.append(f"    v = f.get({name!r}, _MISSING)")
        if name in required:
            lines.append(f"    if v is _MISSING or not {test}: return False")
        else:
            lines.append(f"    if v is not _MISSING and not {test}: return False")
    lines += [f"    if {name!r} not in f: return False"
              for name in schema.required if name not in schema.rules]
    lines.append("    return True")
    exec("\n".join(lines), namespace)      # noqa: S102 - code built from our own field names
    return Compiled(schema, namespace["valid"])
