"""Import a newer content pack from a .zip a coordinator distributes.

Order matters so a bad file never costs the trainer a working pack:
unpack into a temporary folder inside the data folder, check the pack's
signature (signing.py: the publisher or the programme's coordinator, and
not a byte changed since), run the full `check_pack`, check that every
checklist id the device knows keeps its meaning in the new pack (so results
recorded against older versions still resolve to their text), and only then
swap folders with renames. If anything fails, the pack in use stays as it was.

An imported pack's .zip is kept (resources.outgoing_content_pack) so sync
bundles carry it on to other devices; a pack that arrived that way waits in
resources.received_content_packs until `install_received` checks it the same
way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from debc_outreach import resources
from debc_outreach.content import lock
from debc_outreach.content.loader import (
    PACK_FILE,
    ContentError,
    load_active_pack,
    load_pack,
    version_key,
)
from debc_outreach.content.model import Pack
from debc_outreach.content.signing import (
    PackSignatureError,
    publisher_keys,
    trusted_signers,
    verify_pack,
)
from debc_outreach.content.validator import Problem, check_pack, errors_only
from debc_outreach.errors import UserError
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage.projection import checklist_rows

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_FILES = 5000
IMPORT_LOG = "content-imports.json"
MAX_CARRIED = 4 << 20          # a pack larger than this does not travel in sync bundles
log = logging.getLogger(__name__)


class PackRejected(UserError):
    """The pack failed its checks; `problems` says where."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class ImportResult:
    pack_id: str
    version: str
    previous_version: str
    modules: int
    signer: str = ""


def _unpack(zip_path: Path, target: Path) -> None:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as error:
        raise PackRejected(_("{file} is not a readable .zip file ({error})").format(
            file=zip_path.name, error=error)) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise PackRejected(_("{file} is too large to be a content pack").format(
                file=zip_path.name))
        for member in members:
            name = PurePosixPath(member.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or (member.external_attr >> 28) == 0xA:
                raise PackRejected(_("{file} contains an unsafe path: {name}").format(
                    file=zip_path.name, name=member.filename))
        try:
            archive.extractall(target)
        except (zipfile.BadZipFile, OSError, RuntimeError) as error:
            raise PackRejected(_("{file} could not be unpacked ({error})").format(
                file=zip_path.name, error=error)) from None


def _pack_root(folder: Path) -> Path:
    if (folder / PACK_FILE).exists():
        return folder
    children = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("__")]
    if len(children) == 1 and (children[0] / PACK_FILE).exists():
        return children[0]
    raise PackRejected(_("The .zip has no pack.toml at its top level; it is not a content pack."))


def compatibility_problems(old: Pack, new: Pack) -> list[str]:
    """Why `new` may not replace `old`: every id `old` knows must keep its meaning."""
    problems = []
    for item_id in sorted(old.all_checklist_ids()):
        before, after = old.checklist_item(item_id), new.checklist_item(item_id)
        if after is None:
            problems.append(_("checklist id {id} is missing from the new pack").format(
                id=item_id))
        elif before.module != after.module or not lock.same_meaning(before.en, after.en):
            problems.append(_("checklist id {id} changed its meaning (\"{old}\" → \"{new}\")")
                            .format(id=item_id, old=before.en, new=after.en))
    new_questions = _question_meanings(new)
    for question_id, (module, english) in sorted(_question_meanings(old).items()):
        after = new_questions.get(question_id)
        if after is None:
            problems.append(_("question id {id} is missing from the new pack").format(
                id=question_id))
        elif after[0] != module or not lock.same_meaning(english, after[1]):
            problems.append(_("question id {id} changed its meaning (\"{old}\" → \"{new}\")")
                            .format(id=question_id, old=english, new=after[1]))
    return problems


def _question_meanings(pack: Pack) -> dict[str, tuple[str, str]]:
    """Every quick-check and follow-up id `pack` knows, asked now or kept in its lock
    file, → (module, English question): answers recorded against them must keep resolving."""
    try:
        entries = lock.read_lock(pack.folder, lock.QUESTION_LOCK_FILE) or {}
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        entries = {}
    known = {entry.id: (entry.module, entry.en) for entry in entries.values()}
    for module in pack.modules:
        for question in (*module.quick_checks, *module.follow_ups):
            known[question.id] = (question.module, question.en)
    return known


def recorded_checklist_ids(database) -> set[str]:
    """Every checklist item id a result was recorded against in this data folder."""
    return checklist_rows.recorded_items(database.conn)


