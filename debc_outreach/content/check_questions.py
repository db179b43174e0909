"""Checks of a module's quick checks and follow-up questions, and of the pack's scam kinds.

Part of `content check` (validator.py). A quick check is asked before and
after a module: a picture, a question and 2–3 answers, one of them correct,
tied to the module's sources. A follow-up question is asked by phone or visit
weeks later; its `safe` answers count as the good outcome in reports. Answers
and tallies are recorded against the ids, so the ids are locked like
checklist ids (`question_ids.lock`, see lock.py). A pack imported from
elsewhere is not trusted: every malformed value is a problem, never a crash.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from debc_outreach.content import lock
from debc_outreach.content.check_bodies import check_image, english_words
from debc_outreach.content.loader import toml_error_line
from debc_outreach.content.model import LANGUAGES
from debc_outreach.content.problems import Report
from debc_outreach.content.toml_lines import TomlLines
from debc_outreach.i18n import N_, _

KEBAB_KEY = r"[a-z0-9]+(-[a-z0-9]+)*"
MIN_QUICK_CHECKS, MAX_QUICK_CHECKS = 3, 5
MIN_FOLLOW_UPS, MAX_FOLLOW_UPS = 1, 3
MIN_ANSWERS, MAX_ANSWERS = 2, 3
# The kinds of scam the issue of record names; reports compare sessions by these ids,
# so a pack may add kinds but not drop one. "other" is always the last choice.
REQUIRED_SCAM_KINDS = ("fake-prize-bank", "investment-task-job", "loan-app", "fake-official",
                       "parcel-sms", "fake-app-file", "cloned-voice", "id-photo-request",
                       "other")
OTHER_SCAM_KIND = "other"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _values(data: dict, table: str, key: str) -> list:
    """`key` of every `[[table]]` entry, whatever its type (callers filter)."""
    entries = data.get(table)
    if not isinstance(entries, list):
        return []
    return [entry.get(key) for entry in entries if isinstance(entry, dict)]


class _Questions:
    """Checks one kind of question block (`[[quick_check]]` or `[[follow_up]]`) of a module."""

    def __init__(self, report: Report, path: Path, lines: TomlLines, table: str, index: int,
                 allowed_latin: tuple[str, ...] | None):
        self.report, self.path, self.lines = report, path, lines
        self.table, self.index, self.allowed_latin = table, index, allowed_latin

    def line(self, key: str | None = None) -> int:
        return self.lines.line(key, self.table, self.index)

    def error(self, key: str | None, message: str) -> None:
        self.report.error(self.path, self.line(key), message)

    def texts(self, question_id: str, entry: dict) -> None:
        for lang in LANGUAGES:
            if not _nonempty(entry.get(lang)):
                self.error(lang if lang in entry else None, _(
                    "question {id}: {lang} text is missing or empty").format(
                    id=question_id, lang=lang))
        self.khmer(question_id, entry.get("km"), "km")

    def khmer(self, question_id: str, text: object, key: str) -> None:
        if self.allowed_latin is None or not isinstance(text, str):
            return
        words = english_words(text, self.allowed_latin)
        if words:
            self.error(key, _("question {id}: English in Khmer text: {words}; use a Khmer "
                              "word, or add a name or menu label to allowed_latin in "
                              "pack.toml").format(id=question_id, words=", ".join(words)))

    def answers(self, question_id: str, entry: dict) -> int:
        """Check the answer choices; return how many there are (0 when unusable)."""
        answers = entry.get("answers")
        if not isinstance(answers, list) or not MIN_ANSWERS <= len(answers) <= MAX_ANSWERS:
            self.error("answers" if "answers" in entry else None, _(
                "question {id}: answers must list {low} to {high} choices, each with km and "
                "en").format(id=question_id, low=MIN_ANSWERS, high=MAX_ANSWERS))
            return 0
        usable = True
        for number, answer in enumerate(answers, start=1):
            if not isinstance(answer, dict) or not all(
                    _nonempty(answer.get(lang)) for lang in LANGUAGES):
                self.error("answers", _("question {id}: the km or en text of answer {n} is "
                                        "missing").format(id=question_id, n=number))
                usable = False
                continue
            self.khmer(question_id, answer["km"], "answers")
        return len(answers) if usable else 0

    def indices(self, question_id: str, entry: dict, key: str, count: int) -> None:
        """`entry[key]` is a non-empty list of answer indices, each one of the answers."""
        values = entry.get(key)
        if not isinstance(values, list) or not values or not all(_whole(v) for v in values):
            self.error(key if key in entry else None, _(
                "question {id}: {key} must give answer numbers counted from 0").format(
                id=question_id, key=key))
            return
        for number in values:
            if count and not 0 <= number < count:
                self.error(key, _("question {id}: {key} = {n} is not one of the answers "
                                  "(0 to {last})").format(
                    id=question_id, key=key, n=number, last=count - 1))


def check_questions(report: Report, folder: Path, path: Path, data: dict, slug: str,
                    seen_ids: dict[str, Path], allowed_latin: tuple[str, ...] | None
                    ) -> tuple[list[tuple], set[Path]]:
    """Check the module's `[[quick_check]]` and `[[follow_up]]` blocks.

    Returns the questions for the lock check (id, module, en, file, line) and
    the image files the quick checks show (resolved), so they count as used.
    """
    lines = TomlLines(path.read_text(encoding="utf-8"))
    found: list[tuple] = []
    images: set[Path] = set()
    source_numbers = {n for n in _values(data, "sources", "n") if _whole(n)}
    checklist_ids = {i for i in _values(data, "checklist", "id") if isinstance(i, str)}
    for table, kind, low, high in (("quick_check", "qc", MIN_QUICK_CHECKS, MAX_QUICK_CHECKS),
                                   ("follow_up", "fu", MIN_FOLLOW_UPS, MAX_FOLLOW_UPS)):
        entries = data.get(table, [])
        if not isinstance(entries, list) or not low <= len(entries) <= high:
            report.error(path, lines.line(None, table, 0) if entries else 1, _(
                "a module needs {low} to {high} [[{table}]] questions, this one has {n}").format(
                low=low, high=high, table=table,
                n=len(entries) if isinstance(entries, list) else 0))
        if not isinstance(entries, list):
            continue
        id_pattern = re.compile(rf"^{re.escape(slug)}\.{kind}\.{KEBAB_KEY}$")
        for index, entry in enumerate(entries):
            check = _Questions(report, path, lines, table, index, allowed_latin)
            question_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(question_id, str) or not id_pattern.match(question_id):
                check.error("id", _("question id must look like {slug}.{kind}.key "
                                    "(kebab-case)").format(slug=slug, kind=kind))
                continue
            if question_id in seen_ids:
                check.error("id", _("duplicate question id {id} (also in {other})").format(
                    id=question_id, other=seen_ids[question_id]))
            seen_ids.setdefault(question_id, path)
            check.texts(question_id, entry)
            count = check.answers(question_id, entry)
            if table == "quick_check":
                _check_quick_check(check, folder, question_id, entry, count, source_numbers,
                                   checklist_ids, images)
            else:
                check.indices(question_id, entry, "safe", count)
            found.append((question_id, slug, str(entry.get("en", "")), path, check.line("id"),
                          check.line("en")))
    return found, images


def _check_quick_check(check: _Questions, folder: Path, question_id: str, entry: dict,
                       count: int, source_numbers: set, checklist_ids: set,
                       images: set[Path]) -> None:
    correct = entry.get("correct")
    if not _whole(correct) or (count and not 0 <= correct < count):
        check.error("correct" if "correct" in entry else None, _(
            "question {id}: correct must be the number of the right answer, counted from 0 "
            "(0 to {last})").format(id=question_id, last=max(count, MIN_ANSWERS) - 1))
    message = entry.get("message")
    if message is not None and (not isinstance(message, str) or message not in checklist_ids):
        check.error("message", _("question {id}: message must be a checklist id of this "
                                 "module").format(id=question_id))
    image = entry.get("image")
    if not _nonempty(image):
        check.error(None, _("question {id}: image is missing (a picture the trainer "
                            "shows)").format(id=question_id))
    else:
        check_image(check.report, folder, check.path, check.line("image"),
                    str(entry.get("en", question_id)), image)
        if "\0" not in image:
            images.add((folder / image).resolve())
    sources = entry.get("sources", [])
    if not isinstance(sources, list) or not all(_whole(n) for n in sources):
        check.error("sources", _("question {id}: sources must be a list of the module's "
                                 "source numbers").format(id=question_id))
        return
    for number in sources:
        if number not in source_numbers:
            check.error("sources", _("question {id}: source {n} is not among the module's "
                                     "[[sources]]").format(id=question_id, n=number))


def check_scam_kinds(report: Report, path: Path, data: dict) -> None:
    """`[[scam_kind]]` in pack.toml: the list a session's show-of-hands tally uses."""
    lines = TomlLines(path.read_text(encoding="utf-8"))
    kinds = data.get("scam_kind")
    if not isinstance(kinds, list) or not kinds:
        report.error(path, 1, _("the pack has no [[scam_kind]] list (the kinds of scam a "
                                "session tallies)"))
        return
    ids: list[str] = []
    for index, kind in enumerate(kinds):
        line = lines.line("id", "scam_kind", index)
        kind_id = kind.get("id") if isinstance(kind, dict) else None
        if not isinstance(kind_id, str) or not re.fullmatch(KEBAB_KEY, kind_id):
            report.error(path, line, _("scam kind id must be ASCII kebab-case"))
            continue
        if kind_id in ids:
            report.error(path, line, _("duplicate scam kind {id}").format(id=kind_id))
        ids.append(kind_id)
        for lang in LANGUAGES:
            if not _nonempty(kind.get(lang)):
                report.error(path, lines.line(lang, "scam_kind", index) if lang in kind
                             else line, _("scam kind {id}: {lang} text is missing").format(
                                 id=kind_id, lang=lang))
    missing = [k for k in REQUIRED_SCAM_KINDS if k not in ids]
    if missing:
        report.error(path, lines.line(None, "scam_kind", 0), _(
            "the scam kinds lack: {ids}; reports compare sessions by these").format(
            ids=", ".join(missing)))
    elif ids[-1] != OTHER_SCAM_KIND:
        report.error(path, lines.line(None, "scam_kind", ids.index(OTHER_SCAM_KIND)), _(
            "scam kind \"other\" must come last"))


