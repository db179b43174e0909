"""The shipped content pack, copied, with quick-check and follow-up questions and scam
kinds where the pack has none yet: outcome tests read questions from whatever pack is
active (by id, never by fixed text), so they run the same on the shipped pack."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from debc_outreach import resources

SCAM_KINDS = ("fake-prize-bank", "investment-task-job", "loan-app", "fake-official",
              "parcel-sms", "fake-app-file", "cloned-voice", "id-photo-request", "other")

_QUICK = '''
[[quick_check]]
id = "{slug}.qc.{n}"
image = "images/qc-{n}.svg"
km = "សំណួរ {n}"
en = "Question {n}"
answers = [ {{ km = "ក", en = "A" }}, {{ km = "ខ", en = "B" }}, {{ km = "គ", en = "C" }} ]
correct = {correct}
sources = [1]
'''

_FOLLOW = '''
[[follow_up]]
id = "{slug}.fu.{n}"
km = "សំណួរតាមដាន {n}"
en = "Follow-up {n}"
answers = [ {{ km = "បាទ/ចាស", en = "Yes" }}, {{ km = "ទេ", en = "No" }},
            {{ km = "មិនដឹង", en = "Don't know" }} ]
safe = [0]
'''


def _add_questions(module_toml: Path) -> None:
    text = module_toml.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    slug = data.get("slug") or module_toml.parent.name
    if not data.get("quick_check"):
        text += "".join(_QUICK.format(slug=slug, n=n, correct=n % 3) for n in (1, 2, 3))
    if not data.get("follow_up"):
        text += "".join(_FOLLOW.format(slug=slug, n=n) for n in (1, 2))
    module_toml.write_text(text, encoding="utf-8")


def outcome_pack(folder: Path) -> Path:
    """A copy of the shipped pack in `folder`, every module with questions."""
    pack = folder / "content"
    shutil.copytree(resources.content_dir(), pack)
    for module_toml in pack.glob("modules/*/module.toml"):
        _add_questions(module_toml)
    pack_toml = pack / "pack.toml"
    if not tomllib.loads(pack_toml.read_text(encoding="utf-8")).get("scam_kind"):
        pack_toml.write_text(pack_toml.read_text(encoding="utf-8") + "".join(
            f'\n[[scam_kind]]\nid = "{kind}"\nkm = "ការបោក {kind}"\nen = "Scam {kind}"\n'
            for kind in SCAM_KINDS), encoding="utf-8")
    return pack


def use_outcome_pack(folder: Path, monkeypatch) -> Path:
    """Make that copy the shipped pack for one test (commands, GUI and storage alike)."""
    from debc_outreach.storage import catalogue

    pack = outcome_pack(folder)
    monkeypatch.setattr(resources, "content_dir", lambda: pack)
    monkeypatch.setattr(catalogue, "_active", {})
    return pack
