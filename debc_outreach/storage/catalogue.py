"""The module catalogue: the modules of the active content pack and their
checklist items, read from the pack's module files.

Storage may not import the content layer, so the GUI and the commands tell it
which pack folder is active (`use_content_dir`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from debc_outreach import resources
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, language


@dataclass(frozen=True)
class Item:
    id: str            # "<module slug>.<key>"
    module: str
    km: str
    en: str

    def text(self, lang: str | None = None) -> str:
        return self.km if (lang or language()) == "km" else self.en


@dataclass(frozen=True)
class Module:
    slug: str
    title_km: str
    title_en: str
    items: tuple[Item, ...]

    def title(self, lang: str | None = None) -> str:
        return self.title_km if (lang or language()) == "km" else self.title_en


@cache
def _read_modules(content_dir: Path) -> dict[str, Module]:
    # The one place module files are read here; switch to the pack loader when it lands.
    modules: dict[str, Module] = {}
    for path in sorted(content_dir.glob("modules/*/module.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        slug = data.get("slug") or path.parent.name
        items = []
        for entry in data.get("checklist", []):
            item_id = str(entry.get("id", ""))
            if not item_id.startswith(slug + "."):
                item_id = f"{slug}.{item_id}"
            items.append(Item(item_id, slug, entry.get("km", ""), entry.get("en", "")))
        title = data.get("title", {})
        modules[slug] = Module(slug, title.get("km", slug), title.get("en", slug),
                               tuple(items))
    return modules


_active: dict[str, Path] = {}


def use_content_dir(folder: Path) -> None:
    """Read checklists from this pack folder from now on.

    Storage may not import the content layer, so the GUI and the commands pass in
    the active pack (`content.loader.active_pack_dir`: an imported pack, or the
    shipped one) when they open a data folder.
    """
    _active["dir"] = Path(folder)


def modules(content_dir: Path | None = None) -> dict[str, Module]:
    """Modules of the content pack by slug."""
    return _read_modules(content_dir or _active.get("dir") or resources.content_dir())


def checklist_items(slugs: list[str] | tuple[str, ...],
                    content_dir: Path | None = None) -> list[Item]:
    """Checklist items of these modules, in module then pack order."""
    known = modules(content_dir)
    return [item for slug in slugs if slug in known for item in known[slug].items]


def require_modules(slugs: list[str]) -> list[str]:
    known = modules()
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise UserError(_("Unknown module {slug}. Known modules: {known}")
                        .format(slug=unknown[0], known=", ".join(sorted(known)) or "—"))
    return list(dict.fromkeys(slugs))
