"""Finding modules by words in their titles or slides, in Khmer and English.

Every module's text in both languages is reduced once to a search key with
`core.names.name_key` (the same Khmer normalisation as participant search),
so a query typed with ZWSPs, the other COENG order or different case still
finds the module. A query matches when its key is a substring of the key of
the module's titles or of its text; title matches rank first.
"""

from __future__ import annotations

from dataclasses import dataclass

from debc_outreach.content.model import LANGUAGES, Module, Pack
from debc_outreach.content.slides import plain_text
from debc_outreach.core.names import name_key


@dataclass(frozen=True)
class _Entry:
    module: Module
    title_key: str
    text_key: str


class ModuleIndex:
    def __init__(self, pack: Pack):
        self._entries = []
        for module in pack.modules:
            titles = " \n ".join(module.title(lang) for lang in LANGUAGES)
            texts = [plain_text(slide.body) for lang in LANGUAGES
                     for slide in module.slides(lang)]
            texts += [item.text(lang) for item in module.checklist for lang in LANGUAGES]
            self._entries.append(_Entry(module, name_key(titles),
                                        name_key(" \n ".join(texts))))

    def search(self, query: str, audience: str = "", tag: str = "", language: str = ""
               ) -> list[Module]:
        """Modules matching all filters (empty filter = any), best matches first."""
        key = name_key(query)
        titled, texted = [], []
        for entry in self._entries:
            module = entry.module
            if audience and audience not in module.audience and "everyone" not in module.audience:
                continue
            if tag and tag not in module.tags:
                continue
            if language and language not in module.languages():
                continue
            if key in entry.title_key:
                titled.append(module)
            elif key in entry.text_key:
                texted.append(module)
        return titled + texted
