"""`content check`: every problem in a content pack, with file and line.

Errors make the pack unusable for import and fail `content check` (exit 1);
warnings are shown but do not fail. Checks: schema of pack.toml, glossary.toml
and each module.toml; a missing language body; slide counts and sections that
differ between languages; duplicate checklist ids; ids removed, moved or
changed in meaning relative to `checklist_ids.lock` (see lock.py); broken
image and glossary links; slides that render empty; Khmer typing faults
(doubled COENG, stray ZWSP in the source, a mark with no base = dotted circle);
one warning counting the glossary terms that cite no page where an official
body uses their Khmer wording.
The slide files are checked in check_bodies.py; quick checks, follow-up
questions and scam kinds in check_questions.py.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from debc_outreach.content import lock
from debc_outreach.content.check_bodies import check_body, check_unused_images, compare_bodies
from debc_outreach.content.check_kit import check_kit
from debc_outreach.content.check_questions import (
    LockMessages,
    check_published_ids,
    check_question_lock,
    check_questions,
    check_scam_kinds,
)
from debc_outreach.content.contacts import check_contacts
from debc_outreach.content.loader import (
    GLOSSARY_FILE,
    MODULE_FILE,
    MODULES_DIR,
    PACK_FILE,
    module_folders,
    toml_error_line,
)
from debc_outreach.content.model import AUDIENCES, LANGUAGES, REVIEW_STATES, TAGS
from debc_outreach.content.problems import Problem, Report, check_khmer_lines, errors_only
from debc_outreach.content.toml_lines import TomlLines, parse_toml
from debc_outreach.core.versions import SEMVER
from debc_outreach.i18n import N_, _, ngettext

__all__ = ["Problem", "check_pack", "errors_only"]

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
GLOSSARY_REVIEW = ("draft", "needs-native-review", "reviewed")
MIN_CHECKLIST, MAX_CHECKLIST = 4, 6
MIN_MINUTES, MAX_MINUTES = 30, 60


def check_pack(pack_dir: Path) -> list[Problem]:
    """All problems of the pack in `pack_dir`, errors and warnings, in file order."""
    pack_dir = Path(pack_dir)
    report = Report()
    pack_data = _read(report, pack_dir / PACK_FILE)
    languages = LANGUAGES
    pack_version = ""
    allowed_latin = None
    if pack_data is not None:
        languages, pack_version = _check_pack_file(report, pack_dir / PACK_FILE, pack_data)
        allowed_latin = _allowed_latin(report, pack_dir / PACK_FILE, pack_data)
        check_scam_kinds(report, pack_dir / PACK_FILE, pack_data)
    glossary_ids = _check_glossary(report, pack_dir / GLOSSARY_FILE)
    folders = module_folders(pack_dir)
    if not folders:
        report.error(pack_dir / MODULES_DIR, 1, _("the pack has no modules"))
    seen_ids: dict[str, Path] = {}
    items: list[tuple[str, str, str, Path, int, int]] = []  # id, module, en, file, line, en line
    questions: list[tuple[str, str, str, Path, int, int]] = []   # the same, for questions
    for folder in folders:
        _check_module(report, folder, languages, glossary_ids, seen_ids, items, allowed_latin,
                      questions)
    _check_lock(report, pack_dir, items)
    check_question_lock(report, pack_dir, questions)
    check_contacts(report, pack_dir)
    return report.problems


# --- files -------------------------------------------------------------------------------
def _read(report: Report, path: Path) -> dict | None:
    if not path.exists():
        report.error(path, 1, _("file is missing"))
        return None
    if not path.is_file():
        report.error(path, 1, _("this is a folder; a file is expected here"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.error(path, 1, _("file is not UTF-8 text"))
        return None
    except OSError as error:
        report.error(path, 1, _("file cannot be read ({error})").format(
            error=error.strerror or error))
        return None
    check_khmer_lines(report, path, text)
    try:
        return parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        report.error(path, toml_error_line(error),
                     _("not valid TOML: {error}").format(error=error))
        return None


def _lines(path: Path) -> TomlLines:
    return TomlLines(path.read_text(encoding="utf-8"))


def _nonempty_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_texts(report: Report, path: Path, lines: TomlLines, data: dict, table: str,
                 languages: tuple[str, ...], allowed: tuple[str, ...] = ()) -> None:
    texts = data.get(table)
    if not isinstance(texts, dict):
        report.error(path, 1, _("[{table}] is missing").format(table=table))
        return
    for lang in languages:
        value = texts.get(lang)
        line = lines.line(lang, table) if lang in texts else lines.line(None, table)
        if not _nonempty_text(value):
            report.error(path, line, _("{table}.{lang} is missing or empty").format(
                table=table, lang=lang))
        elif allowed and value not in allowed:
            report.error(path, line, _("{table}.{lang} must be one of: {allowed}").format(
                table=table, lang=lang, allowed=", ".join(allowed)))


def _check_pack_file(report: Report, path: Path, data: dict) -> tuple[tuple[str, ...], str]:
    lines = _lines(path)
    if not _nonempty_text(data.get("id")) or not KEBAB.match(str(data.get("id"))):
        report.error(path, lines.line("id"), _("id must be ASCII kebab-case"))
    version = data.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        report.error(path, lines.line("version"),
                     _("version must be a semantic version like 1.2.0"))
        version = ""
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages:
        report.error(path, lines.line("languages"), _("languages is missing"))
        languages = list(LANGUAGES)
    for lang in LANGUAGES:
        if lang not in languages:
            report.error(path, lines.line("languages"),
                         _("missing language: {lang}").format(lang=lang))
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        report.error(path, lines.line("languages"), _("unknown language(s): {langs}").format(
            langs=", ".join(map(str, unknown))))
    _check_texts(report, path, lines, data, "title", LANGUAGES)
    return LANGUAGES, version


def _check_glossary(report: Report, path: Path) -> set[str] | None:
    """The glossary's term ids, or None when it cannot be read (links are then not checked)."""
    data = _read(report, path)
    if data is None:
        return None
    lines = _lines(path)
    ids: set[str] = set()
    terms = data.get("term", [])
    if not isinstance(terms, list):
        report.error(path, 1, _("terms must be [[term]] tables"))
        return ids
    unsourced: list[str] = []
    for index, term in enumerate(terms):
        term_id = term.get("id")
        line = lines.line("id", "term", index)
        if not isinstance(term_id, str) or not KEBAB.match(term_id):
            report.error(path, line, _("glossary id must be ASCII kebab-case"))
            continue
        if term_id in ids:
            report.error(path, line, _("duplicate glossary id {id}").format(id=term_id))
        ids.add(term_id)
        for key in ("en", "km", "meaning_en", "meaning_km"):
            if not _nonempty_text(term.get(key)):
                report.error(path, lines.line(key, "term", index) if key in term else line,
                             _("term {id}: {key} is missing or empty").format(
                                 id=term_id, key=key))
        if not _check_term_source(report, path, lines, term, index, term_id):
            unsourced.append(term_id)
        review = term.get("review_km")
        if review is not None and review not in GLOSSARY_REVIEW:
            report.error(path, lines.line("review_km", "term", index),
                         _("term {id}: review_km must be one of: {allowed}").format(
                             id=term_id, allowed=", ".join(GLOSSARY_REVIEW)))
    if unsourced:
        report.warning(path, 1, ngettext(
            "{n} glossary term has no official Khmer source yet: {ids}",
            "{n} glossary terms have no official Khmer source yet: {ids}",
            len(unsourced)).format(n=len(unsourced), ids=", ".join(unsourced)))
    return ids


