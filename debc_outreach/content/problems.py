"""Problems found in a content pack: where (file, line), what, and how bad.

Errors make `content check` fail and an import be refused; warnings are
shown but allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from debc_outreach.core.khmer_text import khmer_problems
from debc_outreach.i18n import _


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str
    severity: str = "error"        # "error" or "warning"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity_label()}: {self.message}"

    def severity_label(self) -> str:
        return _("error") if self.severity == "error" else _("warning")


class Report:
    """Collects problems as the checks find them."""

    def __init__(self):
        self.problems: list[Problem] = []

    def error(self, file: Path, line: int, message: str) -> None:
        self.problems.append(Problem(file, max(1, line), message))

    def warning(self, file: Path, line: int, message: str) -> None:
        self.problems.append(Problem(file, max(1, line), message, "warning"))


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def check_khmer_lines(report: Report, path: Path, text: str) -> None:
    messages = {
        "zwsp": _("stray zero width space (U+200B) at column {column}; it is added "
                  "for display only, remove it from the source"),
        "double-coeng": _("doubled COENG (U+17D2) at column {column}"),
        "dotted-circle": _("Khmer mark without a base at column {column} (shows a "
                           "dotted circle)"),
    }
    for number, line in enumerate(text.splitlines(), start=1):
        for column, kind in khmer_problems(line):
            report.error(path, number, messages[kind].format(column=column))
