"""Property: whatever order bundles arrive in (lost, repeated, late), all devices converge.

Every edit reaches every device, projections are identical everywhere, and every
value that lost a concurrent edit is kept as a conflict (checked against an
oracle computed from the union of all events).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support.sync_devices import make_programme, projection_snapshot

from debc_outreach.storage import events
from debc_outreach.sync import conflicts, export, importer

TRAINER_IDS = ["t0", "t1"]
SESSIONS = ["s0", "s1"]
PEOPLE = ["p0", "p1", "p2"]

edit = st.one_of(
    st.tuples(st.just("resolve"), st.integers(0, 3), st.booleans(), st.just("")),
    st.tuples(st.just("person"), st.integers(0, 3), st.sampled_from(PEOPLE),
              st.sampled_from(["សុខ ដារា", "Sok Dara", "ចាន់ ធីតា"])),
    st.tuples(st.just("merge"), st.integers(0, 3), st.sampled_from(PEOPLE),
              st.sampled_from([*PEOPLE, ""])),
    st.tuples(st.just("rename"), st.integers(0, 3), st.sampled_from(TRAINER_IDS),
              st.sampled_from(["ដារា", "Dara", "សុខា", "Sokha"])),
    st.tuples(st.just("phone"), st.integers(0, 3), st.sampled_from(TRAINER_IDS),
              st.sampled_from(["012", "097"])),
    st.tuples(st.just("add"), st.integers(0, 3), st.sampled_from(SESSIONS),
              st.sampled_from(PEOPLE)),
    st.tuples(st.just("remove"), st.integers(0, 3), st.sampled_from(SESSIONS),
              st.sampled_from(PEOPLE)),
)
delivery = st.one_of(
    st.tuples(st.just("send"), st.integers(0, 3), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("replay"), st.integers(0, 50), st.just(0), st.just(False)),
)
steps = st.lists(st.one_of(edit, delivery), min_size=4, max_size=24)


def _expected_conflicts(store) -> set[tuple]:
    """Oracle: non-winning field values nobody overwrote after seeing them."""
    writes: dict[tuple, list[tuple]] = {}
    seen: dict[tuple, set[int]] = {}
    for device, _seq, hlc, entity, entity_id, _op, fields, base, *_rest in events.rows(
            store.database.conn, "entity IN ('trainer', 'participant')"):
        base = json.loads(base)
        for name in json.loads(fields):
            key = (entity, entity_id, name)
            writes.setdefault(key, []).append((hlc, device))
            if base.get(name):
                seen.setdefault(key, set()).add(base[name])
    expected = set()
    for key, stamps in writes.items():
        winner = max(stamps)
        expected |= {(*key, hlc, device) for hlc, device in stamps
                     if (hlc, device) != winner and hlc not in seen.get(key, set())}
    return expected


@pytest.mark.slow
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps)
def test_devices_converge_whatever_the_delivery_order(plan):
    root = Path(tempfile.mkdtemp(prefix="converge-"))
    coordinator, devices = make_programme(root, trainers=3, scopes=[["07"]] * 3)
    stores = [coordinator, *devices]
    bundles: list[tuple[Path, int]] = []
    try:
        for step in plan:
            kind = step[0]
            if kind in ("rename", "phone"):
                field = "display_name" if kind == "rename" else "phone"
                stores[step[1]].record("trainer", step[2], {field: step[3]})
            elif kind == "person":
                stores[step[1]].record("participant", step[2],
                                       {"display_name": step[3], "village_code": "07010101"})
            elif kind == "merge":          # merge into another person, or un-merge ("")
                if step[3] != step[2]:
                    stores[step[1]].record("participant", step[2], {"merged_into": step[3]})
            elif kind == "resolve":         # whoever sees a conflict may decide it
                found = conflicts.list_conflicts(stores[step[1]].database)
                if found:
                    event("a conflict was resolved during the run")
                    conflicts.resolve_conflict(
                        stores[step[1]], found[0],
                        conflicts.KEEP_OTHER if step[2] else conflicts.KEEP_CURRENT)
            elif kind in ("add", "remove"):
                stores[step[1]].record("attendance", step[2], {"participant_id": step[3]},
                                       op=kind)
            elif kind == "send":
                source, target, lost = stores[step[1]], stores[step[2]], step[3]
                if source is target or (source is not coordinator and target is not
                                        coordinator):
                    continue
                path = root / f"b{len(bundles)}.debc-bundle"
                export.export_bundle(source, target.device_id, path)
                bundles.append((path, step[2]))
                if not lost:
                    importer.import_bundle(target, path)
            elif kind == "replay" and bundles:
                path, target = bundles[step[1] % len(bundles)]
                importer.import_bundle(stores[target], path)
        def settle() -> None:
            """Exchange through the coordinator until nothing new moves."""
            for _round in range(3):
                for trainer in devices:
                    for source, target in ((trainer, coordinator), (coordinator, trainer)):
                        path = root / f"b{len(bundles)}.debc-bundle"
                        export.export_bundle(source, target.device_id, path)
                        bundles.append((path, 0))
                        importer.import_bundle(target, path)

        settle()
        kept = {tuple(row) for row in coordinator.database.conn.execute(
            "SELECT entity, entity_id, field, loser_hlc, loser_device FROM conflict")}
        assert kept == _expected_conflicts(coordinator)
        # A trainer resolves one conflict, the coordinator the others; all devices agree.
        for number, found in enumerate(conflicts.list_conflicts(devices[0].database)):
            deciding = devices[0] if number == 0 else coordinator
            current = {c.key: c for c in conflicts.list_conflicts(deciding.database)}
            if found.key in current:
                event("conflicts resolved")
                conflicts.resolve_conflict(deciding, current[found.key], conflicts.KEEP_OTHER
                                           if number % 2 else conflicts.KEEP_CURRENT)
        settle()
        first = projection_snapshot(coordinator)
        events = coordinator.database.scalar("SELECT count(*) FROM event")
        for store in devices:
            assert projection_snapshot(store) == first
            assert store.database.scalar("SELECT count(*) FROM event") == events
            assert store.database.scalar("SELECT count(*) FROM sync_waiting") == 0
        assert all(conflicts.list_conflicts(store.database) == [] for store in stores) \
            or not kept
    finally:
        for store in stores:
            store.close()
        shutil.rmtree(root, ignore_errors=True)