def _check_term_source(report: Report, path: Path, lines: TomlLines, term: dict, index: int,
                       term_id: str, today: dt.date | None = None) -> bool:
    """Whether the term cites where an official body uses its Khmer wording.

    A term without one may record the search that found none: `source_km_searched`
    (the day) and `source_km_queries` (what was searched), so the next reviewer
    does not start from nothing. Recording a search is not a source: the term is
    still counted as unsourced.
    """
    def line(key: str) -> int:
        return lines.line(key, "term", index)

    source = term.get("source_km")
    searched = term.get("source_km_searched")
    queries = term.get("source_km_queries")
    note = term.get("source_km_note")
    if source is not None and not (isinstance(source, str)
                                   and re.match(r"^https?://\S+$", source)):
        report.error(path, line("source_km"),
                     _("term {id}: source_km must be an https:// address").format(id=term_id))
    if note is not None and not _nonempty_text(note):
        report.error(path, line("source_km_note"),
                     _("term {id}: source_km_note must be a text").format(id=term_id))
    if source is not None and (searched is not None or queries is not None):
        report.error(path, line("source_km_searched" if searched is not None
                                else "source_km_queries"),
                     _("term {id}: it cites source_km, so it needs no record of a search "
                       "that found none (source_km_searched, source_km_queries)").format(
                         id=term_id))
    if searched is not None:
        today = today or dt.date.today()
        if not isinstance(searched, dt.date) or isinstance(searched, dt.datetime):
            report.error(path, line("source_km_searched"),
                         _("term {id}: source_km_searched must be the date of the search, "
                           "like 2026-12-06").format(id=term_id))
        elif searched > today:
            report.error(path, line("source_km_searched"),
                         _("term {id}: source_km_searched {date} is in the future").format(
                             id=term_id, date=searched.isoformat()))
    if (searched is None) != (queries is None):
        report.error(path, line("source_km_searched" if searched is not None
                                else "source_km_queries"),
                     _("term {id}: a search that found no source needs both "
                       "source_km_searched and source_km_queries").format(id=term_id))
    if queries is not None and not (isinstance(queries, list) and queries
                                    and all(_nonempty_text(q) for q in queries)):
        report.error(path, line("source_km_queries"),
                     _("term {id}: source_km_queries must list the searches made").format(
                         id=term_id))
    return isinstance(source, str) and bool(source.strip())


