"""PDF pages and charts: the one part of reports/ that uses Qt.

`render.render_pdf()` turns HTML into an A4 PDF with the bundled Khmer font
embedded; `charts` paints bar charts with QPainter for the PDF summary and
for the dashboard alike (matplotlib does not shape Khmer).
"""
