"""Coordinator reports: figures, disaggregation, targets, and CSV/XLSX/PDF exports.

No Qt here except in `reports/pdf/` (PDF pages and chart painting), which the
rest reaches through `pdf.render.render_pdf()` and `pdf.charts`.
"""
