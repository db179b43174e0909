"""The text of a printed handout, as Markdown (no Qt): what a learner takes home.

Slide bodies in order (trainer notes left out), the checklist as a self-check
list with empty boxes, the glossary words the module uses, and its sources.
"""

from __future__ import annotations

from debc_outreach.content import labels
from debc_outreach.content.model import Module, Pack
from debc_outreach.content.slides import glossary_links
from debc_outreach.i18n import printed_digits


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def handout_markdown(module: Module, pack: Pack, lang: str) -> str:
    def label(message: str) -> str:
        return labels.label(message, lang)

    parts: list[str] = []
    slides = module.slides(lang)
    for slide in slides:
        if slide.body.strip():
            parts.append(slide.body.strip())
    meta = [pack.title(lang), label(labels.MINUTES).format(
        n=printed_digits(str(module.duration_minutes))),
            ", ".join(label(labels.AUDIENCE_LABELS.get(a, a)) for a in module.audience)]
    parts.insert(1 if parts else 0, "*" + _escape(" · ".join(m for m in meta if m)) + "*")
    if module.needs_review(lang):
        parts.append("*" + _escape(label(labels.NEEDS_REVIEW)) + "*")

    parts.append("## " + label(labels.SELF_CHECK))
    parts.append(label(labels.SELF_CHECK_HINT))
    parts.append("\n".join(f"- [ ] {_escape(item.text(lang))}" for item in module.checklist))

    used: list[str] = []
    for slide in slides:
        for term_id in glossary_links(slide.body):
            if term_id in pack.glossary and term_id not in used:
                used.append(term_id)
    if used:
        parts.append("## " + label(labels.WORDS_TO_KNOW))
        terms = [pack.glossary[t] for t in used]
        parts.append("\n".join(
            f"- **{_escape(t.term(lang))}**: {_escape(t.meaning(lang))}" for t in terms))
    if module.sources:
        parts.append("## " + label(labels.SOURCES))
        parts.append("\n".join(f"- [{s.n}] {s.url}" for s in module.sources))
    return "\n\n".join(parts) + "\n"
