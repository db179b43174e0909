"""Checks of a module's slide files (km.md, en.md): structure, links, pictures, Khmer.

Part of `content check` (validator.py): every slide renders something, the
sections come in teaching order, both languages have the same slides, image
and glossary links resolve, and the Khmer has no typing faults.
"""

from __future__ import annotations

import re
from pathlib import Path

from debc_outreach.content.model import SECTION_HEADINGS, SECTIONS
from debc_outreach.content.problems import Report, check_khmer_lines
from debc_outreach.content.slides import (
    GLOSSARY_SCHEME,
    HEADING,
    IMAGE,
    LINK,
    image_references,
    plain_text,
    split_slides,
    title_line,
)
from debc_outreach.i18n import _

IMAGE_TYPES = (".svg", ".png", ".jpg", ".jpeg")


def check_unused_images(report: Report, folder: Path, bodies: dict[str, tuple],
                        also_used: set[Path] = frozenset()) -> None:
    """Warn about files in images/ that no slide (and no kit item in `also_used`) shows."""
    images = folder / "images"
    if not images.is_dir():
        return
    used = {(folder / ref).resolve() for slides in bodies.values() for slide in slides
            for _alt, ref in image_references(slide.body)} | set(also_used)
    for path in sorted(images.iterdir()):
        if path.is_file() and path.resolve() not in used:
            report.warning(path, 1, _("image is not used by any slide"))


def check_body(report: Report, folder: Path, path: Path, lang: str,
               glossary_ids: set[str] | None, allowed_latin: tuple[str, ...] | None = None
               ) -> tuple:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.error(path, 1, _("file is not UTF-8 text"))
        return ()
    check_khmer_lines(report, path, text)
    slides = split_slides(text, lang)
    if not title_line(text):
        report.error(path, 1, _("the first slide must start with a \"# title\" line"))
    for slide in slides:
        if not plain_text(slide.body).strip() and not image_references(slide.body):
            report.error(path, slide.line, _("slide {n} renders empty").format(n=slide.index + 1))
        first = next((line.strip() for line in slide.body.splitlines() if line.strip()), "")
        match = HEADING.match(first)
        if match and len(match.group(1)) == 2 and slide.section is None:
            report.error(path, slide.line, _("unknown section heading \"{heading}\"; use one "
                                             "of: {allowed}").format(
                heading=match.group(2), allowed=", ".join(_section_names(lang))))
    for number, line in enumerate(text.splitlines(), start=1):
        for alt, reference in image_references(line):
            check_image(report, folder, path, number, alt, reference)
        for match in LINK.finditer(line):
            target = match.group(2)
            if target.startswith(GLOSSARY_SCHEME):
                term = target[len(GLOSSARY_SCHEME):]
                if glossary_ids is not None and term not in glossary_ids:
                    report.error(path, number, _("glossary link to unknown term {term}")
                                 .format(term=term))
            elif not re.match(r"^https?://", target):
                report.error(path, number, _("broken link {target}: use glossary:<term> "
                                             "or a full https:// address").format(
                    target=target))
    _check_section_order(report, path, slides, lang)
    if lang == "km" and allowed_latin is not None:
        for slide in slides:
            _check_latin_words(report, path, slide, allowed_latin)
    return slides


LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
ADDRESS = re.compile(r"\S+\.[a-z]{2,}\S*")      # verify.gov.kh, shop.example, …
CODE_SPAN = re.compile(r"`[^`]*`")


def english_words(text: str, allowed: tuple[str, ...]) -> list[str]:
    """English words in one line of Khmer text, except names and labels on the allow-list.

    Web addresses, link targets, code and pictures are not text to read.
    """
    text = IMAGE.sub("", text)
    text = LINK.sub(lambda m: m.group(1), text)
    text = ADDRESS.sub(" ", CODE_SPAN.sub(" ", text))
    for phrase in sorted(allowed, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", " ", text)
    return LATIN_WORD.findall(text)


def _check_latin_words(report: Report, path: Path, slide, allowed: tuple[str, ...]) -> None:
    """English words left in Khmer slide text: learners read the Khmer slides, and an
    English word there is one they may not know."""
    for offset, line in enumerate(slide.body.splitlines()):
        words = english_words(line, allowed)
        if words:
            report.error(path, slide.line + offset, _(
                "English in Khmer slide text: {words}; use a Khmer word, or add a name or "
                "menu label to allowed_latin in pack.toml").format(words=", ".join(words)))


def _check_section_order(report: Report, path: Path, slides: tuple, lang: str) -> None:
    """Story → Demonstrate → Practise → Recap, each once (the curriculum's teaching order)."""
    seen: list[str] = []
    for slide in slides:
        if slide.section is None:
            continue
        if slide.section in seen:
            report.error(path, slide.line, _("section \"{heading}\" appears twice").format(
                heading=slide.heading))
        elif seen and SECTIONS.index(slide.section) < SECTIONS.index(seen[-1]):
            report.error(path, slide.line, _("section \"{heading}\" is out of order; the order "
                                             "is: {order}").format(
                heading=slide.heading, order=" → ".join(_section_names(lang))))
        seen.append(slide.section)
    missing = [name for name, key in zip(_section_names(lang), SECTIONS, strict=True)
               if key not in seen]
    if missing and slides:
        report.warning(path, 1, _("missing section(s): {sections}").format(
            sections=", ".join(missing)))


def _section_names(lang: str) -> list[str]:
    return list(SECTION_HEADINGS.get(lang, {}))


def check_image(report: Report, folder: Path, path: Path, line: int, alt: str,
                reference: str) -> None:
    """An image reference of `path` (line `line`) names an SVG, PNG or JPEG in the module."""
    try:
        target = (folder / reference).resolve()
    except (OSError, ValueError):     # a NUL byte or a name the system refuses
        report.error(path, line, _("broken image link {ref}").format(ref=reference))
        return
    if reference.startswith(("/", "\\")) or not target.is_relative_to(folder.resolve()):
        report.error(path, line, _("image {ref} must be inside the module folder").format(
            ref=reference))
    elif not target.is_file():
        report.error(path, line, _("broken image link {ref}").format(ref=reference))
    elif target.suffix.lower() not in IMAGE_TYPES:
        report.error(path, line, _("image {ref} must be SVG, PNG or JPEG").format(
            ref=reference))
    elif target.suffix.lower() == ".svg" and b"<svg" not in target.read_bytes()[:4096]:
        report.error(path, line, _("image {ref} is not an SVG file").format(ref=reference))
    if not alt.strip():
        report.warning(path, line, _("image {ref} has no description (alt text) for "
                                     "people who cannot see it").format(ref=reference))


def compare_bodies(report: Report, folder: Path, bodies: dict[str, tuple]) -> None:
    if len(bodies) < 2:
        return
    (first_lang, first), *others = bodies.items()
    for lang, slides in others:
        path = folder / f"{lang}.md"
        if len(slides) != len(first):
            report.error(path, slides[-1].line if slides else 1,
                         _("{n} slides, but {first}.md has {m}: both languages need the same "
                           "slides in the same order").format(
                             n=len(slides), first=first_lang, m=len(first)))
            continue
        for mine, theirs in zip(slides, first, strict=True):
            if mine.section != theirs.section:
                report.error(path, mine.line, _("slide {n} is section {mine} but in {first}.md "
                                                "it is {theirs}").format(
                    n=mine.index + 1, mine=mine.section or "-", first=first_lang,
                    theirs=theirs.section or "-"))
