"""Markdown prepared for DISPLAY (never stored): Khmer break hints, glossary links.

Qt finds no line-break opportunities in Khmer, so ZWSPs are inserted at ICU
break positions in the text, never inside a link target or image path.
"""

from __future__ import annotations

import re

from debc_outreach.content.slides import GLOSSARY_SCHEME
from debc_outreach.core.khmer_text import with_line_breaks

# Markdown syntax that must stay byte for byte: images, link targets, inline code,
# emphasis markers, heading and list markers.
_PROTECTED = re.compile(r"(!\[[^\]]*\]\([^)\s]*\)|\]\([^)\s]*\)|`[^`]*`|\*+|^#+ |^\s*[-+] )")
_GLOSSARY_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(" + re.escape(GLOSSARY_SCHEME) + r"[^)\s]*\)")


def display_markdown(markdown: str, glossary_links: bool = True) -> str:
    """`markdown` with ZWSP line-break hints; glossary links kept or shown as bold words."""
    if not glossary_links:
        markdown = _GLOSSARY_LINK.sub(lambda m: f"**{m.group(1)}**", markdown)
    lines = []
    for line in markdown.split("\n"):
        pieces = _PROTECTED.split(line)
        lines.append("".join(piece if i % 2 else with_line_breaks(piece)
                             for i, piece in enumerate(pieces)))
    return "\n".join(lines)
