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
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The app puts zero-width spaces between Khmer words so lines can break; in the
# text of the PDF they would stop a search for "ស្រីនាង" from finding ស្រី\u200bនាង.
_ZWSP = "\u200b"
LOOKAHEAD = 8           # runs skipped at most to find a text object's run (blank runs)
LOOKBACK = 32           # runs a page may paint again from the page before


@dataclass(frozen=True)
class GlyphRun:
    """Text and the font's glyph ids of one run, as laid out."""

    text: str
    glyphs: tuple[int, ...]


def document_runs(document) -> list[GlyphRun]:
    """Every glyph run of a laid-out QTextDocument, in painting order."""
    runs: list[GlyphRun] = []
    block = document.begin()
    while block.isValid():
        runs += _layout_runs(block.layout(), block.text())
        block = block.next()
    return runs


def text_runs(text: str, font) -> list[GlyphRun]:
    """The glyph runs of `text` drawn on one line in `font`, as QPainter.drawText
    lays it out (for text a PDF writer paints itself rather than from a document)."""
    from PySide6.QtGui import QTextLayout

    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return _layout_runs(layout, text)


def _layout_runs(layout, text: str) -> list[GlyphRun]:
    """The runs of each line of a laid-out QTextLayout, each with the text it shows."""
    from PySide6.QtGui import QTextLayout

    flags = (QTextLayout.GlyphRunRetrievalFlag.RetrieveGlyphIndexes
             | QTextLayout.GlyphRunRetrievalFlag.RetrieveStringIndexes)
    runs: list[GlyphRun] = []
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
    return runs


@dataclass
class _TextObject:
    font: str
    glyphs: list[int]
    first: int              # byte offset where the span opens
    end: int                # byte offset where it closes


# The parts of a content stream as Qt writes them: text objects, the font, the
# first text matrix, glyph strings, and what ends the first glyph sequence (the
# matrix or marked content of a bold run's second copy).
_TEXT_OBJECT = re.compile(rb"(?<![A-Za-z])BT\s(.*?)(?<![A-Za-z])ET(?![A-Za-z])", re.DOTALL)
_FONT = re.compile(rb"/([^\s/<>\[\]()]+)\s+[-+\d.]+\s+Tf(?![A-Za-z])")
_MATRIX = re.compile(rb"(?:[-+\d.]+\s+){6}Tm(?![A-Za-z])")
_SEQUENCE_END = re.compile(rb"(?:[-+\d.]+\s+){6}Tm(?![A-Za-z])|/[^\s/<>\[\]()]+\s*"
                           rb"(?:<<.*?>>|/[^\s/<>\[\]()]+)?\s*BDC|/[^\s/<>\[\]()]+\s+BMC",
                           re.DOTALL)
_GLYPHS = re.compile(rb"<([0-9A-Fa-f\s]*)>\s*Tj|\[([^\]]*)\]\s*TJ")
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


def _text_objects(content: bytes) -> list[_TextObject]:
    """The glyph sequence Qt writes first in each BT … ET (a bold run's second,
    offset copy follows in its own marked content and is left alone)."""
    objects: list[_TextObject] = []
    for text_object in _TEXT_OBJECT.finditer(content):
        body, offset = text_object.group(1), text_object.start(1)
        font = _FONT.search(body)
        first = _GLYPHS.search(body)
        if font is None or first is None:
            continue
        matrix = _MATRIX.search(body, font.end(), first.start())
        start = matrix.end() if matrix else font.end()
        stop = _SEQUENCE_END.search(body, first.end())
        end = stop.start() if stop else len(body)
        glyphs: list[int] = []
        for shown in _GLYPHS.finditer(body, start, end):
            strings = [shown.group(1)] if shown.group(1) is not None else \
                _HEX.findall(shown.group(2))
            for string in strings:
                digits = bytes(c for c in string if c not in b" \t\r\n")
                glyphs.extend(int(digits[i:i + 4], 16) for i in range(0, len(digits) - 3, 4))
        if glyphs:
            objects.append(_TextObject(font.group(1).decode("latin-1"), glyphs,
                                       offset + start, offset + end))
    return objects


