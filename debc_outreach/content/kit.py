"""A module's practice kit: the cards, mock documents and stands a trainer prints.

`kit.toml` in the module folder lists the items, each with a Khmer and an
English face and, optionally, the answer the trainer keeps:

    [[item]]
    id = "card-parcel"            # kebab-case, unique in the module
    kind = "scenario"             # see KINDS
    image = "images/x.svg"        # optional picture printed on the card
    blank_amount = true           # optional: an empty amount box the learner writes in
    [item.km]
    title = "…"
    text = "…"
    answer = "…"                  # optional: printed on the trainer's answer key only
    [item.en]
    …

Trainer notes name the items a slide needs on a line of their own,
`Kit: card-parcel, card-voice`, so `content check` can tell a trainer note that
describes material the kit does not have. No Qt here: kit_pdf.py prints.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.content.model import LANGUAGES, Module

KIT_FILE = "kit.toml"
KIT_MARK = "Kit:"
KINDS = ("scenario", "message", "role", "document", "result", "khqr-stand", "post", "picture")
KIT_LINE = re.compile(rf"^\s*{re.escape(KIT_MARK)}\s*(.*)$")


@dataclass(frozen=True)
class KitFace:
    """What one language shows of a kit item."""

    title: str
    text: str
    answer: str = ""


@dataclass(frozen=True)
class KitItem:
    id: str
    kind: str
    faces: dict[str, KitFace] = field(default_factory=dict)
    image: str = ""
    blank_amount: bool = False

    def face(self, lang: str) -> KitFace:
        return self.faces.get(lang) or self.faces.get("km") or self.faces.get("en") \
            or KitFace("", "")

    def has_answer(self) -> bool:
        return any(face.answer for face in self.faces.values())


def kit_references(notes: str) -> list[str]:
    """Item ids named on `Kit:` lines of trainer notes, in order."""
    found: list[str] = []
    for line in notes.splitlines():
        match = KIT_LINE.match(line)
        if match:
            found += [part.strip() for part in match.group(1).split(",") if part.strip()]
    return found


def parse_kit(data: dict) -> tuple[KitItem, ...]:
    """Kit items from the parsed TOML of kit.toml; entries without an id are skipped."""
    items = []
    for entry in data.get("item", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        faces = {}
        for lang in LANGUAGES:
            face = entry.get(lang)
            if isinstance(face, dict):
                faces[lang] = KitFace(title=str(face.get("title", "")),
                                      text=str(face.get("text", "")),
                                      answer=str(face.get("answer", "")))
        items.append(KitItem(id=entry["id"], kind=str(entry.get("kind", "")), faces=faces,
                             image=str(entry.get("image", "")),
                             blank_amount=entry.get("blank_amount") is True))
    return tuple(items)


def load_kit(module: Module | Path) -> tuple[KitItem, ...]:
    """The kit of a module (or module folder); empty when it has none.

    Raises OSError / tomllib.TOMLDecodeError on a file that cannot be read;
    `content check` reports those with file and line.
    """
    folder = module.folder if isinstance(module, Module) else Path(module)
    path = folder / KIT_FILE
    if not path.exists():
        return ()
    return parse_kit(tomllib.loads(path.read_text(encoding="utf-8")))
