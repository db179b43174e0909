"""Names of audiences, policy areas and handout headings, in a given language.

A handout or slide is in the CONTENT language the trainer picked, which may
differ from the app's language, so these labels are translated per call.
"""

from __future__ import annotations

import gettext
from functools import cache

from debc_outreach import resources
from debc_outreach.i18n import DOMAIN, N_

AUDIENCE_LABELS = {
    "rural-adults": N_("Rural adults"),
    "youth": N_("Youth"),
    "vendors": N_("Market vendors"),
    "elders": N_("Elders"),
    "people-with-disabilities": N_("People with disabilities"),
    "everyone": N_("Everyone"),
}
TAG_LABELS = {
    "digital-government": N_("Digital government"),
    "public-awareness": N_("Public awareness"),
    "consumer-trust": N_("Consumer trust"),
    "digital-documents": N_("Digital documents"),
    "digital-business": N_("Digital business"),
    "digital-citizens": N_("Digital citizens"),
}
SECTION_LABELS = {
    "story": N_("Story"),
    "demonstrate": N_("Demonstrate"),
    "practise": N_("Practise"),
    "recap": N_("Recap"),
}
SELF_CHECK = N_("Self-check: I can…")
SELF_CHECK_HINT = N_("Tick each box when you can do it without help.")
WORDS_TO_KNOW = N_("Words to know")
SOURCES = N_("Sources")
MINUTES = N_("{n} minutes")
NEEDS_REVIEW = N_("Draft: this text still needs review by a native speaker.")

# The local contact sheet (contacts.py).
CONTACTS_TITLE = N_("Where to get help after a scam")
CONTACTS_PRINTED = N_("Printed on {date}")
CONTACTS_WHO = N_("Who to contact")
CONTACTS_SOURCE = N_("Source: {source} (checked {date})")
CONTACTS_NAME_PLACE = N_("Name and place")
CONTACTS_PHONE = N_("Phone number")
CONTACTS_CHECKED_BY = N_("Checked by, on")
CONTACTS_VERIFY = N_("Numbers change. Check each line again before you rely on it, and never "
                     "call a number that a message sent you.")

# The facilitator's script (script.py).
SCRIPT_TITLE = N_("Facilitator's script")
SCRIPT_BEFORE_CLASS = N_("Before class")
SCRIPT_PRINT_KIT = N_("Print the practice kit first: Modules → Print practice kit.")
SCRIPT_TIMING = N_("Timing")
SCRIPT_SLIDE = N_("Slide")
SCRIPT_CLOCK = N_("Clock")
SCRIPT_MINUTES = N_("Minutes")
SCRIPT_SLIDE_BY_SLIDE = N_("Slide by slide")
SCRIPT_SAY_AND_DO = N_("Say and do:")
SCRIPT_QUICK_CHECK = N_("Quick check, before and after")
SCRIPT_QUICK_CHECK_HOW = N_("Ask these after the title slide and again after the recap: the "
                            "presenter shows them as slides. Read each question and its answers "
                            "aloud; the right answer is marked ✔.")
SCRIPT_FOLLOW_UP = N_("Follow-up questions, by phone or visit weeks later")

# The printed practice kit (kit_pdf.py).
KIT_TITLE = N_("Practice kit")
KIT_MARK = N_("PRACTICE MATERIAL, not real")
KIT_WATERMARK = N_("PRACTICE ONLY")
KIT_NUMBER = N_("Card {n} of {total}")
KIT_AMOUNT = N_("Amount (the customer writes it)")
KIT_MOCK_CODE = N_("MOCK: cannot be scanned")
KIT_ANSWERS = N_("Trainer's answers (keep with you)")
KIT_HOW_TO = N_("Print on A4 and cut along the dashed lines. Every card is practice material: "
                "no real names, numbers, accounts or codes. Keep the last page, the answers, "
                "with you.")
KIT_KINDS = {
    "scenario": N_("Scenario card"),
    "message": N_("Message card"),
    "role": N_("Role-play card"),
    "document": N_("Mock document"),
    "result": N_("Result screen"),
    "khqr-stand": N_("KHQR stand"),
    "post": N_("Post to judge"),
    "picture": N_("Picture card"),
}


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, localedir=str(resources.locale_dir()),
                                   languages=[lang])
    except OSError:
        return gettext.NullTranslations()


def label(message: str, lang: str) -> str:
    """`message` (marked with N_) translated into `lang`, whatever the app language is."""
    return _catalog(lang).gettext(message)
