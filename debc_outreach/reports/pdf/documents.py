"""HTML of the PDF documents (sheets, lists, summary); `render_pdf` lays them out.

Styles are kept to what QTextDocument supports (tables with borders, cell
padding, font sizes). Every user string goes through `formatting.text`.
"""

from __future__ import annotations

from dataclasses import dataclass

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_
from debc_outreach.reports.formatting import text

STYLE = """
<style>
body { font-family: 'Noto Sans Khmer'; }
h1 { font-size: 16pt; font-weight: 600; margin: 0 0 4px 0; }
h2 { font-size: 12.5pt; font-weight: 600; margin: 12px 0 4px 0; }
p.meta { font-size: 9pt; color: #333333; margin: 0; }
p.note { font-size: 8.5pt; color: #555555; margin: 6px 0 0 0; }
table.grid { border-collapse: collapse; }
table.grid th { background-color: #DDEBF7; font-weight: 600; font-size: 8.5pt; }
table.grid td { font-size: 9pt; }
td.num { text-align: right; }
</style>
"""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[int] | None = None          # percent per column
    numeric: tuple[int, ...] = ()
    row_height: int = 0                      # px; a taller row leaves room to sign


def table_html(table: Table) -> str:
    parts = ['<table class="grid" width="100%" border="1" cellspacing="0" cellpadding="4">',
             "<thead><tr>"]
    for index, header in enumerate(table.headers):
        width = f' width="{table.widths[index]}%"' if table.widths else ""
        parts.append(f"<th{width}>{text(header)}</th>")
    parts.append("</tr></thead><tbody>")
    height = f' height="{table.row_height}"' if table.row_height else ""
    for row in table.rows:
        parts.append("<tr>")
        for index, cell in enumerate(row):
            css = ' class="num" align="right"' if index in table.numeric else ""
            parts.append(f"<td{css}{height}>{text(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def meta_html(pairs: list[tuple[str, str]]) -> str:
    return "".join(f'<p class="meta"><b>{text(k)}:</b> {text(v)}</p>' for k, v in pairs if v)


def heading(title: str, level: int = 2) -> str:
    """A section heading; `title` is already translated (never mark strings inside f-strings:
    Babel's extractor does not look into them, so they would stay English)."""
    return f"<h{level}>{text(title)}</h{level}>"


def page(title: str, body: str) -> str:
    return f"<html><head>{STYLE}</head><body><h1>{text(title)}</h1>{body}</body></html>"


PAGE_BREAK = '<p style="page-break-before: always; margin: 0;"></p>'


def privacy_note(unnamed: int, lang: str) -> str:
    if not unnamed:
        return ""
    from debc_outreach.reports.formatting import number

    message = label(N_("Participants without consent (counted, not named): {n}"), lang)
    return f'<p class="note">{text(message.format(n=number(unnamed, lang)))}</p>'
