"""Build-time catalog tools: extract, update and compile (Babel, no msgfmt).

Used by the hatch build hook (compile) and by `python dev.py i18n` (extract
and update). Kept apart from `i18n.py` so the running app never imports
Babel's message tooling.
"""

from __future__ import annotations

from pathlib import Path

DOMAIN = "messages"
LANGUAGES = ("km", "en")
# Marker functions and their argument specs, for extraction.
KEYWORDS = {"_": None, "N_": None, "tr_": (1,), "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}


def compile_catalogs(src: Path, dest: Path) -> list[Path]:
    """Compile every `src/<lang>/LC_MESSAGES/messages.po` into `dest`, return .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(src.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po_path.parent.parent.name
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        mo_path = dest / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


def extract(root: Path) -> Path:
    """Extract every marked string from the package into locales/messages.pot."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    catalog = Catalog(project="DEBC Outreach", msgid_bugs_address="", charset="utf-8")
    method_map = [("debc_outreach/**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        if filename.startswith("tests"):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    pot = root / "locales" / f"{DOMAIN}.pot"
    with pot.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False)
    return pot


def update(root: Path) -> dict[str, int]:
    """Merge the template into each language's .po; return untranslated counts."""
    from babel.messages.pofile import read_po, write_po

    with (root / "locales" / f"{DOMAIN}.pot").open("rb") as f:
        template = read_po(f)
    missing = {}
    for lang in LANGUAGES:
        po_path = root / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=lang)
        else:
            from babel.messages.catalog import Catalog
            catalog = Catalog(locale=lang, project="DEBC Outreach")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path.open("wb") as f:
            write_po(f, catalog, width=100, include_previous=False)
        missing[lang] = sum(1 for m in catalog if m.id and not m.string)
    return missing