UNREADABLE = object()    # read_lock_reporting: the lock file is there but cannot be read


def read_lock_reporting(report: Report, pack_dir: Path, name: str):
    """The entries of the lock file `name` (None: there is none), or UNREADABLE after
    reporting why it cannot be read."""
    path = pack_dir / name
    try:
        return lock.read_lock(pack_dir, name)
    except tomllib.TOMLDecodeError as error:
        report.error(path, toml_error_line(error), _("not valid TOML: {error}").format(
            error=error))
    except UnicodeDecodeError:
        report.error(path, 1, _("file is not UTF-8 text"))
    except OSError as error:
        report.error(path, 1, _("file cannot be read ({error})").format(
            error=error.strerror or error))
    return UNREADABLE


@dataclass(frozen=True)
class LockMessages:
    """What `check_published_ids` says, for one kind of id (each marked with N_: the
    Khmer for a checklist id and a question id differ)."""

    no_lock: str
    removed: str
    retired: str
    moved: str
    changed: str
    new: str


QUESTION_LOCK_MESSAGES = LockMessages(
    no_lock=N_("no question_ids.lock: question ids are not protected yet; run "
               "`debc-outreach content lock` before publishing"),
    removed=N_("question id {id} (published in {since}) was removed; put it back or retire it "
               "with `content lock --retire {id}`"),
    retired=N_("question id {id} was retired in {version} and cannot be used again; give the "
               "question a new id"),
    moved=N_("question id {id} moved from module {old} to {new}; an id stays in its module"),
    changed=N_("question id {id} changed its meaning since {since}: was \"{old}\", now "
               "\"{new}\"; keep the text or give the new question a new id"),
    new=N_("question id {id} is new: run `debc-outreach content lock` before publishing"))


