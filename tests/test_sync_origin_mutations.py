"""A relayed bundle mutated at random by its (enrolled, misbehaving) sender: the
receiver's database changes only when every signature and rule still holds.

The relay is a trainer that received another trainer's records and passes them on
to the coordinator. It holds its own key, so after each mutation it recomputes every
hash chain and seals the bundle again with a valid sender signature: only the
signed chain heads (which it cannot make for another device) and the write rules
stand between its changes and the coordinator's records.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.forgery import introduce
from support.sync_devices import VILLAGE_IN, VILLAGE_OUT, make_programme, send

from debc_outreach.errors import UserError
from debc_outreach.storage import participants
from debc_outreach.storage.events import (
    DEVICE_ID,
    FIELDS,
    GENESIS_HASH,
    HASH,
    PREV_HASH,
    SEQ,
    event_hash,
)
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, codec, export, importer, trust
from debc_outreach.sync.keys import device_keys

MUTATIONS = ("none", "edit_field", "append", "drop_head", "head_seq", "head_hash",
             "head_by", "head_signature", "head_certificate", "drop_event_tail",
             "out_of_scope_field")


def _rehash(rows: list[tuple]) -> list[tuple]:
    """Recompute one device's chain after a change (what the relay can do)."""
    fixed, prev = [], rows[0][PREV_HASH] if rows else GENESIS_HASH
    for row in rows:
        fields = json.loads(row[FIELDS])
        digest = event_hash(row[0], row[1], row[2], row[3], row[4], row[5], fields,
                            json.loads(row[7]), row[8], prev)
        fixed.append((*row[:9], prev, digest))
        prev = digest
    return fixed


class World:
    """Coordinator, a relay trainer and a victim trainer, and the relay's genuine bundle
    (the victim's records and its own) to the coordinator, opened."""

    def __init__(self, root: Path):
        coordinator, (relay, victim) = make_programme(root / "world", trainers=2)
        introduce(relay, victim)
        introduce(victim, relay)
        for name in ("សុខ ដារា", "ចាន់ ធីតា", "កែវ សុភា"):
            participants.add_participant(victim, name, village_code=VILLAGE_IN)
        participants.add_participant(relay, "ស្រី នាង", village_code=VILLAGE_IN)
        send(victim, relay, root / "v-to-r")
        path = root / "genuine.debc-bundle"
        export.export_bundle(relay, coordinator.device_id, path)
        sealed = bundle.read_header(path)
        key = sealed.content_key(coordinator.device_id, device_keys(coordinator.data_dir))
        self.header = {k: v for k, v in sealed.header.items()
                       if k not in ("keys", "payload", "format")}
        self.rows = [decoded[0] for decoded in codec.decode(sealed.lines(key))]
        self.victim_id, self.relay_id = victim.device_id, relay.device_id
        self.genuine = {row[HASH] for row in self.rows}
        self.relay_keys = device_keys(relay.data_dir)
        self.relay_cert = trust.own_certificate(relay).signed
        self.coordinator_enc = trust.own_certificate(coordinator).enc
        self.coordinator_id = coordinator.device_id
        self.pristine = root / "coordinator-pristine"
        for store in (coordinator, relay, victim):
            store.close()
        shutil.copytree(root / "world" / "coordinator", self.pristine)

    def seal(self, header: dict, rows: list[tuple], path: Path) -> None:
        def lines():
            writer = codec.BlockWriter()
            device = None
            for row in rows:
                if row[DEVICE_ID] != device:
                    device = row[DEVICE_ID]
                    yield from writer.start_run(device, row[SEQ], row[PREV_HASH])
                yield from writer.add(row)
            yield from writer.flush()

        header = {**header, "bundle_id": path.stem, "events": len(rows)}
        bundle.seal(path, self.relay_keys, header, {self.coordinator_id: self.coordinator_enc},
                    lines())


_world: World | None = None


def world(tmp_path_factory) -> World:
    global _world
    if _world is None:
        _world = World(tmp_path_factory.mktemp("origin-mutations"))
    return _world


