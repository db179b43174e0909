"""What a content pack is made of: pack, modules, slides, checklist items, glossary,
quick checks, follow-up questions and the kinds of scam a session tallies.

Everything is immutable once loaded. Languages are "km" and "en"; Khmer is
the first language, so `text(lang)` helpers fall back to Khmer, then English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("km", "en")
AUDIENCES = ("rural-adults", "youth", "vendors", "elders", "people-with-disabilities",
             "everyone")
TAGS = ("digital-government", "public-awareness", "consumer-trust", "digital-documents",
        "digital-business", "digital-citizens")
SECTIONS = ("story", "demonstrate", "practise", "recap")
SECTION_HEADINGS = {
    "en": {"Story": "story", "Demonstrate": "demonstrate", "Practise": "practise",
           "Recap": "recap"},
    "km": {"រឿង": "story", "បង្ហាញ": "demonstrate", "អនុវត្ត": "practise", "សង្ខេប": "recap"},
}
REVIEW_STATES = ("needs-native-review", "reviewed")


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("km") or texts.get("en") or ""


@dataclass(frozen=True)
class ChecklistItem:
    """One observable skill ("Can …"). `id` is stable forever (see lock.py)."""

    id: str
    km: str
    en: str
    module: str = ""
    retired: bool = False     # no longer taught; kept so old results still read

    def text(self, lang: str) -> str:
        return _pick({"km": self.km, "en": self.en}, lang)


@dataclass(frozen=True)
class Answer:
    """One answer choice of a quick check or follow-up question."""

    km: str
    en: str

    def text(self, lang: str) -> str:
        return _pick({"km": self.km, "en": self.en}, lang)


class _AskedText:
    """A question's wording in each language (`texts`), read like the pack's other texts."""

    texts: dict[str, str]

    def text(self, lang: str) -> str:
        return _pick(self.texts, lang)

    @property
    def km(self) -> str:
        return self.texts.get("km", "")

    @property
    def en(self) -> str:
        return self.texts.get("en", "")


@dataclass(frozen=True)
class QuickCheck(_AskedText):
    """A question asked before and after a module to see what people learned.

    The presenter shows `image` and the question; the trainer reads the
    answers aloud, numbered 1, 2, 3. `correct` is the 0-based index of the
    right answer. `id` is stable forever, like a checklist id.
    """

    id: str
    image: str                          # relative to the module folder
    texts: dict[str, str]
    answers: tuple[Answer, ...]
    correct: int
    module: str = ""
    message: str = ""                   # the key message or checklist id it checks
    sources: tuple[int, ...] = ()


@dataclass(frozen=True)
class FollowUpQuestion(_AskedText):
    """A question asked by phone or visit weeks after the module.

    `safe` holds the answer indices that count as the safe outcome in reports.
    """

    id: str
    texts: dict[str, str]
    answers: tuple[Answer, ...]
    safe: tuple[int, ...]
    module: str = ""


@dataclass(frozen=True)
class ScamKind:
    """A kind of scam people are asked about, by show of hands, at the end of a session."""

    id: str
    km: str
    en: str

    def text(self, lang: str) -> str:
        return _pick({"km": self.km, "en": self.en}, lang)


@dataclass(frozen=True)
class Source:
    n: int
    url: str


@dataclass(frozen=True)
class Slide:
    """One slide of a module body in one language.

    `body` is the Markdown shown to learners; `notes` the trainer notes
    (after a `Note:` line). `line` is the 1-based line in the file where the
    slide starts, for messages.
    """

    index: int
    body: str
    notes: str
    line: int
    section: str | None = None          # story / demonstrate / practise / recap
    heading: str = ""                   # text of the first heading, if any


@dataclass(frozen=True)
class GlossaryTerm:
    id: str
    en: str
    km: str
    meaning_en: str
    meaning_km: str
    review_km: str = ""
    source_km: str = ""          # a page where an official body uses the Khmer term
    # When no such page was found: the day of the search and what was searched for,
    # so the next reviewer knows what has been tried. `source_km_note` says what a
    # reviewer should know either way (an official body's own wording, for example).
    source_km_searched: dt.date | None = None
    source_km_queries: tuple[str, ...] = ()
    source_km_note: str = ""

    def term(self, lang: str) -> str:
        return _pick({"km": self.km, "en": self.en}, lang)

    def meaning(self, lang: str) -> str:
        return _pick({"km": self.meaning_km, "en": self.meaning_en}, lang)


@dataclass(frozen=True)
class Module:
    slug: str
    version: str
    folder: Path
    titles: dict[str, str]
    audience: tuple[str, ...]
    duration_minutes: int
    tags: tuple[str, ...]
    facts_checked: dt.date | None
    review: dict[str, str]
    sources: tuple[Source, ...]
    checklist: tuple[ChecklistItem, ...]
    bodies: dict[str, tuple[Slide, ...]] = field(default_factory=dict)
    slide_minutes: tuple[int, ...] = ()     # minutes per slide, for the facilitator script
    quick_checks: tuple[QuickCheck, ...] = ()
    follow_ups: tuple[FollowUpQuestion, ...] = ()

    def title(self, lang: str) -> str:
        return _pick(self.titles, lang)

    def slides(self, lang: str) -> tuple[Slide, ...]:
        return self.bodies.get(lang) or self.bodies.get("km") or self.bodies.get("en") or ()

    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if self.bodies.get(lang))

    def needs_review(self, lang: str) -> bool:
        return self.review.get(lang) != "reviewed"

    def image_path(self, reference: str) -> Path:
        """The file an image reference in the body points to (relative to the module)."""
        return self.folder / reference

    def quick_check(self, question_id: str) -> QuickCheck | None:
        return next((q for q in self.quick_checks if q.id == question_id), None)

    def follow_up(self, question_id: str) -> FollowUpQuestion | None:
        return next((q for q in self.follow_ups if q.id == question_id), None)


@dataclass(frozen=True)
class Pack:
    id: str
    version: str
    folder: Path
    titles: dict[str, str]
    languages: tuple[str, ...]
    modules: tuple[Module, ...]
    glossary: dict[str, GlossaryTerm]
    locked: dict[str, ChecklistItem] = field(default_factory=dict)
    scam_kinds: tuple[ScamKind, ...] = ()

    def title(self, lang: str) -> str:
        return _pick(self.titles, lang)

    def module(self, slug: str) -> Module | None:
        return next((m for m in self.modules if m.slug == slug), None)

    def checklist_item(self, item_id: str) -> ChecklistItem | None:
        """The item with `item_id`: taught now, or retired but recorded in the lock file.

        Results recorded against an older pack version keep resolving here.
        """
        for module in self.modules:
            for item in module.checklist:
                if item.id == item_id:
                    return item
        return self.locked.get(item_id)

    def all_checklist_ids(self) -> set[str]:
        return {item.id for m in self.modules for item in m.checklist} | set(self.locked)

    def scam_kind(self, kind_id: str) -> ScamKind | None:
        return next((k for k in self.scam_kinds if k.id == kind_id), None)