def check_published_ids(report: Report, pack_dir: Path, name: str, items: list[tuple],
                        say: LockMessages, warn_without_lock: bool = True) -> None:
    """Published ids (lock file `name`) keep their module and meaning and are never
    dropped. `items`: (id, module, English text, file, line, line of the English)."""
    path = pack_dir / name
    entries = read_lock_reporting(report, pack_dir, name)
    if entries is UNREADABLE:
        return
    if entries is None:
        if warn_without_lock:
            report.warning(path, 1, _(say.no_lock))
        return
    current = {item[0]: item for item in items}
    for entry in entries.values():
        item = current.get(entry.id)
        if item is None:
            if not entry.retired:
                report.error(path, entry.line, _(say.removed).format(id=entry.id,
                                                                     since=entry.since))
            continue
        item_id, module, english, item_path, line, en_line = item
        if entry.retired:
            report.error(item_path, line, _(say.retired).format(id=item_id,
                                                                version=entry.retired))
        elif module != entry.module:
            report.error(item_path, line, _(say.moved).format(id=item_id, old=entry.module,
                                                              new=module))
        elif not lock.same_meaning(english, entry.en):
            report.error(item_path, en_line, _(say.changed).format(
                id=item_id, since=entry.since, old=entry.en, new=english))
    for item_id, _module, _en, item_path, line, _en_line in items:
        if item_id not in entries:
            report.warning(item_path, line, _(say.new).format(id=item_id))


def check_question_lock(report: Report, pack_dir: Path, questions: list[tuple]) -> None:
    """Published question ids keep their module and meaning, and are never dropped."""
    check_published_ids(report, pack_dir, lock.QUESTION_LOCK_FILE, questions,
                        QUESTION_LOCK_MESSAGES, warn_without_lock=bool(questions))
