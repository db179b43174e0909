"""Load a content pack from a folder into `Pack` / `Module` objects.

`load_pack()` reads the shipped pack; `load_active_pack(data_dir)` the pack
this device uses (an imported pack overrides the shipped one unless the app
ships a newer version). The loader only refuses what it cannot read at all;
`validator.check_pack()` reports every problem with file and line.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from debc_outreach import resources
from debc_outreach.content import lock
from debc_outreach.content.model import (
    LANGUAGES,
    Answer,
    ChecklistItem,
    FollowUpQuestion,
    GlossaryTerm,
    Module,
    Pack,
    QuickCheck,
    ScamKind,
    Source,
)
from debc_outreach.content.slides import split_slides
from debc_outreach.content.toml_lines import parse_toml
from debc_outreach.core.versions import version_key
from debc_outreach.errors import UserError
from debc_outreach.i18n import _

PACK_FILE = "pack.toml"
GLOSSARY_FILE = "glossary.toml"
MODULES_DIR = "modules"
MODULE_FILE = "module.toml"


class ContentError(UserError):
    """A pack file that cannot be read at all."""


def toml_error_line(error: tomllib.TOMLDecodeError) -> int:
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else 1


def read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(_("{file}: file is missing").format(file=path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(_("{file}: cannot be read ({error})").format(
            file=path, error=error)) from None
    try:
        return parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(_("{file}:{line}: not valid TOML ({error})").format(
            file=path, line=toml_error_line(error), error=error)) from None


def _texts(table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        return {}
    return {lang: str(table[lang]) for lang in LANGUAGES if isinstance(table.get(lang), str)}


def _whole_number(value: object, default: int = -1) -> int:
    """`value` if it is a whole number (TOML booleans are not), else `default`."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _whole_numbers(value: object) -> tuple[int, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(n for n in value if isinstance(n, int) and not isinstance(n, bool))


