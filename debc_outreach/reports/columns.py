"""Stable column keys of each export and their headers (N_-marked, shown per language).

Every export shows the translated headers in the export's language; a CSV
asked for with column keys (`--column-keys`, or the export dialog's option)
carries the keys instead, so scripts can rely on them (README documents them).
Append new columns at the end; never rename or reorder a key.
"""

from __future__ import annotations

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_

ATTENDANCE = (
    ("session_date", N_("Date")),
    ("session_id", N_("Session id")),
    ("province_code", N_("Province code")),
    ("province", N_("Province")),
    ("district_code", N_("District code")),
    ("district", N_("District")),
    ("commune_code", N_("Commune code")),
    ("commune", N_("Commune")),
    ("village_code", N_("Village code")),
    ("village", N_("Village")),
    ("venue", N_("Venue")),
    ("modules", N_("Modules")),
    ("trainers", N_("Trainers")),
    ("participant_id", N_("Participant id")),
    ("name", N_("Name (only with consent)")),
    ("consent", N_("Consent")),
    ("sex", N_("Sex")),
    ("age_band", N_("Age band")),
    ("disability", N_("Disability (Washington Group)")),
    ("home_village_code", N_("Home village code")),
    ("home_village", N_("Home village")),
    ("checked_in_at", N_("Checked in at (UTC)")),
    ("device_id", N_("Device id")),
)

SESSIONS = (
    ("session_date", N_("Date")),
    ("session_id", N_("Session id")),
    ("start_time", N_("Start time")),
    ("state", N_("State")),
    ("province_code", N_("Province code")),
    ("province", N_("Province")),
    ("district_code", N_("District code")),
    ("district", N_("District")),
    ("village_code", N_("Village code")),
    ("village", N_("Village")),
    ("venue", N_("Venue")),
    ("modules", N_("Modules")),
    ("trainers", N_("Trainers")),
    ("partner", N_("Partner")),
    ("attendances", N_("Participants")),
    ("women", N_("Women")),
    ("disability", N_("People with disabilities")),
    ("youth", N_("Youth (15–24)")),
    ("elders", N_("Elders (60+)")),
    ("without_consent", N_("Participants without consent")),   # people in that session
)

PARTICIPANTS = (
    ("participant_id", N_("Participant id")),
    ("name", N_("Name (only with consent)")),
    ("sex", N_("Sex")),
    ("birth_year", N_("Birth year")),
    ("age_band", N_("Age band")),
    ("disability", N_("Disability (Washington Group)")),
    ("home_province", N_("Province")),
    ("home_district", N_("District")),
    ("home_village_code", N_("Home village code")),
    ("home_village", N_("Home village")),
    ("sessions", N_("Sessions attended")),
    ("first_session", N_("First session")),
    ("last_session", N_("Last session")),
    ("skills_achieved", N_("Skills achieved")),
)

DISAGGREGATION = (
    ("province_code", N_("Province code")),
    ("province", N_("Province")),
    ("district_code", N_("District code")),
    ("district", N_("District")),
    ("sex", N_("Sex")),
    ("age_band", N_("Age band")),
    ("disability", N_("Disability (Washington Group)")),
    ("attendances", N_("Attendances")),
    ("people", N_("Unique people")),
)

SKILLS = (
    ("module", N_("Module slug")),
    ("module_title", N_("Module")),
    ("item_id", N_("Skill id")),
    ("item", N_("Skill")),
    ("assessed", N_("People assessed")),
    ("achieved", N_("People who achieved it")),
    ("achieved_share", N_("Achieved (share of assessed)")),
)

TARGETS = (
    ("province_code", N_("Province code")),
    ("province", N_("Province")),
    ("period_start", N_("From")),
    ("period_end", N_("To")),
    ("policy_area", N_("Policy area")),
    ("measure", N_("Measure")),
    ("target", N_("Target")),
    ("actual", N_("Actual")),
    ("progress", N_("Progress (actual / target)")),
)

# Outcomes (export outcomes). A share is a number from 0 to 1; a cell of fewer than five
# people shows "<5" and its shares stay empty.
KNOWLEDGE = (
    ("module", N_("Module slug")),
    ("module_title", N_("Module")),
    ("mode", N_("How answers were taken")),
    ("breakdown", N_("Breakdown")),
    ("group", N_("Group")),
    ("people_before", N_("People before")),
    ("correct_before", N_("Correct before (share of answers)")),
    ("people_after", N_("People after")),
    ("correct_after", N_("Correct after (share of answers)")),
    ("change", N_("Change (after − before)")),
)

FOLLOW_UP = (
    ("module", N_("Module slug")),
    ("module_title", N_("Module")),
    ("question_id", N_("Question id")),
    ("question", N_("Question")),
    ("breakdown", N_("Breakdown")),
    ("group", N_("Group")),
    ("people", N_("People asked")),
    ("safe", N_("Safe answers")),
    ("safe_share", N_("Safe (share)")),
)

SCAMS = (
    ("province_code", N_("Province code")),
    ("province", N_("Province")),
    ("district_code", N_("District code")),
    ("district", N_("District")),
    ("month", N_("Month")),
    ("kind", N_("Kind of scam (id)")),
    ("kind_name", N_("Kind of scam")),
    ("sessions", N_("Sessions with a tally")),
    ("people_asked", N_("People asked")),
    ("people_met", N_("People who met it")),
    ("per_100", N_("Per 100 people asked")),
)

MODE_NAMES = {"person": N_("Per person"), "class": N_("Class count (hands)")}
BREAKDOWN_NAMES = {"all": N_("All"), "sex": N_("Sex"), "age_band": N_("Age band"),
                   "disability": N_("Disability (Washington Group)")}

SEX_NAMES = {"F": N_("Female"), "M": N_("Male"), "O": N_("Other"), "X": N_("Prefer not to say")}
DISABILITY_NAMES = {"yes": N_("With disability"), "no": N_("Without disability"),
                    "unknown": N_("Not known")}
AGE_BAND_NAMES = {"0-14": N_("Under 15"), "15-24": N_("15–24 (youth)"), "25-59": N_("25–59"),
                  "60+": N_("60 and over (elder)"), "": N_("Age not known")}


def keys(columns: tuple[tuple[str, str], ...]) -> list[str]:
    return [key for key, _label in columns]


def headers(columns: tuple[tuple[str, str], ...], lang: str) -> list[str]:
    """Column headers translated into the export language."""
    return [label(text, lang) for _key, text in columns]
