"""Figures, charts, exports, printed documents and certificate verification."""