class _Matcher:
    """Pairs text objects with glyph runs under one renumbering per embedded font."""

    def __init__(self, runs: list[GlyphRun]):
        self.runs = runs
        self.position = 0
        self.page_start = 0
        self.forward: dict[str, dict[int, int]] = {}
        self.backward: dict[str, dict[int, int]] = {}

    def _consistent(self, font: str, written: list[int], laid_out: tuple[int, ...]) -> bool:
        if len(written) != len(laid_out):
            return False
        forward = self.forward.setdefault(font, {})
        backward = self.backward.setdefault(font, {})
        return all(forward.get(w, g) == g and backward.get(g, w) == w
                   for w, g in zip(written, laid_out, strict=True))

    def new_page(self) -> None:
        """A page starts: Qt paints every block that touches it, so a block that began
        on the page before (or a heading pushed to this page, whose margin reaches back
        there) is painted on both; its runs on this page are found behind `position`."""
        self.page_start = max(0, self.position - LOOKBACK)

    def match(self, text_object: _TextObject) -> str | None:
        end = min(len(self.runs), self.position + LOOKAHEAD)
        behind = range(self.position - 1, self.page_start - 1, -1)    # nearest first
        for index in (*range(self.position, end), *behind):
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


def _span(text: str) -> bytes:
    hexed = ("\ufeff" + text).encode("utf-16-be").hex().upper()
    return b"\n/Span <</ActualText <" + hexed.encode("ascii") + b">>> BDC\n"


def _labelled(content: bytes, matcher: _Matcher) -> tuple[bytes, int, int]:
    """The content stream with its text objects labelled; (content, labelled, found)."""
    pieces: list[bytes] = []
    position = labelled = 0
    objects = _text_objects(content)
    for text_object in objects:
        text = matcher.match(text_object)
        if text is None:
            continue
        labelled += 1
        pieces += [content[position:text_object.first], _span(text),
                   content[text_object.first:text_object.end], b"\nEMC\n"]
        position = text_object.end
    pieces.append(content[position:])
    return b"".join(pieces), labelled, len(objects)


def add_actual_text(path: Path, runs: list[GlyphRun]) -> tuple[int, int]:
    """Label the text objects of the PDF at `path` with their runs' text, in place.

    Returns (text objects labelled, text objects found). The file is rewritten
    only when at least one was labelled.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject

    writer = PdfWriter(clone_from=PdfReader(str(path)))
    matcher = _Matcher(runs)
    labelled = found = 0
    for page in writer.pages:
        matcher.new_page()
        contents = page.get("/Contents")
        if contents is None:
            continue
        streams = contents.get_object()
        for stream in (streams if isinstance(streams, ArrayObject) else [contents]):
            stream = stream.get_object()
            content, done, seen = _labelled(stream.get_data(), matcher)
            labelled, found = labelled + done, found + seen
            if done:
                stream.set_data(content)
    if labelled:
        # Beside the file, then renamed: a write that fails half-way (a full disk)
        # must leave the PDF as Qt wrote it, not a truncated one.
        # With the file's own permissions: exports of names are owner-only.
        partial = path.with_name(path.name + ".labelled")
        mode = stat.S_IMODE(path.stat().st_mode)
        try:
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode),
                           "wb") as out:
                writer.write(out)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    if labelled < found:
        log.info("PDF text: %d of %d text objects labelled in %s", labelled, found, path)
    return labelled, found


def label_pdf_text(document, path: Path) -> None:
    """Give the PDF Qt just wrote at `path` from `document` its real text (see the
    module docstring). If that fails the file stays as Qt wrote it: it looks the
    same, only its text is poorer, so the export itself still succeeds."""
    label_pdf_runs(document_runs(document), path)


def label_pdf_runs(runs: list[GlyphRun], path: Path) -> None:
    """As label_pdf_text, for a PDF painted piece by piece: `runs` are the runs of
    everything drawn, in the order it was drawn (document_runs, text_runs)."""
    from pypdf.errors import PyPdfError

    try:
        add_actual_text(Path(path), runs)
    except (PyPdfError, OSError, ValueError, KeyError) as error:
        log.warning("could not add the real text to %s: %s", path, error)