def _answers(value: object) -> tuple[Answer, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(Answer(km=texts.get("km", ""), en=texts.get("en", ""))
                 for texts in map(_texts, value))


def _tables(data: dict, key: str) -> list[dict]:
    """The `[[key]]` tables of `data`; anything else there is skipped (the validator
    reports it), so a malformed pack from elsewhere loads what it can."""
    value = data.get(key, [])
    return [t for t in value if isinstance(t, dict)] if isinstance(value, list) else []


def load_quick_checks(data: dict, slug: str) -> tuple[QuickCheck, ...]:
    return tuple(
        QuickCheck(id=str(q.get("id", "")), image=str(q.get("image", "")),
                   texts=_texts(q), answers=_answers(q.get("answers")),
                   correct=_whole_number(q.get("correct")), module=slug,
                   message=str(q.get("message", "")), sources=_whole_numbers(q.get("sources")))
        for q in _tables(data, "quick_check"))


def load_follow_ups(data: dict, slug: str) -> tuple[FollowUpQuestion, ...]:
    return tuple(
        FollowUpQuestion(id=str(q.get("id", "")), texts=_texts(q),
                         answers=_answers(q.get("answers")),
                         safe=_whole_numbers(q.get("safe")), module=slug)
        for q in _tables(data, "follow_up"))


def load_scam_kinds(data: dict) -> tuple[ScamKind, ...]:
    """The pack's scam kinds in display order; entries without an id are skipped."""
    kinds = []
    for entry in _tables(data, "scam_kind"):
        if isinstance(entry.get("id"), str) and entry["id"]:
            texts = _texts(entry)
            kinds.append(ScamKind(id=entry["id"], km=texts.get("km", ""),
                                  en=texts.get("en", "")))
    return tuple(kinds)


def load_glossary(path: Path) -> dict[str, GlossaryTerm]:
    if not path.exists():
        return {}
    terms: dict[str, GlossaryTerm] = {}
    for entry in read_toml(path).get("term", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        terms[entry["id"]] = GlossaryTerm(
            id=entry["id"], en=str(entry.get("en", "")), km=str(entry.get("km", "")),
            meaning_en=str(entry.get("meaning_en", "")),
            meaning_km=str(entry.get("meaning_km", "")),
            review_km=str(entry.get("review_km", "")),
            source_km=str(entry.get("source_km", "")),
            source_km_searched=_date_or_none(entry.get("source_km_searched")),
            source_km_queries=tuple(str(q) for q in entry.get("source_km_queries", ())
                                    if isinstance(q, str)),
            source_km_note=str(entry.get("source_km_note", "")))
    return terms


def _date_or_none(value: object) -> dt.date | None:
    """A TOML date (not a date-time), or None."""
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


def load_module(folder: Path, languages: tuple[str, ...] = LANGUAGES) -> Module:
    data = read_toml(folder / MODULE_FILE)
    slug = str(data.get("slug") or folder.name)
    checklist = tuple(
        ChecklistItem(id=str(item.get("id", "")), km=str(item.get("km", "")),
                      en=str(item.get("en", "")), module=slug)
        for item in _tables(data, "checklist"))
    sources = tuple(Source(n=int(s.get("n", 0)), url=str(s.get("url", "")))
                    for s in _tables(data, "sources") if isinstance(s.get("n", 0), int))
    bodies = {}
    for lang in languages:
        path = folder / f"{lang}.md"
        if path.exists():
            bodies[lang] = split_slides(path.read_text(encoding="utf-8"), lang)
    facts = data.get("facts_checked")
    duration = data.get("duration_minutes")
    minutes = data.get("slide_minutes")
    return Module(
        slug=slug, version=str(data.get("version", "")), folder=folder,
        titles=_texts(data.get("title")),
        audience=tuple(str(a) for a in data.get("audience", []) if isinstance(a, str)),
        duration_minutes=duration if isinstance(duration, int) else 0,
        tags=tuple(str(t) for t in data.get("tags", []) if isinstance(t, str)),
        facts_checked=facts if isinstance(facts, dt.date) else None,
        review=_texts(data.get("review")), sources=sources, checklist=checklist,
        bodies=bodies,
        slide_minutes=tuple(minutes) if isinstance(minutes, list) and all(
            isinstance(m, int) for m in minutes) else (),
        quick_checks=load_quick_checks(data, slug), follow_ups=load_follow_ups(data, slug))


def module_folders(pack_dir: Path) -> list[Path]:
    modules = pack_dir / MODULES_DIR
    if not modules.is_dir():
        return []
    return sorted(p for p in modules.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_pack(path: Path | None = None) -> Pack:
    """Load the pack in folder `path` (default: the pack shipped with the app)."""
    folder = Path(path) if path is not None else resources.content_dir()
    data = read_toml(folder / PACK_FILE)
    languages = tuple(lang for lang in data.get("languages", LANGUAGES) if lang in LANGUAGES)
    modules = tuple(load_module(f, languages or LANGUAGES) for f in module_folders(folder)
                    if (f / MODULE_FILE).exists())
    return Pack(id=str(data.get("id", "")), version=str(data.get("version", "")),
                folder=folder, titles=_texts(data.get("title")),
                languages=languages or LANGUAGES, modules=modules,
                glossary=load_glossary(folder / GLOSSARY_FILE),
                locked=lock.locked_items(folder), scam_kinds=load_scam_kinds(data))


def active_pack_dir(data_dir: Path | None) -> Path:
    """The pack folder this device uses: imported (if newer or equal) or shipped."""
    shipped = resources.content_dir()
    if data_dir is None:
        return shipped
    imported = resources.imported_content_dir(data_dir)
    if not (imported / PACK_FILE).exists():
        return shipped
    try:
        imported_version = read_toml(imported / PACK_FILE).get("version", "")
        shipped_version = read_toml(shipped / PACK_FILE).get("version", "")
    except ContentError:
        return shipped
    if version_key(str(imported_version)) >= version_key(str(shipped_version)):
        return imported
    return shipped


def pack_identity(folder: Path) -> tuple[str, str]:
    """(id, version) of the pack in `folder`, read from its pack.toml alone;
    ContentError when that cannot be read."""
    data = read_toml(Path(folder) / PACK_FILE)
    return str(data.get("id", "")), str(data.get("version", ""))


def active_pack_identity(data_dir: Path | None) -> tuple[str, str]:
    """(id, version) of the pack this device uses, ("", "") when unreadable: what sync
    tells the hub, so the hub sends a pack only when it is newer."""
    try:
        return pack_identity(active_pack_dir(data_dir))
    except ContentError:
        return "", ""


def load_active_pack(data_dir: Path | None) -> Pack:
    """The pack this device presents and records checklist results against."""
    return load_pack(active_pack_dir(data_dir))