# --- modules -----------------------------------------------------------------------------
def _allowed_latin(report: Report, path: Path, data: dict) -> tuple[str, ...] | None:
    """`[khmer_text] allowed_latin`: Latin names and labels allowed in Khmer slides.

    None (no check) when the pack does not declare the list.
    """
    table = data.get("khmer_text")
    if table is None:
        return None
    allowed = table.get("allowed_latin") if isinstance(table, dict) else None
    if not isinstance(allowed, list) or not all(isinstance(w, str) for w in allowed):
        report.error(path, _lines(path).line("allowed_latin", "khmer_text"),
                     _("khmer_text.allowed_latin must be a list of words and phrases"))
        return None
    return tuple(allowed)


def _check_module(report: Report, folder: Path, languages: tuple[str, ...],
                  glossary_ids: set[str] | None, seen_ids: dict[str, Path], items: list,
                  allowed_latin: tuple[str, ...] | None = None,
                  questions: list | None = None) -> None:
    path = folder / MODULE_FILE
    data = _read(report, path)
    question_images: set[Path] = set()
    if data is not None:
        _check_module_file(report, folder, data, seen_ids, items)
        slug = data.get("slug") if isinstance(data.get("slug"), str) else folder.name
        found, question_images = check_questions(report, folder, path, data, slug, seen_ids,
                                                 allowed_latin)
        if questions is not None:
            questions.extend(found)
    bodies = {}
    for lang in languages:
        body = folder / f"{lang}.md"
        if not body.exists():
            report.error(body, 1, _("missing language: {lang} body of module {slug}").format(
                lang=lang, slug=folder.name))
            continue
        bodies[lang] = check_body(report, folder, body, lang, glossary_ids, allowed_latin)
    compare_bodies(report, folder, bodies)
    if data is not None:
        _check_timings(report, path, data, bodies)
    kit_images = check_kit(report, folder, bodies)
    check_unused_images(report, folder, bodies, kit_images | question_images)


def _check_timings(report: Report, path: Path, data: dict, bodies: dict[str, tuple]) -> None:
    """`slide_minutes` (optional): one whole number per slide, adding up to at most an hour.

    Older people new to phones tire after an hour; a module that needs more
    must be split, not rushed.
    """
    lines = _lines(path)
    minutes = data.get("slide_minutes")
    if minutes is None:            # optional: the script then shows no timings
        return
    if not isinstance(minutes, list) or not all(
            isinstance(m, int) and not isinstance(m, bool) and m >= 0 for m in minutes):
        report.error(path, lines.line("slide_minutes"),
                     _("slide_minutes must be a list of whole numbers, one per slide"))
        return
    slides = next(iter(bodies.values()), ())
    if slides and len(minutes) != len(slides):
        report.error(path, lines.line("slide_minutes"), ngettext(
            "slide_minutes needs one number per slide; the module has {n} slide",
            "slide_minutes needs one number per slide; the module has {n} slides",
            len(slides)).format(n=len(slides)) + f" ({len(minutes)})")
    total = sum(minutes)
    if total > MAX_MINUTES:
        report.error(path, lines.line("slide_minutes"), _(
            "the slides take {total} minutes; a module must fit in {high} minutes: shorten "
            "it or split it into two modules").format(total=total, high=MAX_MINUTES))
    duration = data.get("duration_minutes")
    if isinstance(duration, int) and total != duration:
        report.warning(path, lines.line("slide_minutes"), _(
            "the slides take {total} minutes, but duration_minutes says {duration}").format(
            total=total, duration=duration))


