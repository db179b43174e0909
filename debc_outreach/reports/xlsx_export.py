"""XLSX workbooks through xlsxwriter in constant-memory mode (rows go straight to disk).

Every format, the workbook default included, names the Khmer font explicitly,
so Excel on a computer without Khmer fallback still shows the text. Dates
are real date cells; each sheet has a frozen header row, an autofilter and
column widths from the header and the first rows.

A sheet of a million rows (`text_sheet`) does not go cell by cell through
xlsxwriter, which costs minutes: each row becomes one XML string with a
template, the rows wait in a temporary file, and `close()` puts them into the
sheet xlsxwriter wrote (header, widths, filter, notes), so the workbook takes
about as long as the CSV of the same rows plus compression.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

FONT = "Noto Sans Khmer"
FONT_SIZE = 10
EXCEL_MAX_ROWS = 1_048_576
WIDTH_SAMPLE = 200          # rows looked at for column widths (later rows are not held)
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
# Text in cell XML: markup characters escaped, and the control characters XML
# forbids written as Excel's _xHHHH_ escapes (as xlsxwriter does).
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                           **{code: f"_x{code:04X}_" for code in range(32)
                              if chr(code) not in "\t\n\r"}})


class Workbook:
    """A workbook whose every format carries the Khmer font."""

    def __init__(self, path: Path):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"})
        self.book.formats[0].set_font_name(FONT)        # the default cell format
        self.book.formats[0].set_font_size(FONT_SIZE)
        self.text = self.format()
        self.header = self.format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                                   "valign": "top", "bottom": 1})
        self.date = self.format({"num_format": "yyyy-mm-dd"})
        self.percent = self.format({"num_format": "0%"})
        self.integer = self.format({"num_format": "#,##0"})
        self.title = self.format({"bold": True, "font_size": 14})
        self.note = self.format({"italic": True, "font_color": "#555555"})
        self._spliced: dict[str, object] = {}      # sheet file in the zip -> its rows

    def format(self, properties: dict | None = None):
        return self.book.add_format({"font_name": FONT, "font_size": FONT_SIZE,
                                     **(properties or {})})

    def close(self) -> None:
        self.book.close()
        if self._spliced:
            _splice_rows(Path(self.book.filename), self._spliced)
        for rows in self._spliced.values():
            rows.close()
        self._spliced.clear()

    def text_sheet(self, name: str, headers: list[str], chunks: Iterable[list[tuple]], *,
                   tick: Callable[[int], None] | None = None) -> int:
        """Like `sheet` for rows of text whose first cell is an ISO date, fast enough for a
        million rows (see the module docstring). Returns the number of rows."""
        widths = [min(40, max(8, _text_width(h) * 0.6)) for h in headers]
        text = (f'<c s="{self.text._get_xf_index()}" t="inlineStr">'
                '<is><t xml:space="preserve">%s</t></is></c>')
        template = (f'<row r="%d"><c s="{self.date._get_xf_index()}"><v>%d</v></c>'
                    + text * (len(headers) - 1) + "</row>")
        number, count, row_index = 1, 0, 1
        sheet, rows = self._new_spliced_sheet(name, headers)
        ordinal = _EXCEL_EPOCH
        fromiso = dt.date.fromisoformat
        for chunk in chunks:
            lines = []
            for row in chunk:
                if row_index >= EXCEL_MAX_ROWS - 4:
                    rows.write("".join(lines).encode("utf-8"))
                    lines = []
                    self._finish(sheet, headers, widths, row_index, [])
                    number += 1
                    sheet, rows = self._new_spliced_sheet(f"{name} {number}", headers)
                    row_index = 1
                if count < WIDTH_SAMPLE:
                    for column, value in enumerate(row):
                        widths[column] = max(widths[column], min(50, _text_width(value)))
                row_index += 1
                count += 1
                lines.append(template % (row_index, fromiso(row[0]).toordinal() - ordinal,
                                         *[value.translate(_XML_TEXT) for value in row[1:]]))
            rows.write("".join(lines).encode("utf-8"))
            if tick is not None:
                tick(count)
        self._finish(sheet, headers, widths, row_index, [])
        return count

    def _new_spliced_sheet(self, name: str, headers: list[str]):
        sheet = self._new_sheet(name, headers)
        rows = tempfile.TemporaryFile()
        self._spliced[f"xl/worksheets/sheet{len(self.book.worksheets())}.xml"] = rows
        return sheet, rows

    def sheet(self, name: str, headers: list[str], rows: Iterable[tuple], *,
              percent_columns: tuple[int, ...] = (),
              notes: list[str] | Callable[[], list[str]] = (),
              tick: Callable[[int], None] | None = None) -> int:
        """Write one table sheet (more sheets `name 2`, … past Excel's row limit).

        `notes` go under the table; a callable is asked after the rows are written
        (for counts only known then, such as people left unnamed).
        """
        widths = [min(40, max(8, _text_width(h) * 0.6)) for h in headers]
        sheet = self._new_sheet(name, headers)
        number, row_index = 1, 1
        count = 0
        for row in rows:
            if row_index >= EXCEL_MAX_ROWS - 4:
                self._finish(sheet, headers, widths, row_index, [])
                number += 1
                sheet = self._new_sheet(f"{name} {number}", headers)
                row_index = 1
            for column, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(row_index, column,
                                         dt.datetime(value.year, value.month, value.day),
                                         self.date)
                elif isinstance(value, bool) or value is None:
                    sheet.write_string(row_index, column, "" if value is None else str(value),
                                       self.text)
                elif isinstance(value, (int, float)):
                    sheet.write_number(row_index, column, value,
                                       self.percent if column in percent_columns
                                       else self.integer if isinstance(value, int)
                                       else self.text)
                else:
                    sheet.write_string(row_index, column, value, self.text)
                if count < WIDTH_SAMPLE:
                    widths[column] = max(widths[column], min(50, _text_width(value)))
            row_index += 1
            count += 1
            if tick is not None and count % 5000 == 0:
                tick(count)
        self._finish(sheet, headers, widths, row_index, notes() if callable(notes) else notes)
        return count

    def _new_sheet(self, name: str, headers: list[str]):
        sheet = self.book.add_worksheet(name[:31])
        sheet.freeze_panes(1, 0)
        sheet.set_row(0, 36)
        for column, text in enumerate(headers):
            sheet.write_string(0, column, text, self.header)
        return sheet

    def _finish(self, sheet, headers: list[str], widths: list[float], rows: int,
                notes: list[str]) -> None:
        # Column widths and the filter are stored in the sheet header, not in the rows,
        # so they can be set after the rows in constant-memory mode.
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        sheet.autofilter(0, 0, max(rows - 1, 0), len(headers) - 1)
        for offset, note in enumerate(notes):
            sheet.write_string(rows + 1 + offset, 0, note, self.note)

    def figures_sheet(self, name: str, title: str, pairs: list[tuple[str, object]],
                      notes: list[str] = ()) -> None:
        """A small two-column sheet of named figures (the summary)."""
        sheet = self.book.add_worksheet(name[:31])
        sheet.set_column(0, 0, 42)
        sheet.set_column(1, 1, 18)
        sheet.write_string(0, 0, title, self.title)
        row = 2
        for label, value in pairs:
            sheet.write_string(row, 0, label, self.text)
            if isinstance(value, float):
                sheet.write_number(row, 1, value, self.percent)
            elif isinstance(value, int):
                sheet.write_number(row, 1, value, self.integer)
            else:
                sheet.write_string(row, 1, str(value), self.text)
            row += 1
        for note in notes:
            row += 1
            sheet.write_string(row, 0, note, self.note)


def _text_width(value) -> float:
    """Column width in Excel units; Khmer clusters are wide, combining marks take none."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    width = 0.0
    for char in text:
        code = ord(char)
        if 0x17B4 <= code <= 0x17D3 or code in (0x200B, 0x200C, 0x200D):
            continue                    # vowels, signs and coeng sit on the base letter
        width += 1.5 if 0x1780 <= code <= 0x17FF else 1.1
    return width + 2


def _splice_rows(path: Path, spliced: dict[str, object]) -> None:
    """Rewrite the saved workbook with the rows of `spliced` after each sheet's header."""
    temporary = path.with_name(path.name + ".rows")
    with zipfile.ZipFile(path) as source, \
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for member in source.infolist():
            data = source.read(member.filename)
            rows = spliced.get(member.filename)
            if rows is None:
                out.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            sheet = data.decode("utf-8")
            head, tail = sheet.split("</row>", 1)           # after the header row
            head = re.sub(r'<dimension ref="[^"]*"/>', "", head, count=1)
            with out.open(member.filename, "w", force_zip64=True) as target:
                target.write((head + "</row>").encode("utf-8"))
                rows.seek(0)
                shutil.copyfileobj(rows, target, 1 << 20)
                target.write(tail.encode("utf-8"))
    temporary.replace(path)
