"""A module's quick checks as slides, for the presenter.

After the title slide, before the story, the trainer asks the module's
quick-check questions, and asks them again right after the recap, so the
session screen can record what people knew before and after. Each question is
one slide in the slide language: the picture, the spoken question and the answers numbered 1, 2, 3
(the keys the trainer presses to record an answer). The right answer is only
in the trainer notes, never on the projected slide.
"""

from __future__ import annotations

from dataclasses import replace

from debc_outreach import i18n
from debc_outreach.content.labels import label
from debc_outreach.content.model import LANGUAGES, Module, QuickCheck, Slide
from debc_outreach.i18n import N_

PHASES = ("before", "after")
HEADINGS = {
    "before": N_("Quick check, before the lesson · {n}/{total}"),
    "after": N_("Quick check, after the lesson · {n}/{total}"),
}
HOW_TO_ASK = {
    "before": N_("Read the question and the answers aloud. People answer before the lesson; "
                 "do not say which answer is right yet."),
    "after": N_("Ask again after the recap, then say which answer is right and why."),
}
RIGHT_ANSWER = N_("Right answer: {n}. {answer}")
RECORD_KEYS = N_("Record each person's answer on the session screen with the keys 1, 2, 3.")
CHECKS_SKILL = N_("It checks: {item}")
SOURCE = N_("Source: {numbers}")


def answer_key(index: int) -> str:
    """The key (and the number on the slide) for answer `index`: 1, 2, 3."""
    return str(index + 1)


def quick_check_slides(module: Module, lang: str, phase: str) -> tuple[Slide, ...]:
    """One slide per quick check of `module`, in `lang`, for `phase` ("before"/"after")."""
    total = len(module.quick_checks)
    return tuple(
        Slide(index=number - 1, body=_body(module, question, lang, phase, number, total),
              notes=_notes(module, question, lang, phase), line=0,
              heading=_heading(phase, lang, number, total))
        for number, question in enumerate(module.quick_checks, start=1))


def _heading(phase: str, lang: str, number: int, total: int) -> str:
    return label(HEADINGS[phase], lang).format(n=i18n.format_number(number),
                                               total=i18n.format_number(total))


def _body(module: Module, question: QuickCheck, lang: str, phase: str, number: int,
          total: int) -> str:
    # The label is small; the question, which the trainer reads aloud, is the heading.
    lines = [f"*{_heading(phase, lang, number, total)}*", "",
             f"### {question.text(lang)}", ""]
    if question.image:
        lines += [f"![{question.text(lang)}]({question.image})", ""]
    lines += [f"**{answer_key(i)}** · {answer.text(lang)}" + "  "
              for i, answer in enumerate(question.answers)]
    return "\n".join(lines).rstrip()


def _notes(module: Module, question: QuickCheck, lang: str, phase: str) -> str:
    notes = [label(HOW_TO_ASK[phase], lang), label(RECORD_KEYS, lang)]
    if 0 <= question.correct < len(question.answers):
        notes.append(label(RIGHT_ANSWER, lang).format(
            n=answer_key(question.correct),
            answer=question.answers[question.correct].text(lang)))
    skill = next((item for item in module.checklist if item.id == question.message), None)
    if skill is not None:
        notes.append(label(CHECKS_SKILL, lang).format(item=skill.text(lang)))
    if question.sources:
        notes.append(label(SOURCE, lang).format(
            numbers="".join(f"[{n}]" for n in question.sources)))
    return "\n\n".join(notes)


def with_quick_checks(module: Module) -> Module:
    """`module` with its quick checks as slides after its title slide and after its recap.

    A module without quick checks comes back unchanged. Slide timings are dropped:
    they count the module's own slides only.
    """
    if not module.quick_checks:
        return module
    bodies = {}
    for lang in LANGUAGES:
        slides = module.bodies.get(lang)
        if not slides:
            continue
        recap = _recap_end(slides)
        deck = (*slides[:1], *quick_check_slides(module, lang, "before"), *slides[1:recap],
                *quick_check_slides(module, lang, "after"), *slides[recap:])
        bodies[lang] = tuple(replace(slide, index=i) for i, slide in enumerate(deck))
    return replace(module, bodies=bodies, slide_minutes=())


def _recap_end(slides: tuple[Slide, ...]) -> int:
    """Index just after the recap slide (an optional appendix may follow it); else the end."""
    recap = next((s.index for s in slides if s.section == "recap"), None)
    return len(slides) if recap is None else recap + 1
