"""Source references in module text: `[n]` points at `[[sources]] n = …` in module.toml.

Authors cite with a bare number (`Source: [1].`, `[11][40]`); the number alone
tells a trainer nothing, so wherever such text is shown the reference becomes
a link to its address and the cited sources are listed under it.
"""

from __future__ import annotations

import re

from debc_outreach.content.model import Source

# `[12]` that is not a link's text (`[12](…)`), a reference definition (`[12]: …`), an
# image or an escaped bracket; `[ ]` check boxes have no digits.
REFERENCE = re.compile(r"(?<![!\\])\[(\d{1,4})\](?![(:])")


def cited_numbers(markdown: str) -> list[int]:
    """Source numbers cited in `markdown`, in order of first citation."""
    numbers: list[int] = []
    for match in REFERENCE.finditer(markdown):
        number = int(match.group(1))
        if number not in numbers:
            numbers.append(number)
    return numbers


def cited_sources(markdown: str, sources: tuple[Source, ...]) -> list[Source]:
    """The module's sources that `markdown` cites, in order of first citation."""
    by_number = {source.n: source for source in sources}
    return [by_number[n] for n in cited_numbers(markdown) if n in by_number]


def with_sources(markdown: str, sources: tuple[Source, ...], heading: str) -> str:
    """`markdown` with each known `[n]` linked to its address and the cited sources listed
    under `heading` (text citing nothing comes back unchanged)."""
    cited = cited_sources(markdown, sources)
    if not cited:
        return markdown
    by_number = {source.n: source for source in cited}

    def link(match: re.Match) -> str:
        source = by_number.get(int(match.group(1)))
        return rf"[\[{source.n}\]]({source.url})" if source else match.group(0)

    listed = "\n".join(rf"- \[{source.n}\] [{source.url}]({source.url})" for source in cited)
    return f"{REFERENCE.sub(link, markdown)}\n\n**{heading}**\n\n{listed}"
