"""The local contact sheet and the "first hour after a scam" card (contacts.toml), no Qt.

Where to turn after a scam changes: a hotline moves, a website closes, a new
body starts taking reports. So every contact carries the page it was found on
and the date someone last checked it there; `content check` warns when that is
more than six months ago. Lines marked `local = true` (the commune office, the
police post) are left blank for the trainer to fill in for the area.
`contact_sheet_markdown()` is what printing.py turns into the PDF.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.content import labels
from debc_outreach.content.loader import toml_error_line
from debc_outreach.content.model import LANGUAGES, Pack
from debc_outreach.content.problems import Report, check_khmer_lines
from debc_outreach.content.toml_lines import TomlLines
from debc_outreach.i18n import _

CONTACTS_FILE = "contacts.toml"
STALE_AFTER_DAYS = 183              # about six months
URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Contact:
    id: str
    texts: dict[str, dict[str, str]]        # lang -> name, channel, note
    source: str = ""
    checked: dt.date | None = None
    local: bool = False

    def text(self, lang: str, key: str) -> str:
        return (self.texts.get(lang) or self.texts.get("km") or {}).get(key, "")


@dataclass(frozen=True)
class FirstHour:
    titles: dict[str, str] = field(default_factory=dict)
    steps: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    checked: dt.date | None = None


def load_contacts(pack_dir: Path) -> tuple[tuple[Contact, ...], FirstHour | None]:
    """The pack's contacts and first-hour card; ((), None) when it has none.

    Raises OSError / tomllib.TOMLDecodeError on a file that cannot be read.
    """
    path = Path(pack_dir) / CONTACTS_FILE
    if not path.exists():
        return (), None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    contacts = tuple(
        Contact(id=str(entry.get("id", "")),
                texts={lang: {k: str(v) for k, v in entry[lang].items()}
                       for lang in LANGUAGES if isinstance(entry.get(lang), dict)},
                source=str(entry.get("source", "")),
                checked=entry.get("checked") if isinstance(entry.get("checked"), dt.date)
                else None,
                local=entry.get("local") is True)
        for entry in data.get("contact", []) if isinstance(entry, dict))
    card = data.get("first_hour")
    first_hour = None
    if isinstance(card, dict):
        first_hour = FirstHour(
            titles={lang: str(card[lang].get("title", "")) for lang in LANGUAGES
                    if isinstance(card.get(lang), dict)},
            steps={lang: tuple(str(s) for s in card[lang].get("steps", []))
                   for lang in LANGUAGES if isinstance(card.get(lang), dict)},
            sources=tuple(str(s) for s in card.get("sources", [])),
            checked=card.get("checked") if isinstance(card.get("checked"), dt.date) else None)
    return contacts, first_hour


# --- content check -------------------------------------------------------------------------
def check_contacts(report: Report, pack_dir: Path, today: dt.date | None = None) -> None:
    """Report the problems of contacts.toml (if the pack has one)."""
    path = Path(pack_dir) / CONTACTS_FILE
    if not path.exists():
        return
    today = today or dt.date.today()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        report.error(path, 1, _("file is not UTF-8 text"))
        return
    except tomllib.TOMLDecodeError as error:
        report.error(path, toml_error_line(error), _("not valid TOML: {error}").format(
            error=error))
        return
    check_khmer_lines(report, path, text)
    lines = TomlLines(text)
    entries = data.get("contact", [])
    ids: set[str] = set()
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        _check_contact(report, path, lines, index, entry, ids, today)
    card = data.get("first_hour")
    if isinstance(card, dict):
        _check_first_hour(report, path, lines, card, today)


def _check_contact(report: Report, path: Path, lines: TomlLines, index: int, entry: object,
                   ids: set[str], today: dt.date) -> None:
    line = lines.line("id", "contact", index)
    contact_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(contact_id, str) or not contact_id:
        report.error(path, line, _("every contact needs an id"))
        return
    if contact_id in ids:
        report.error(path, line, _("duplicate contact id {id}").format(id=contact_id))
    ids.add(contact_id)
    for lang in LANGUAGES:
        texts = entry.get(lang)
        if not isinstance(texts, dict) or not str(texts.get("name", "")).strip():
            report.error(path, line, _("contact {id}: [contact.{lang}] needs a name").format(
                id=contact_id, lang=lang))
    if entry.get("local") is True:
        if "checked" in entry or "source" in entry:
            report.error(path, line, _(
                "contact {id} is filled in locally (local = true): it cannot carry a source "
                "or a checked date").format(id=contact_id))
        return
    source = entry.get("source")
    if not isinstance(source, str) or not URL.match(source):
        report.error(path, lines.line("source", "contact", index) if "source" in entry
                     else line, _("contact {id}: source must be the https:// address where "
                                  "the channel was found").format(id=contact_id))
    _check_date(report, path, lines.line("checked", "contact", index) if "checked" in entry
                else line, entry.get("checked"), contact_id, today)


def _check_first_hour(report: Report, path: Path, lines: TomlLines, card: dict,
                      today: dt.date) -> None:
    line = lines.line(None, "first_hour")
    for lang in LANGUAGES:
        texts = card.get(lang)
        if not isinstance(texts, dict) or not str(texts.get("title", "")).strip() or not (
                isinstance(texts.get("steps"), list) and texts["steps"]):
            report.error(path, line, _("[first_hour.{lang}] needs a title and steps").format(
                lang=lang))
    sources = card.get("sources")
    if not isinstance(sources, list) or not sources or not all(
            isinstance(s, str) and URL.match(s) for s in sources):
        report.error(path, line, _("first_hour: sources must list the https:// addresses "
                                   "its advice comes from"))
    _check_date(report, path, line, card.get("checked"), "first_hour", today)


def _check_date(report: Report, path: Path, line: int, checked: object, what: str,
                today: dt.date) -> None:
    if not isinstance(checked, dt.date):
        report.error(path, line, _("{id}: checked must be the date it was last checked, "
                                   "like 2026-01-31").format(id=what))
    elif (today - checked).days > STALE_AFTER_DAYS:
        report.warning(path, line, _("{id} was last checked on {date}, more than six months "
                                     "ago: check it again before printing").format(
            id=what, date=checked.isoformat()))
    elif checked > today:
        report.error(path, line, _("{id}: checked date {date} is in the future").format(
            id=what, date=checked.isoformat()))


# --- printing --------------------------------------------------------------------------------
def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("|", "\\|")


def contact_sheet_markdown(pack: Pack, lang: str, today: dt.date | None = None) -> str:
    """The printable contact sheet in `lang`, dated, with the first-hour card on top."""
    def label(message: str) -> str:
        return labels.label(message, lang)

    contacts, first_hour = load_contacts(pack.folder)
    today = today or dt.date.today()
    parts = [f"# {_escape(label(labels.CONTACTS_TITLE))}",
             "*" + _escape(label(labels.CONTACTS_PRINTED).format(date=today.isoformat())
                           + f" · {pack.title(lang)} {pack.version}") + "*"]
    if first_hour is not None:
        title = first_hour.titles.get(lang) or first_hour.titles.get("km", "")
        steps = first_hour.steps.get(lang) or first_hour.steps.get("km", ())
        parts.append(f"## {_escape(title)}")
        parts.append("\n".join(f"{n}. {_escape(step)}" for n, step in enumerate(steps, 1)))
        checked = first_hour.checked.isoformat() if first_hour.checked else "—"
        parts.append("*" + _escape(label(labels.CONTACTS_SOURCE).format(
            source=", ".join(first_hour.sources), date=checked)) + "*")
    parts.append("## " + _escape(label(labels.CONTACTS_WHO)))
    for contact in contacts:
        parts.append(f"### {_escape(contact.text(lang, 'name'))}")
        if contact.local:
            blank = "\\_" * 28
            colon = "៖" if lang == "km" else ":"          # Khmer writes its own colon
            parts.append("\n".join(
                f"- {_escape(label(field))}{colon} {blank}  "
                for field in (labels.CONTACTS_NAME_PLACE, labels.CONTACTS_PHONE,
                              labels.CONTACTS_CHECKED_BY)))
            if contact.text(lang, "note"):
                parts.append(f"*{_escape(contact.text(lang, 'note'))}*")
            continue
        parts.append(f"**{_escape(contact.text(lang, 'channel'))}**")
        if contact.text(lang, "note"):
            parts.append(_escape(contact.text(lang, "note")))
        checked = contact.checked.isoformat() if contact.checked else "—"
        parts.append("*" + _escape(label(labels.CONTACTS_SOURCE).format(
            source=contact.source, date=checked)) + "*")
    parts.append("*" + _escape(label(labels.CONTACTS_VERIFY)) + "*")
    return "\n\n".join(parts) + "\n"