def import_pack(zip_path: Path, data_dir: Path, recorded_ids: Iterable[str] = (),
                trusted: dict[str, str] | None = None) -> ImportResult:
    """Validate and install the pack in `zip_path`; raise PackRejected if anything is wrong.

    `recorded_ids` are the item ids results were recorded against here (also those that
    arrived by sync from devices with other pack versions): each must still resolve.
    `trusted`: the keys whose signature is accepted (signing.trusted_signers; default:
    the app's publisher only).
    """
    zip_path, data_dir = Path(zip_path), Path(data_dir)
    current = load_active_pack(data_dir)
    installed = resources.imported_content_dir(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".content-import-", dir=data_dir))
    try:
        _unpack(zip_path, staging)
        root = _pack_root(staging)
        try:
            signer = verify_pack(root, publisher_keys() if trusted is None else trusted)
        except PackSignatureError as error:
            raise PackRejected(str(error)) from None
        problems = check_pack(root)
        errors = errors_only(problems)
        if errors:
            raise PackRejected(
                ngettext("The pack was not imported: {n} problem, first: {first}",
                         "The pack was not imported: {n} problems, first: {first}",
                         len(errors)).format(
                    n=len(errors), first=errors[0]), problems)
        try:
            new = load_pack(root)
        except ContentError as error:
            raise PackRejected(str(error)) from None
        if new.id != current.id:
            raise PackRejected(_("This is a different pack ({new}); this device uses {old}.")
                               .format(new=new.id, old=current.id))
        if version_key(new.version) <= version_key(current.version):
            raise PackRejected(_("Version {new} is not newer than the pack in use ({old}); "
                                 "nothing was changed.").format(new=new.version,
                                                                old=current.version))
        incompatible = compatibility_problems(current, new) + [
            _("results were recorded against checklist id {id}, which the new pack does not "
              "contain").format(id=item_id)
            for item_id in sorted(set(recorded_ids)) if new.checklist_item(item_id) is None]
        if incompatible:
            raise PackRejected(_("The pack was not imported: it would break recorded results. "
                                 "{first}").format(first=incompatible[0]))
        _swap_in(root, installed)
        _log_import(data_dir, zip_path, new, current.version)
        _keep_for_sync(zip_path, data_dir, new)
        return ImportResult(new.id, new.version, current.version, len(new.modules), signer)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(root: Path, installed: Path) -> None:
    previous = installed.with_name(installed.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if installed.exists():
        installed.rename(previous)
    try:
        root.rename(installed)
    except OSError as error:
        if previous.exists():
            previous.rename(installed)
        raise UserError(_("The pack could not be installed ({error}); the old pack is still "
                          "in use.").format(error=error)) from None
    shutil.rmtree(previous, ignore_errors=True)


def _keep_for_sync(zip_path: Path, data_dir: Path, pack: Pack) -> None:
    """Keep the signed .zip so this device's bundles pass the pack on."""
    target = resources.outgoing_content_pack(data_dir)
    meta = target.with_name("pack.json")
    try:
        data = zip_path.read_bytes() if zip_path.stat().st_size <= MAX_CARRIED else None
        target.parent.mkdir(parents=True, exist_ok=True)
        meta.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        if data is None:
            return              # too large for a bundle; it travels as a file only
        partial = target.with_name("pack.zip.partial")
        partial.write_bytes(data)
        partial.replace(target)
        meta.write_text(json.dumps({"id": pack.id, "version": pack.version,
                                    "sha256": hashlib.sha256(data).hexdigest()}),
                        encoding="utf-8")
    except OSError as error:
        # The pack is installed; only passing it on by sync is lost, so say so in the log.
        log.warning("the imported pack will not travel in sync bundles: %s", error)


def install_received(data_dir: Path, database) -> list[ImportResult]:
    """Install packs that arrived in sync bundles: each is checked like an import (trusted
    signature, whole pack, newer, compatible with recorded results); one that is not
    newer or not acceptable is dropped, and the pack in use stays."""
    inbox = resources.received_content_packs(data_dir)
    if not inbox.is_dir():
        return []
    installed = []
    for path in sorted(inbox.glob("*.zip")):
        try:
            installed.append(import_pack(path, data_dir, recorded_checklist_ids(database),
                                         trusted_signers(database)))
        except (UserError, OSError) as error:
            # The exchange itself succeeded; the pack comes again with the next bundle.
            log.info("a content pack received by sync was not installed: %s", error)
        finally:
            path.unlink(missing_ok=True)
    return installed


def _log_import(data_dir: Path, zip_path: Path, pack: Pack, previous: str) -> None:
    path = data_dir / IMPORT_LOG
    try:
        log = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    except (OSError, ValueError):
        log = []
    log.append({"pack": pack.id, "version": pack.version, "previous_version": previous,
                "file": zip_path.name, "imported_at": dt.datetime.now(dt.UTC).isoformat()})
    path.write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")


def import_history(data_dir: Path) -> list[dict]:
    path = Path(data_dir) / IMPORT_LOG
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    except (OSError, ValueError):
        return []
