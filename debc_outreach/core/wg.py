"""Washington Group Short Set on functioning (WG-SS).

Six domains, each answered on four levels. The WG recommended cut-off: a
person "has a disability" when at least one domain is answered "a lot of
difficulty" or "cannot do at all". Questions may be skipped; with nothing at
or above the cut-off and some domains skipped the result is unknown, never
a guessed "no".
"""

from __future__ import annotations

import json

from debc_outreach.i18n import N_

DOMAINS: tuple[str, ...] = ("seeing", "hearing", "walking", "remembering", "self_care",
                            "communicating")

# Question wording follows the WG-SS, asked respectfully ("Do you have difficulty ...").
QUESTIONS: dict[str, str] = {
    "seeing": N_("Do you have difficulty seeing, even if wearing glasses?"),
    "hearing": N_("Do you have difficulty hearing, even if using a hearing aid?"),
    "walking": N_("Do you have difficulty walking or climbing steps?"),
    "remembering": N_("Do you have difficulty remembering or concentrating?"),
    "self_care": N_("Do you have difficulty (with self-care such as) washing all over "
                    "or dressing?"),
    "communicating": N_("Using your usual language, do you have difficulty communicating, "
                        "for example understanding or being understood?"),
}
DOMAIN_NAMES: dict[str, str] = {
    "seeing": N_("Seeing"), "hearing": N_("Hearing"), "walking": N_("Walking"),
    "remembering": N_("Remembering"), "self_care": N_("Self-care"),
    "communicating": N_("Communicating"),
}

NO_DIFFICULTY, SOME, A_LOT, CANNOT = 1, 2, 3, 4
LEVELS: tuple[int, ...] = (NO_DIFFICULTY, SOME, A_LOT, CANNOT)
LEVEL_NAMES: dict[int, str] = {
    NO_DIFFICULTY: N_("No difficulty"),
    SOME: N_("Some difficulty"),
    A_LOT: N_("A lot of difficulty"),
    CANNOT: N_("Cannot do at all"),
}
CUT_OFF = A_LOT


def clean_answers(answers: dict | None) -> dict[str, int]:
    """Keep only known domains with a valid level (skipped domains are left out)."""
    cleaned: dict[str, int] = {}
    for domain, level in (answers or {}).items():
        if domain in DOMAINS and isinstance(level, int) and level in LEVELS:
            cleaned[domain] = level
    return cleaned


def pack(answers: dict | None) -> str:
    """The answers as one digit a domain, in `DOMAINS` order, 0 for a skipped one ("" for
    none): how a participant's answers are stored, six bytes where the JSON took a
    hundred on every record."""
    cleaned = clean_answers(answers)
    return "".join(str(cleaned.get(domain, 0)) for domain in DOMAINS) if cleaned else ""


def unpack(stored: str | None) -> dict[str, int]:
    """The answers `pack` stored, or the JSON object older versions stored."""
    stored = stored or ""
    if stored.startswith("{"):
        try:
            return clean_answers(json.loads(stored))
        except ValueError:
            return {}
    return {domain: int(digit) for domain, digit in zip(DOMAINS, stored, strict=False)
            if digit.isdigit() and int(digit) in LEVELS}


def has_disability(answers: dict | None) -> bool | None:
    """True / False by the WG rule, or None when it cannot be told (skipped questions)."""
    cleaned = clean_answers(answers)
    if any(level >= CUT_OFF for level in cleaned.values()):
        return True
    if len(cleaned) == len(DOMAINS):
        return False
    return None
