"""Small content packs written into temporary folders, for loader/validator/import tests."""

from __future__ import annotations

import zipfile
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from debc_outreach.content import signing

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
       '<rect width="200" height="100" fill="#36c"/></svg>')

ITEMS = [("unlock", "អាចដោះសោទូរស័ព្ទ", "Can unlock the phone"),
         ("connect", "អាចភ្ជាប់អ៊ីនធឺណិត", "Can turn Wi-Fi on"),
         ("open-app", "អាចបើកកម្មវិធី", "Can open an app"),
         ("type-name", "អាចវាយឈ្មោះជាអក្សរខ្មែរ", "Can type their name in Khmer")]

EN = """# Phone basics

For everyone · 45 minutes

Note:
Bring practice phones.

---

## Story

**Grandma Yan's message**

- She wants to answer her grandson.
- Today we learn how.

Note:
Tell the story slowly.

---

## Demonstrate

- An [app](glossary:app) is a program.

![A phone](images/phone.svg)

---

## Practise

- Open an app, then go home.

---

## Recap

- Side button to wake the phone.
"""

KM = """# មូលដ្ឋានទូរស័ព្ទ

សម្រាប់មនុស្សគ្រប់គ្នា · ៤៥ នាទី

Note:
យកទូរស័ព្ទអនុវត្តមក។

---

## រឿង

**សាររបស់យាយយ៉ាន**

- យាយចង់ឆ្លើយទៅចៅប្រុស។
- ថ្ងៃនេះ យើងរៀនធ្វើដូចយាយ។

Note:
និយាយរឿងនេះយឺតៗ។

---

## បង្ហាញ

- [កម្មវិធី](glossary:app) គឺជាកម្មវិធីមួយនៅក្នុងទូរស័ព្ទ។

![ទូរស័ព្ទ](images/phone.svg)

---

## អនុវត្ត

- បើកកម្មវិធី រួចត្រឡប់ទៅអេក្រង់ដើម។

---

## សង្ខេប

- ចុចប៊ូតុងចំហៀង ដើម្បីដាស់ទូរស័ព្ទ។
"""

GLOSSARY = """[[term]]
id = "app"
en = "App"
km = "កម្មវិធី"
meaning_en = "A program on the phone"
meaning_km = "កម្មវិធីមួយនៅក្នុងទូរស័ព្ទ"
review_km = "draft"
source_km = "https://example.org/app"
"""


SCAM_KINDS = [("fake-prize-bank", "សាររង្វាន់ក្លែងក្លាយ", "Fake prize or bank message"),
              ("investment-task-job", "ការងារងាយៗ", "Investment or task job"),
              ("loan-app", "កម្មវិធីខ្ចីលុយ", "Loan app"),
              ("fake-official", "មន្ត្រីក្លែងក្លាយ", "Fake official"),
              ("parcel-sms", "សារកញ្ចប់អីវ៉ាន់", "Parcel SMS"),
              ("fake-app-file", "កម្មវិធីក្លែងក្លាយ", "Fake app file"),
              ("cloned-voice", "សំឡេងក្លែង", "Cloned voice"),
              ("id-photo-request", "សុំរូបថតអត្តសញ្ញាណប័ណ្ណ", "ID photo request"),
              ("other", "ផ្សេងទៀត", "Other")]

YES_NO = ('answers = [{ km = "បាទ/ចាស", en = "Yes" }, { km = "ទេ", en = "No" }, '
          '{ km = "មិនដឹង", en = "Don\'t know" }]')


def scam_kinds_toml(kinds=SCAM_KINDS) -> str:
    return "".join(f'\n[[scam_kind]]\nid = "{kind}"\nkm = "{km}"\nen = "{en}"\n'
                   for kind, km, en in kinds)


def questions_toml(slug: str, quick_checks: int = 3) -> str:
    """`quick_checks` valid quick checks and one follow-up question, to append to a module."""
    lines = []
    for n in range(1, quick_checks + 1):
        lines += ["[[quick_check]]", f'id = "{slug}.qc.q{n}"', 'image = "images/question.svg"',
                  f'km = "សំណួរទី{n}?"', f'en = "Question {n}?"',
                  'answers = [{ km = "ត្រូវ", en = "Right" }, { km = "ខុស", en = "Wrong" }]',
                  "correct = 0", "sources = [1]", ""]
    lines += ["[[follow_up]]", f'id = "{slug}.fu.still-safe"', 'km = "នៅតែមានសុវត្ថិភាពទេ?"',
              'en = "Still safe?"', YES_NO, "safe = [0]", ""]
    return "\n".join(lines)


def module_toml(slug: str = "phone-basics", version: str = "1.0.0", items=None,
                duration: int = 45, extra: str = "", questions: bool = True) -> str:
    items = ITEMS if items is None else items
    lines = [f'slug = "{slug}"', f'version = "{version}"', 'audience = ["everyone"]',
             f"duration_minutes = {duration}", 'tags = ["public-awareness"]',
             "facts_checked = 2026-11-25", extra, "", "[title]", 'km = "មូលដ្ឋានទូរស័ព្ទ"',
             'en = "Phone basics"', "", "[review]", 'km = "needs-native-review"',
             'en = "reviewed"', "", "[[sources]]", "n = 1", 'url = "https://example.org/a"', ""]
    for key, km, en in items:
        lines += ["[[checklist]]", f'id = "{slug}.{key}"', f'km = "{km}"', f'en = "{en}"', ""]
    return "\n".join(lines) + ("\n" + questions_toml(slug) if questions else "")


def make_pack(root: Path, version: str = "1.0.0", modules=("phone-basics",),
              items=None) -> Path:
    """Write a valid two-language pack into `root`; return `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.toml").write_text(
        f'id = "test-pack"\nversion = "{version}"\nlanguages = ["km", "en"]\n\n'
        '[title]\nkm = "កញ្ចប់សាកល្បង"\nen = "Test pack"\n' + scam_kinds_toml(),
        encoding="utf-8")
    (root / "glossary.toml").write_text(GLOSSARY, encoding="utf-8")
    for slug in modules:
        folder = root / "modules" / slug
        (folder / "images").mkdir(parents=True, exist_ok=True)
        (folder / "module.toml").write_text(module_toml(slug, items=items), encoding="utf-8")
        (folder / "en.md").write_text(EN, encoding="utf-8")
        (folder / "km.md").write_text(KM, encoding="utf-8")
        (folder / "images" / "phone.svg").write_text(SVG, encoding="utf-8")
        (folder / "images" / "question.svg").write_text(SVG, encoding="utf-8")
    return root


@cache
def fake_publisher_key() -> Ed25519PrivateKey:
    """A publisher key made for this test run (tests trust it with `trust_test_publisher`)."""
    return Ed25519PrivateKey.generate()


def trust_test_publisher(monkeypatch) -> None:
    """Make the app trust `fake_publisher_key()` as its publisher, for this test only."""
    from debc_outreach.content import publisher_key

    monkeypatch.setattr(publisher_key, "PUBLIC_KEY",
                        signing.public_text(fake_publisher_key()))


def zip_pack(folder: Path, target: Path, top: str = "", sign: bool = True) -> Path:
    """Zip `folder` (signed with the test publisher key first, unless `sign` is False)."""
    if sign:
        signing.sign_pack(folder, fake_publisher_key(), "test publisher")
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, str(Path(top) / path.relative_to(folder)))
    return target
