"""Licences of everything the app bundles, for the About dialog and the release build.

The release build copies the licence files of every bundled distribution into
a `licenses/` folder (one sub-folder per distribution, plus `index.json`), found
through `resources.licences_dir()`. From a source checkout the same list is read
from the installed distributions' metadata, so About shows the same thing in
both cases. No Qt here.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from debc_outreach import resources

INDEX = "index.json"
APP_DISTRIBUTION = "debc-outreach"
# Files that hold licence texts or attributions, by name (LICENSE, COPYING, NOTICE, AUTHORS…).
_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|authors)", re.IGNORECASE)
# Distributions whose wheels ship no licence text: the texts kept in packaging/licenses/.
# Qt (in PySide6) and PyICU both carry ICU, whose licence also covers its Khmer dictionary.
EXTRA_TEXTS = {
    "pyside6-essentials": ("LGPL-3.0.txt", "GPL-3.0.txt", "ICU-LICENSE.txt"),
    "shiboken6": ("LGPL-3.0.txt", "GPL-3.0.txt"),
    "pyicu-wheels": ("ICU-LICENSE.txt",),
    APP_DISTRIBUTION: ("GPL-3.0.txt",),
}
# Declared requirements that the app never imports at run time (not bundled).
NOT_BUNDLED = {"pip"}


@dataclass
class Licence:
    name: str                                     # distribution name as published
    version: str
    licence: str                                  # SPDX expression or the declared text
    files: dict[str, str] = field(default_factory=dict)   # file name -> text


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(root: str = APP_DISTRIBUTION) -> list[str]:
    """The app and every distribution it needs at run time (extras and markers honoured)."""
    from packaging.requirements import Requirement

    seen: dict[str, str] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = _normal(name)
        if key in seen or key in NOT_BUNDLED:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist.metadata["Name"]
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(seen.values(), key=str.lower)


def declared_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 120:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or ()
                   if c.startswith("License ::")]
    return ", ".join(classifiers) or "see licence files"


def distribution_licence(name: str, extra_texts_dir: Path | None = None) -> Licence:
    """The declared licence and the licence files of one installed distribution."""
    dist = metadata.distribution(name)
    files: dict[str, str] = {}
    for file in dist.files or ():
        if _LICENCE_FILE.match(file.name) and not file.name.endswith((".py", ".pyc")):
            try:
                files.setdefault(file.name, file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    if extra_texts_dir is not None:
        for text_name in EXTRA_TEXTS.get(_normal(name), ()):
            path = extra_texts_dir / text_name
            if path.is_file():
                files.setdefault(text_name, path.read_text(encoding="utf-8"))
    declared = declared_licence(dist)
    if not files:                                 # a wheel without licence files
        urls = "\n".join(dist.metadata.get_all("Project-URL") or ())
        files["LICENSE-declared.txt"] = (
            f"{dist.metadata['Name']} {dist.version}\nDeclared licence: {declared}\n"
            f"(the package ships no licence file; see the project)\n{urls}\n")
    return Licence(dist.metadata["Name"], dist.version, declared, files)


def python_licence() -> Licence:
    """The Python interpreter the frozen app carries (PSF licence)."""
    version = ".".join(map(str, sys.version_info[:3]))
    folder = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [folder / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt"]
    files = {p.name: p.read_text(encoding="utf-8") for p in candidates[:1] if p.is_file()}
    if not files and candidates[1].is_file():
        files[candidates[1].name] = candidates[1].read_text(encoding="utf-8")
    return Licence("Python", version, "PSF-2.0", files)


def collect(names: list[str], extra_texts_dir: Path | None = None,
            include_python: bool = False) -> list[Licence]:
    found = [distribution_licence(name, extra_texts_dir) for name in names]
    if include_python:
        found.append(python_licence())
    return sorted(found, key=lambda licence: licence.name.lower())


def write_folder(licences: list[Licence], target: Path) -> Path:
    """Write `target/<name>/<file>` for each licence file and `target/index.json`."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    index = []
    for licence in licences:
        folder = target / licence.name
        folder.mkdir()
        for file_name, text in licence.files.items():
            (folder / file_name).write_text(text, encoding="utf-8")
        entry = asdict(licence)
        entry["files"] = sorted(licence.files)
        index.append(entry)
    (target / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1),
                                encoding="utf-8")
    return target


def bundled_licences() -> list[Licence]:
    """What About lists: the release's licences folder, else the installed metadata."""
    folder = resources.licences_dir()
    index = folder / INDEX
    if index.is_file():
        entries = json.loads(index.read_text(encoding="utf-8"))
        return [Licence(e["name"], e["version"], e["licence"],
                        {f: (folder / e["name"] / f).read_text(encoding="utf-8")
                         for f in e["files"]})
                for e in entries]
    texts = resources.packaging_licence_texts()
    return collect(runtime_distributions(), texts if texts.is_dir() else None)