def mutate(w: World, kind: str, data) -> tuple[dict, list[tuple]]:
    header = copy.deepcopy(w.header)
    rows = list(w.rows)
    victim = [row for row in rows if row[DEVICE_ID] == w.victim_id]
    others = [row for row in rows if row[DEVICE_ID] != w.victim_id]
    victim_head = next(document for document in header["signed_heads"]
                       if document["body"]["device_id"] == w.victim_id)
    if kind in ("edit_field", "out_of_scope_field"):
        at = data.draw(st.integers(0, len(victim) - 1), label="event")
        fields = json.loads(victim[at][FIELDS])
        if kind == "edit_field":
            fields["display_name"] = data.draw(st.text(min_size=1, max_size=12).filter(
                lambda name: name != fields["display_name"]), label="name")
        else:
            fields["village_code"] = VILLAGE_OUT
        victim[at] = (*victim[at][:FIELDS], json.dumps(fields, sort_keys=True,
                                                       separators=(",", ":"),
                                                       ensure_ascii=False), *victim[at][7:])
        victim = _rehash(victim)
    elif kind == "append":
        last = victim[-1]
        fields = {"display_name": "Forged", "village_code": VILLAGE_IN}
        extra = (w.victim_id, last[SEQ] + 1, last[2] + 1, "participant", "forged-id", "set",
                 json.dumps(fields, sort_keys=True, separators=(",", ":")), "{}", 1,
                 last[HASH], "")
        victim = _rehash([*victim, extra])
    elif kind == "drop_event_tail":
        victim = victim[:data.draw(st.integers(1, len(victim)), label="keep")]
    elif kind == "drop_head":
        header["signed_heads"].remove(victim_head)
    elif kind == "head_seq":
        victim_head["body"]["seq"] = data.draw(st.integers(1, 10), label="seq")
    elif kind == "head_hash":
        victim_head["body"]["hash"] = "f" * 64
    elif kind == "head_by":
        victim_head["body"]["by"] = w.relay_id
    elif kind == "head_signature":
        signature = victim_head["signature"]
        victim_head["signature"] = ("A" if signature[0] != "A" else "B") + signature[1:]
    elif kind == "head_certificate":
        victim_head["certificate"] = w.relay_cert
    if victim:
        header["ranges"][w.victim_id] = [victim[0][SEQ], victim[-1][SEQ]]
        header["heads"][w.victim_id] = victim[-1][HASH]
    if kind in ("edit_field", "out_of_scope_field", "append"):
        # The relay may even sign a head itself; it is not the victim's.
        victim_head["body"]["hash"] = victim[-1][HASH]
        victim_head["body"]["seq"] = victim[-1][SEQ]
    return header, sorted(others + victim, key=lambda row: (row[DEVICE_ID], row[SEQ]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(MUTATIONS), data=st.data())
def test_a_mutated_relayed_bundle_changes_the_database_only_when_every_rule_holds(
        tmp_path_factory, kind, data):
    w = world(tmp_path_factory)
    header, rows = mutate(w, kind, data)
    folder = tmp_path_factory.mktemp("receiver")
    shutil.rmtree(folder)
    shutil.copytree(w.pristine, folder)
    path = folder.parent / f"{folder.name}-mutated.debc-bundle"
    w.seal(header, rows, path)
    with Store.open(folder) as receiver:
        try:
            importer.import_bundle(receiver, path)
        except UserError:
            pass                                   # refused whole: nothing changed
        stored = {row[0] for row in receiver.database.query(
            "SELECT hash FROM event WHERE device_id = ?", (w.victim_id,))}
        names = {row[0] for row in receiver.database.query(
            "SELECT display_name FROM participant")}
    # Only what the victim wrote and signed is ever stored and applied.
    assert stored <= w.genuine
    assert "Forged" not in names
    assert names <= {"សុខ ដារា", "ចាន់ ធីតា", "កែវ សុភា", "ស្រី នាង"}
    if kind == "none":
        assert len(stored) == 3 and len(names) == 4
    if kind in ("drop_head", "head_hash", "head_by", "head_signature", "head_certificate",
                "edit_field", "out_of_scope_field", "append"):
        assert not stored                          # nothing of the victim without its head
