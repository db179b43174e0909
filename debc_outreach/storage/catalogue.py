"""The module catalogue: the modules of the active content pack, their
checklist items, quick-check and follow-up questions, and the pack's list of
scam kinds, read from the pack's files.

Storage may not import the content layer, so the GUI and the commands tell it
which pack folder is active (`use_content_dir`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from debc_outreach import resources
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, language


@dataclass(frozen=True)
class Item:
    id: str            # "<module slug>.<key>"
    module: str
    km: str
    en: str

    def text(self, lang: str | None = None) -> str:
        return self.km if (lang or language()) == "km" else self.en


def _pick(km: str, en: str, lang: str | None) -> str:
    return (km or en) if (lang or language()) == "km" else (en or km)


@dataclass(frozen=True)
class Question:
    """A quick-check or follow-up question: its answers, in the pack's order.

    `good` are the answer indices that count as the right (quick check: the one
    correct answer) or safe (follow-up) outcome.
    """

    id: str
    km: str
    en: str
    answers: tuple[tuple[str, str], ...]       # (km, en) per answer
    good: frozenset[int]
    image: str = ""

    def text(self, lang: str | None = None) -> str:
        return _pick(self.km, self.en, lang)

    def answer(self, index: int, lang: str | None = None) -> str:
        km, en = self.answers[index]
        return _pick(km, en, lang)


@dataclass(frozen=True)
class ScamKind:
    id: str
    km: str
    en: str

    def text(self, lang: str | None = None) -> str:
        return _pick(self.km, self.en, lang)


@dataclass(frozen=True)
class Module:
    slug: str
    title_km: str
    title_en: str
    items: tuple[Item, ...]
    quick_checks: tuple[Question, ...] = ()
    follow_ups: tuple[Question, ...] = ()

    def title(self, lang: str | None = None) -> str:
        return self.title_km if (lang or language()) == "km" else self.title_en


def _answers(entry: dict) -> tuple[tuple[str, str], ...]:
    return tuple((str(a.get("km", "")), str(a.get("en", "")))
                 for a in entry.get("answers", []) if isinstance(a, dict))


def _questions(entries: object, good_key: str) -> tuple[Question, ...]:
    """Questions of one kind (`quick_check` / `follow_up`); malformed ones are left out
    here (`content check` reports them)."""
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        answers = _answers(entry)
        good = entry.get(good_key)
        good = [good] if isinstance(good, int) else good if isinstance(good, list) else []
        found.append(Question(str(entry["id"]), str(entry.get("km", "")),
                              str(entry.get("en", "")), answers,
                              frozenset(i for i in good if isinstance(i, int)
                                        and 0 <= i < len(answers)),
                              str(entry.get("image", ""))))
    return tuple(found)


@cache
def _read_modules(content_dir: Path) -> dict[str, Module]:
    # The one place module files are read here; switch to the pack loader when it lands.
    modules: dict[str, Module] = {}
    for path in sorted(content_dir.glob("modules/*/module.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        slug = data.get("slug") or path.parent.name
        items = []
        for entry in data.get("checklist", []):
            item_id = str(entry.get("id", ""))
            if not item_id.startswith(slug + "."):
                item_id = f"{slug}.{item_id}"
            items.append(Item(item_id, slug, entry.get("km", ""), entry.get("en", "")))
        title = data.get("title", {})
        modules[slug] = Module(slug, title.get("km", slug), title.get("en", slug),
                               tuple(items), _questions(data.get("quick_check"), "correct"),
                               _questions(data.get("follow_up"), "safe"))
    return modules


@cache
def _read_scam_kinds(content_dir: Path) -> tuple[ScamKind, ...]:
    try:
        data = tomllib.loads((content_dir / "pack.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ()
    return tuple(ScamKind(str(entry["id"]), str(entry.get("km", "")), str(entry.get("en", "")))
                 for entry in data.get("scam_kind", [])
                 if isinstance(entry, dict) and entry.get("id"))


_active: dict[str, Path] = {}


def use_content_dir(folder: Path) -> None:
    """Read checklists from this pack folder from now on.

    Storage may not import the content layer, so the GUI and the commands pass in
    the active pack (`content.loader.active_pack_dir`: an imported pack, or the
    shipped one) when they open a data folder.
    """
    _active["dir"] = Path(folder)


def modules(content_dir: Path | None = None) -> dict[str, Module]:
    """Modules of the content pack by slug."""
    return _read_modules(content_dir or _active.get("dir") or resources.content_dir())


def scam_kinds(content_dir: Path | None = None) -> tuple[ScamKind, ...]:
    """The kinds of scam the end-of-session tally asks about, in the pack's order."""
    return _read_scam_kinds(content_dir or _active.get("dir") or resources.content_dir())


def checklist_items(slugs: list[str] | tuple[str, ...],
                    content_dir: Path | None = None) -> list[Item]:
    """Checklist items of these modules, in module then pack order."""
    known = modules(content_dir)
    return [item for slug in slugs if slug in known for item in known[slug].items]


def require_modules(slugs: list[str]) -> list[str]:
    known = modules()
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise UserError(_("Unknown module {slug}. Known modules: {known}")
                        .format(slug=unknown[0], known=", ".join(sorted(known)) or "—"))
    return list(dict.fromkeys(slugs))
