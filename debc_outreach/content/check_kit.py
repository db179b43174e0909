"""Checks of a module's practice kit (kit.toml) and of the trainer notes that use it.

Part of `content check` (validator.py): the kit file is well formed, every
item has a Khmer and an English face, its picture exists, every item a
trainer note names on a `Kit:` line exists, and no item is left unused.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from debc_outreach.content.kit import KINDS, KIT_FILE, kit_references, parse_kit
from debc_outreach.content.loader import toml_error_line
from debc_outreach.content.model import LANGUAGES
from debc_outreach.content.problems import Report, check_khmer_lines
from debc_outreach.content.toml_lines import TomlLines
from debc_outreach.i18n import _

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def check_kit(report: Report, folder: Path, bodies: dict[str, tuple]) -> set[Path]:
    """Report the kit's problems; return the image files the kit prints (resolved)."""
    path = folder / KIT_FILE
    references = _references(bodies)
    if not path.exists():
        for lang, (line, item_id) in references.items():
            report.error(folder / f"{lang}.md", line, _(
                "the notes name kit item {id}, but the module has no {file}").format(
                id=item_id, file=KIT_FILE))
        return set()
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        report.error(path, 1, _("file is not UTF-8 text"))
        return set()
    except tomllib.TOMLDecodeError as error:
        report.error(path, toml_error_line(error), _("not valid TOML: {error}").format(
            error=error))
        return set()
    check_khmer_lines(report, path, text)
    lines = TomlLines(text)
    entries = data.get("item", [])
    if not isinstance(entries, list) or not entries:
        report.error(path, 1, _("the kit has no [[item]] entries"))
        return set()
    ids: set[str] = set()
    images: set[Path] = set()
    for index, entry in enumerate(entries):
        _check_item(report, folder, path, lines, index, entry, ids, images)
    for lang, found in _all_references(bodies).items():
        for line, item_id in found:
            if item_id not in ids:
                report.error(folder / f"{lang}.md", line, _(
                    "the notes name kit item {id}, which {file} does not have").format(
                    id=item_id, file=KIT_FILE))
    named = {item_id for found in _all_references(bodies).values() for _line, item_id in found}
    for item in parse_kit(data):
        if item.id in ids and item.id not in named:
            report.warning(path, lines.line("id", "item", _index_of(data, item.id)), _(
                "kit item {id} is not named on any \"Kit:\" line of the trainer notes").format(
                id=item.id))
    return images


def _check_item(report: Report, folder: Path, path: Path, lines: TomlLines, index: int,
                entry: object, ids: set[str], images: set[Path]) -> None:
    line = lines.line("id", "item", index)
    item_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(item_id, str) or not KEBAB.match(item_id):
        report.error(path, line, _("kit item id must be ASCII kebab-case"))
        return
    if item_id in ids:
        report.error(path, line, _("duplicate kit item id {id}").format(id=item_id))
    ids.add(item_id)
    if entry.get("kind") not in KINDS:
        report.error(path, lines.line("kind", "item", index), _(
            "kit item {id}: kind must be one of: {allowed}").format(
            id=item_id, allowed=", ".join(KINDS)))
    for lang in LANGUAGES:
        face = entry.get(lang)
        if not isinstance(face, dict) or not all(
                isinstance(face.get(key), str) and face[key].strip()
                for key in ("title", "text")):
            report.error(path, line, _("kit item {id}: [item.{lang}] needs a title and a "
                                       "text").format(id=item_id, lang=lang))
    if "blank_amount" in entry and not isinstance(entry["blank_amount"], bool):
        report.error(path, lines.line("blank_amount", "item", index), _(
            "kit item {id}: blank_amount must be true or false").format(id=item_id))
    image = entry.get("image")
    if image is not None:
        target = (folder / str(image)).resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            report.error(path, lines.line("image", "item", index), _(
                "kit item {id}: picture {ref} does not exist in the module folder").format(
                id=item_id, ref=image))
        else:
            images.add(target)


def _all_references(bodies: dict[str, tuple]) -> dict[str, list[tuple[int, str]]]:
    """(line, item id) of every `Kit:` name in each language's notes."""
    found: dict[str, list[tuple[int, str]]] = {}
    for lang, slides in bodies.items():
        for slide in slides:
            for item_id in kit_references(slide.notes):
                found.setdefault(lang, []).append((slide.line, item_id))
    return found


def _references(bodies: dict[str, tuple]) -> dict[str, tuple[int, str]]:
    """The first `Kit:` name of each language (for the "no kit file" message)."""
    return {lang: found[0] for lang, found in _all_references(bodies).items() if found}


def _index_of(data: dict, item_id: str) -> int:
    return next((i for i, entry in enumerate(data.get("item", []))
                 if isinstance(entry, dict) and entry.get("id") == item_id), 0)
