"""The facilitator's script of a module, as Markdown (no Qt): what the trainer holds in class.

Before class: the goals, what to bring and the safety rules (the title slide's
notes) and the practice kit to print; the quick-check questions with their
right answers, and the follow-up questions. Then a timing table and, slide by
slide, the minutes, the clock time, what the learners see and what the trainer
says and does (the trainer notes, with their sources). printing.py makes the PDF.
"""

from __future__ import annotations

from debc_outreach.content import labels
from debc_outreach.content.kit import KIT_MARK, load_kit
from debc_outreach.content.model import Module, Pack
from debc_outreach.content.slides import HEADING, plain_text, strip_inline
from debc_outreach.content.sources import cited_sources


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("|", "\\|")


def clock(minutes: int) -> str:
    """Minutes since the start as h:mm (0:05, 1:00)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def slide_minutes(module: Module) -> tuple[int, ...]:
    """Minutes per slide, or () when the module gives none or they do not match the slides."""
    minutes = module.slide_minutes
    return minutes if len(minutes) == len(module.slides("km") or module.slides("en")) else ()


def script_markdown(module: Module, pack: Pack, lang: str) -> str:
    def label(message: str) -> str:
        return labels.label(message, lang)

    slides = module.slides(lang)
    minutes = slide_minutes(module)
    total = sum(minutes) if minutes else module.duration_minutes
    parts = [f"# {_escape(module.title(lang))}",
             "*" + _escape(" · ".join([label(labels.SCRIPT_TITLE),
                                       label(labels.MINUTES).format(n=total),
                                       f"{pack.title(lang)} {pack.version}"])) + "*"]
    if module.needs_review(lang):
        parts.append("*" + _escape(label(labels.NEEDS_REVIEW)) + "*")
    parts.append("## " + label(labels.SCRIPT_BEFORE_CLASS))
    if slides and slides[0].notes:
        parts.append(_notes(slides[0].notes))
    try:
        kit = load_kit(module)
    except (OSError, ValueError):
        kit = ()
    if kit:
        parts.append(label(labels.SCRIPT_PRINT_KIT))
    parts += _questions(module, lang, label)
    if minutes:
        parts.append("## " + label(labels.SCRIPT_TIMING))
        rows = [f"| {label(labels.SCRIPT_SLIDE)} | {label(labels.SCRIPT_CLOCK)} | "
                f"{label(labels.SCRIPT_MINUTES)} |", "|---|---|---|"]
        start = 0
        for slide, spent in zip(slides, minutes, strict=False):
            rows.append(f"| {slide.index + 1}. {_escape(_heading(slide))} | "
                        f"{clock(start)}–{clock(start + spent)} | {spent} |")
            start += spent
        parts.append("\n".join(rows))
    parts.append("## " + label(labels.SCRIPT_SLIDE_BY_SLIDE))
    start = 0
    for position, slide in enumerate(slides):
        spent = minutes[position] if minutes else None
        timing = (f" ({label(labels.MINUTES).format(n=spent)}, {clock(start)}–"
                  f"{clock(start + spent)})" if spent is not None else "")
        parts.append(f"### {slide.index + 1}. {_escape(_heading(slide))}{_escape(timing)}")
        shown = [line for line in plain_text("\n".join(
            line for line in slide.body.splitlines() if not HEADING.match(line.strip())
        )).splitlines() if line.strip()]
        if shown:
            parts.append("\n".join(f"> {_escape(line)}  " for line in shown))
        if position and slide.notes:
            parts.append(f"**{_escape(label(labels.SCRIPT_SAY_AND_DO))}**")
            parts.append(_notes(slide.notes))
        start += spent or 0
    cited = cited_sources("\n".join(s.notes for s in slides), module.sources)
    if cited:
        parts.append("## " + label(labels.SOURCES))
        parts.append("\n".join(f"- [{s.n}] {s.url}" for s in cited))
    return "\n\n".join(parts) + "\n"


def _questions(module: Module, lang: str, label) -> list[str]:
    """The quick check (right answer marked) and the follow-up questions, for the trainer."""
    parts = []
    if module.quick_checks:
        parts += ["## " + label(labels.SCRIPT_QUICK_CHECK),
                  _escape(label(labels.SCRIPT_QUICK_CHECK_HOW))]
        for number, question in enumerate(module.quick_checks, start=1):
            answers = "\n".join(
                f"    {i + 1}. {_escape(answer.text(lang))}" + (" ✔" if i == question.correct
                                                                 else "")
                for i, answer in enumerate(question.answers))
            parts.append(f"{number}. {_escape(question.text(lang))}\n\n{answers}")
    if module.follow_ups:
        parts.append("## " + label(labels.SCRIPT_FOLLOW_UP))
        parts.append("\n".join(
            f"- {_escape(question.text(lang))} ("
            + " / ".join(_escape(answer.text(lang)) for answer in question.answers) + ")"
            for question in module.follow_ups))
    return parts


def _heading(slide) -> str:
    """The slide's own title: its `###` subheading on a section's first slide, if any."""
    headings = [HEADING.match(line.strip()) for line in slide.body.splitlines()]
    titles = [strip_inline(m.group(2)) for m in headings if m]
    return titles[1] if len(titles) > 1 else (titles[0] if titles else slide.heading)


def _notes(notes: str) -> str:
    """Trainer notes as a list, one line a point; `Kit:` lines stay as they are."""
    lines = [line.strip() for line in notes.splitlines() if line.strip()]
    return "\n".join(f"- {_escape(strip_inline(line))}" if not line.startswith(KIT_MARK)
                     else f"- *{_escape(line)}*" for line in lines)
