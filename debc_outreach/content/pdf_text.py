"""The real text of shaped Khmer in the PDFs the app writes.

Qt's PDF engine draws text as glyphs and maps each glyph back to a character
through the font's character map. Shaped Khmer is mostly glyphs no character
maps to (subscript consonants, COENG RO, split and pre-base vowels, ligatures),
so copying, searching or reading aloud a Khmer PDF gave fragments:
"ស្រីនាង" came out as "សី ង".

After Qt has written the file, this module wraps every run of glyphs in a
marked-content span carrying the run's text as /ActualText (PDF 32000-1,
14.9.4), which text extraction, search, copy and screen readers use instead of
the glyphs. Nothing drawn changes: the pages render exactly as before.

The runs come from the QTextDocument that was printed: its layout's glyph runs,
in the order Qt paints them, each with the piece of text it shows. Qt writes
each run as one text object (BT … ET) whose glyph ids are renumbered for the
embedded subset; the two sequences are matched in order, and a run is labelled
only when its glyphs match the text object's under one consistent renumbering.
A text object that matches nothing keeps what Qt wrote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The app puts zero-width spaces between Khmer words so lines can break; in the
# text of the PDF they would stop a search for "ស្រីនាង" from finding ស្រី\u200bនាង.
_ZWSP = "\u200b"
LOOKAHEAD = 8           # runs skipped at most to find a text object's run (blank runs)


@dataclass(frozen=True)
class GlyphRun:
    """Text and the font's glyph ids of one run, as laid out."""

    text: str
    glyphs: tuple[int, ...]


def document_runs(document) -> list[GlyphRun]:
    """Every glyph run of a laid-out QTextDocument, in painting order."""
    from PySide6.QtGui import QTextLayout

    flags = (QTextLayout.GlyphRunRetrievalFlag.RetrieveGlyphIndexes
             | QTextLayout.GlyphRunRetrievalFlag.RetrieveStringIndexes)
    runs: list[GlyphRun] = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        text = block.text()
        for number in range(layout.lineCount()):
            line = layout.lineAt(number)
            line_end = line.textStart() + line.textLength()
            pieces = [(min(run.stringIndexes()), run) for run in line.glyphRuns(-1, -1, flags)
                      if run.glyphIndexes()]
            pieces.sort(key=lambda piece: piece[0])
            for index, (start, run) in enumerate(pieces):
                end = pieces[index + 1][0] if index + 1 < len(pieces) else line_end
                runs.append(GlyphRun(text[start:end].replace(_ZWSP, ""),
                                     tuple(run.glyphIndexes())))
        block = block.next()
    return runs


@dataclass
class _TextObject:
    font: str
    glyphs: list[int]
    first: int              # index of the first operation to wrap
    end: int                # index after the last operation to wrap


def _glyph_ids(operand) -> list[int]:
    data = bytes(operand)
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]


def _text_objects(operations: list) -> list[_TextObject]:
    """The glyph sequence Qt writes first in each BT … ET (a bold run's second,
    offset copy follows in its own marked content and is left alone)."""
    objects: list[_TextObject] = []
    current: _TextObject | None = None
    for index, (operands, operator) in enumerate(operations):
        if operator == b"BT":
            current = _TextObject("", [], -1, -1)
        elif current is None:
            continue
        elif operator == b"Tf":
            current.font = str(operands[0])
        elif operator in (b"Tj", b"TJ") and current.end < 0:
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            for item in strings:
                if isinstance(item, (bytes, str)) or hasattr(item, "original_bytes"):
                    current.glyphs.extend(_glyph_ids(getattr(item, "original_bytes", item)))
            if current.first < 0:
                current.first = _sequence_start(operations, index)
        elif operator in (b"Tm", b"BDC", b"BMC", b"ET") and current.first >= 0 \
                and current.end < 0:
            current.end = index
        if operator == b"ET":
            if current.first >= 0 and current.glyphs:
                objects.append(current)
            current = None
    return objects


def _sequence_start(operations: list, index: int) -> int:
    """The Td (or other positioning) just before the first glyph of a text object."""
    start = index
    while start > 0 and operations[start - 1][1] in (b"Td", b"TD", b"T*", b"Tc", b"Tw", b"Tz",
                                                     b"TL", b"Ts"):
        start -= 1
    return start


class _Matcher:
    """Pairs text objects with glyph runs under one renumbering per embedded font."""

    def __init__(self, runs: list[GlyphRun]):
        self.runs = runs
        self.position = 0
        self.forward: dict[str, dict[int, int]] = {}
        self.backward: dict[str, dict[int, int]] = {}

    def _consistent(self, font: str, written: list[int], laid_out: tuple[int, ...]) -> bool:
        if len(written) != len(laid_out):
            return False
        forward = self.forward.setdefault(font, {})
        backward = self.backward.setdefault(font, {})
        return all(forward.get(w, g) == g and backward.get(g, w) == w
                   for w, g in zip(written, laid_out, strict=True))

    def match(self, text_object: _TextObject) -> str | None:
        end = min(len(self.runs), self.position + LOOKAHEAD)
        for index in range(self.position, end):
            run = self.runs[index]
            if self._consistent(text_object.font, text_object.glyphs, run.glyphs):
                forward = self.forward[text_object.font]
                backward = self.backward[text_object.font]
                for w, g in zip(text_object.glyphs, run.glyphs, strict=True):
                    forward[w] = g
                    backward[g] = w
                self.position = index + 1
                return run.text
        return None


def _span(text: str) -> list:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    properties = DictionaryObject({NameObject("/ActualText"): TextStringObject(text)})
    return [[NameObject("/Span"), properties], b"BDC"]


def add_actual_text(path: Path, runs: list[GlyphRun]) -> tuple[int, int]:
    """Label the text objects of the PDF at `path` with their runs' text, in place.

    Returns (text objects labelled, text objects found). The file is rewritten
    only when at least one was labelled.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream

    reader = PdfReader(str(path))
    writer = PdfWriter(clone_from=reader)
    matcher = _Matcher(runs)
    labelled = found = 0
    for page in writer.pages:
        contents = page.get_contents()
        if contents is None:
            continue
        stream = ContentStream(contents, writer)
        operations = list(stream.operations)
        inserts: list[tuple[int, list]] = []
        for text_object in _text_objects(operations):
            found += 1
            text = matcher.match(text_object)
            if text is None:
                continue
            labelled += 1
            inserts.append((text_object.end, [[], b"EMC"]))
            inserts.append((text_object.first, _span(text)))
        if not inserts:
            continue
        for index, operation in sorted(inserts, key=lambda item: item[0], reverse=True):
            operations.insert(index, operation)
        stream.operations = operations
        page.replace_contents(stream)
    if labelled:
        writer.compress_identical_objects()
        for page in writer.pages:
            page.compress_content_streams()
        with open(path, "wb") as out:
            writer.write(out)
    if labelled < found:
        log.info("PDF text: %d of %d text objects labelled in %s", labelled, found, path)
    return labelled, found


def label_pdf_text(document, path: Path) -> None:
    """Give the PDF Qt just wrote at `path` from `document` its real text (see the
    module docstring). If that fails the file stays as Qt wrote it: it looks the
    same, only its text is poorer, so the export itself still succeeds."""
    from pypdf.errors import PyPdfError

    try:
        add_actual_text(Path(path), document_runs(document))
    except (PyPdfError, OSError, ValueError, KeyError) as error:
        log.warning("could not add the real text to %s: %s", path, error)
