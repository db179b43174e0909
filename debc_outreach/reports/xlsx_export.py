"""XLSX workbooks through xlsxwriter in constant-memory mode (rows go straight to disk).

Every format, the workbook default included, names the Khmer font explicitly,
so Excel on a computer without Khmer fallback still shows the text. Dates
are real date cells; each sheet has a frozen header row, an autofilter and
column widths from the header and the first rows.

xlsxwriter keeps each sheet in a temporary file until `close()` zips them:
those files hold participants' names in plain text, so they go to a folder of
their own under `tempfile`'s folder (the data folder's private temp folder
while a store is open, see storage/private_temp.py), removed whatever happens.
A failed write (a full disk) is raised as the OSError it is, with nothing left
for zipfile to complain about on stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from debc_outreach.errors import UserError
from debc_outreach.i18n import _

FONT = "Noto Sans Khmer"
FONT_SIZE = 10
EXCEL_MAX_ROWS = 1_048_576
WIDTH_SAMPLE = 200          # rows looked at for column widths (later rows are not held)
SPILL_MARGIN = 1 << 20      # less free space than this on the sheets' disk: that one is full


class Workbook:
    """A workbook whose every format carries the Khmer font."""

    def __init__(self, path: Path):
        import xlsxwriter

        self._spill = Path(tempfile.mkdtemp(prefix="xlsx-"))
        self._out = _DroppingFile(path)
        self.book = xlsxwriter.Workbook(self._out, {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
            "tmpdir": str(self._spill)})
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

    def format(self, properties: dict | None = None):
        return self.book.add_format({"font_name": FONT, "font_size": FONT_SIZE,
                                     **(properties or {})})

    def close(self) -> None:
        """Zip the sheets into the file; raise OSError if it cannot be written."""
        from xlsxwriter.exceptions import FileCreateError

        try:
            self.book.close()
        except FileCreateError as error:
            cause = error.args[0] if error.args else None
            self._out.give_up()
            # The half-written ZipFile lives in the traceback's frames; freed now, its
            # clean-up writes into the dropping file instead of printing a traceback.
            traceback.clear_frames(error.__traceback__)
            if isinstance(cause, OSError):
                raise self._where_full(cause) from None
            raise
        finally:
            self.discard()

    def _where_full(self, error: OSError) -> Exception:
        """`error`, or a clearer one when the full disk is the data folder's (where the
        sheets wait), not the one the file goes to; asked before the sheets are removed."""
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            return error
        try:
            elsewhere = os.stat(self._spill).st_dev != os.stat(
                Path(self._out.name).parent).st_dev
            full = shutil.disk_usage(self._spill).free < SPILL_MARGIN
        except OSError:
            return error
        if not (elsewhere and full):
            return error
        return UserError(_("The disk holding the data folder is full: an export needs room "
                           "there while it is written. Free some space on that disk; nothing "
                           "was written."))

    def discard(self) -> None:
        """Close the sheets' temporary files and remove them (also after a failure)."""
        self.book.fileclosed = True      # xlsxwriter's destructor would try to zip them
        for worksheet in self.book.worksheets():
            handle = getattr(worksheet, "row_data_fh", None)
            if handle is not None and not handle.closed:
                with contextlib.suppress(OSError):    # a full disk: the file goes anyway
                    handle.close()
        with contextlib.suppress(OSError):
            self._out.close()
        shutil.rmtree(self._spill, ignore_errors=True)

    def sheet(self, name: str, headers: list[str], rows: Iterable[tuple], *,
              percent_columns: tuple[int, ...] = (),
              notes: list[str] | Callable[[], list[str]] = (),
              tick: Callable[[int], None] | None = None) -> int:
        """Write one table sheet (more sheets `name 2`, … past Excel's row limit).

        `notes` go under the table; a callable is asked after the rows are written
        (for counts only known then, such as people left unnamed).
        """
        try:
            return self._sheet(name, headers, rows, percent_columns, notes, tick)
        except OSError as error:            # the rows go to a temporary file first
            raise self._where_full(error) from error

    def _sheet(self, name: str, headers: list[str], rows: Iterable[tuple],
               percent_columns: tuple[int, ...],
               notes: list[str] | Callable[[], list[str]],
               tick: Callable[[int], None] | None) -> int:
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


class _DroppingFile(io.FileIO):
    """The workbook's file; after a failed write, later writes are dropped.

    zipfile writes its closing directory again when a failed ZipFile is
    collected, which prints "Exception ignored …" on stderr; the file is being
    thrown away by then (reports/atomic.py), so those writes may go nowhere. The
    position keeps counting, so zipfile's sums of offsets stay valid.
    """

    def __init__(self, path: Path):
        super().__init__(str(path), "w+")
        self.failed = False
        self._position = 0

    def give_up(self) -> None:
        """Drop every later write (the file is being thrown away)."""
        if not self.failed:
            with contextlib.suppress(OSError, ValueError):
                self._position = super().tell()
            self.failed = True

    def _dropping(self) -> bool:
        return self.failed or self.closed

    def write(self, data) -> int:
        if self._dropping():
            self._position += len(data)
            return len(data)
        try:
            return super().write(data)
        except OSError:
            self.give_up()
            raise

    def flush(self) -> None:
        if not self._dropping():
            super().flush()

    def tell(self) -> int:
        return self._position if self._dropping() else super().tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._dropping():
            return super().seek(offset, whence)
        if whence == io.SEEK_SET:
            self._position = offset
        elif whence == io.SEEK_CUR:
            self._position += offset
        return self._position