def _check_module_file(report: Report, folder: Path, data: dict,
                       seen_ids: dict[str, Path], items: list) -> None:
    path = folder / MODULE_FILE
    lines = _lines(path)
    slug = data.get("slug")
    if not isinstance(slug, str) or not KEBAB.match(slug):
        report.error(path, lines.line("slug"), _("slug must be ASCII kebab-case"))
        slug = folder.name
    elif slug != folder.name:
        report.error(path, lines.line("slug"),
                     _("slug {slug} differs from the folder name {folder}").format(
                         slug=slug, folder=folder.name))
    version = data.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        report.error(path, lines.line("version"),
                     _("version must be a semantic version like 1.2.0"))
    _check_choices(report, path, lines, data, "audience", AUDIENCES)
    _check_choices(report, path, lines, data, "tags", TAGS)
    minutes = data.get("duration_minutes")
    if (not isinstance(minutes, int) or isinstance(minutes, bool)
            or not MIN_MINUTES <= minutes <= MAX_MINUTES):
        report.error(path, lines.line("duration_minutes"),
                     _("duration_minutes must be a whole number from {low} to {high}").format(
                         low=MIN_MINUTES, high=MAX_MINUTES))
    if not isinstance(data.get("facts_checked"), dt.date):
        report.error(path, lines.line("facts_checked"),
                     _("facts_checked must be a date like 2026-01-31"))
    _check_texts(report, path, lines, data, "title", LANGUAGES)
    _check_texts(report, path, lines, data, "review", LANGUAGES, REVIEW_STATES)
    sources = data.get("sources", [])
    for index, source in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(source.get("n"), int):
            report.error(path, lines.line("n", "sources", index),
                         _("source number n must be a whole number"))
        url = source.get("url")
        if not isinstance(url, str) or not re.match(r"^https?://\S+$", url):
            report.error(path, lines.line("url", "sources", index),
                         _("source url must start with https:// or http://"))
    _check_checklist(report, path, lines, slug, data.get("checklist"), seen_ids, items)


def _check_choices(report: Report, path: Path, lines: TomlLines, data: dict, key: str,
                   allowed: tuple[str, ...]) -> None:
    values = data.get(key)
    if not isinstance(values, list) or not values:
        report.error(path, lines.line(key), _("{key} must list at least one of: {allowed}")
                     .format(key=key, allowed=", ".join(allowed)))
        return
    for value in values:
        if value not in allowed:
            report.error(path, lines.line(key), _("{key}: unknown value {value} (allowed: "
                                                  "{allowed})").format(
                key=key, value=value, allowed=", ".join(allowed)))


def _check_checklist(report: Report, path: Path, lines: TomlLines, slug: str,
                     checklist: object, seen_ids: dict[str, Path], items: list) -> None:
    if not isinstance(checklist, list):
        report.error(path, 1, _("the module has no [[checklist]] items"))
        return
    if not MIN_CHECKLIST <= len(checklist) <= MAX_CHECKLIST:
        report.error(path, lines.line(None, "checklist", 0) if checklist else 1,
                     _("a module needs {low} to {high} checklist items, this one has {n}")
                     .format(low=MIN_CHECKLIST, high=MAX_CHECKLIST, n=len(checklist)))
    id_pattern = re.compile(rf"^{re.escape(slug)}\.[a-z0-9]+(-[a-z0-9]+)*$")
    for index, item in enumerate(checklist):
        line = lines.line("id", "checklist", index)
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str) or not id_pattern.match(item_id):
            report.error(path, line, _("checklist id must look like {slug}.key (kebab-case)")
                         .format(slug=slug))
            continue
        if item_id in seen_ids:
            report.error(path, line, _("duplicate checklist id {id} (also in {other})").format(
                id=item_id, other=seen_ids[item_id]))
        seen_ids.setdefault(item_id, path)
        for lang in LANGUAGES:
            if not _nonempty_text(item.get(lang)):
                report.error(path, lines.line(lang, "checklist", index) if lang in item
                             else line, _("checklist {id}: {lang} text is missing").format(
                                 id=item_id, lang=lang))
        english = str(item.get("en", ""))
        if english and not english.startswith("Can "):
            report.warning(path, lines.line("en", "checklist", index),
                           _("checklist {id}: an item should start with \"Can …\" (something "
                             "a trainer sees or hears)").format(id=item_id))
        items.append((item_id, slug, english, path, line, lines.line("en", "checklist", index)))


# --- published ids -------------------------------------------------------------------------
_CHECKLIST_LOCK_MESSAGES = LockMessages(
    no_lock=N_("no checklist_ids.lock: checklist ids are not protected yet; run "
               "`debc-outreach content lock` before publishing"),
    removed=N_("checklist id {id} (published in {since}) was removed; put it back or retire "
               "it with `content lock --retire {id}`"),
    retired=N_("checklist id {id} was retired in {version} and cannot be used again; give the "
               "item a new id"),
    moved=N_("checklist id {id} moved from module {old} to {new}; an id stays in its module"),
    changed=N_("checklist id {id} changed its meaning since {since}: was \"{old}\", now "
               "\"{new}\"; keep the text or give the new skill a new id"),
    new=N_("checklist id {id} is new: run `debc-outreach content lock` before publishing"))


def _check_lock(report: Report, pack_dir: Path, items: list) -> None:
    check_published_ids(report, pack_dir, lock.LOCK_FILE, items, _CHECKLIST_LOCK_MESSAGES)
