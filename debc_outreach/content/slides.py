"""Module bodies: Markdown split into slides, trainer notes, links and images.

Format (reveal.js style): slides are separated by a line `---`; trainer notes
follow a line `Note:` at the end of a slide; glossary links are
`[word](glossary:<term-id>)`; images are `![alt](images/x.svg)`.
"""

from __future__ import annotations

import re

from debc_outreach.content.model import SECTION_HEADINGS, Slide

SEPARATOR = "---"
NOTE_MARK = "Note:"
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]*)\)")
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
GLOSSARY_SCHEME = "glossary:"


def split_slides(text: str, lang: str) -> tuple[Slide, ...]:
    """The slides of one body file, with their starting line numbers."""
    slides: list[Slide] = []
    chunk: list[str] = []
    start = 1
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if line.strip() == SEPARATOR and not in_fence:
            slides.append(_make_slide(len(slides), chunk, start, lang))
            chunk, start = [], number + 1
        else:
            chunk.append(line)
    slides.append(_make_slide(len(slides), chunk, start, lang))
    return tuple(slides)


def _make_slide(index: int, lines: list[str], start: int, lang: str) -> Slide:
    body_lines, note_lines, in_notes = [], [], False
    for line in lines:
        if not in_notes and line.strip() == NOTE_MARK:
            in_notes = True
        elif in_notes:
            note_lines.append(line)
        else:
            body_lines.append(line)
    # Report the first line with content, so messages point at the slide itself.
    offset = next((i for i, line in enumerate(lines) if line.strip()), 0)
    body = "\n".join(body_lines).strip("\n")
    section, heading = None, ""
    for line in body_lines:
        match = HEADING.match(line.strip())
        if match:
            heading = strip_inline(match.group(2))
            if len(match.group(1)) == 2:
                section = SECTION_HEADINGS.get(lang, {}).get(heading)
            break
        if line.strip():
            break
    return Slide(index=index, body=body, notes="\n".join(note_lines).strip(),
                 line=start + offset, section=section, heading=heading)


def strip_inline(markdown: str) -> str:
    """Plain text of inline Markdown: links and images keep their words."""
    text = IMAGE.sub(lambda m: m.group(1), markdown)
    text = LINK.sub(lambda m: m.group(1), text)
    return re.sub(r"[*_`]+", "", text)


def plain_text(markdown: str) -> str:
    """Readable text of a Markdown block (for search and emptiness checks)."""
    lines = []
    for line in markdown.splitlines():
        line = re.sub(r"^\s*(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)", "", line)
        lines.append(strip_inline(line).strip())
    return "\n".join(line for line in lines if line)


def glossary_links(markdown: str) -> list[str]:
    return [m.group(2)[len(GLOSSARY_SCHEME):] for m in LINK.finditer(markdown)
            if m.group(2).startswith(GLOSSARY_SCHEME)]


def image_references(markdown: str) -> list[tuple[str, str]]:
    """(alt text, reference) of every image."""
    return [(m.group(1), m.group(2)) for m in IMAGE.finditer(markdown)]


def title_line(text: str) -> str:
    """The `# title` of a body file's first slide, or ''."""
    for line in text.splitlines():
        if line.strip():
            match = HEADING.match(line.strip())
            return match.group(2) if match and len(match.group(1)) == 1 else ""
    return ""
