"""Two devices exchange records through the command line; a killed import recovers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from support.sync_devices import make_programme

from debc_outreach.storage import trainers
from debc_outreach.storage.check import check_database
from debc_outreach.sync import export, importer
from tests.conftest import cli_in as _cli

ROOT = Path(__file__).resolve().parents[1]


def test_two_devices_round_trip_through_the_command_line(tmp_path, capsys):
    coord, trainer = tmp_path / "coordinator", tmp_path / "trainer"
    request, cert = tmp_path / "request.json", tmp_path / "cert.json"
    assert _cli(capsys, coord, "sync", "programme", "create", "Kampot 2026")[0] == 0
    assert _cli(capsys, trainer, "sync", "enrol-request", "-o", str(request))[0] == 0
    assert _cli(capsys, coord, "sync", "enrol-approve", str(request), "--scope", "07",
                "-o", str(cert))[0] == 0
    assert _cli(capsys, trainer, "sync", "enrol-accept", str(cert))[0] == 0
    code, out, _ = _cli(capsys, coord, "sync", "identity", "--json")
    coordinator_id = json.loads(out)["device_id"]
    code, out, _ = _cli(capsys, trainer, "sync", "identity", "--json")
    identity = json.loads(out)
    assert identity["role"] == "trainer" and identity["scope"] == ["07"]
    code, out, _ = _cli(capsys, trainer, "participants", "add", "--name", "សុខ ដារា",
                        "--village", "07010101", "--consent", "yes")
    assert code == 0
    out_bundle = tmp_path / "to-coordinator.debc-bundle"
    assert _cli(capsys, trainer, "sync", "export-bundle", "--to", coordinator_id, "-o",
                str(out_bundle))[0] == 0
    code, out, err = _cli(capsys, coord, "sync", "import-bundle", str(out_bundle), "--json")
    assert code == 0, err
    assert json.loads(out)["new"] >= 1
    code, out, _ = _cli(capsys, coord, "sync", "import-bundle", str(out_bundle))
    assert code == 0 and "already imported" in out
    code, out, _ = _cli(capsys, coord, "participants", "list", "--json")
    assert [p["name"] for p in json.loads(out)] == ["សុខ ដារា"]
    # The way back, by sync folder on both sides.
    shared = tmp_path / "shared"
    shared.mkdir()
    assert _cli(capsys, coord, "sync", "folder", str(shared))[0] == 0
    code, out, err = _cli(capsys, trainer, "sync", "folder", str(shared), "--json")
    assert code == 0, err
    assert len(json.loads(out)["imported"]) == 1
    # A damaged bundle: exit 1, one line, no traceback.
    broken = tmp_path / "broken.debc-bundle"
    broken.write_bytes(out_bundle.read_bytes()[:-7])
    code, out, err = _cli(capsys, coord, "sync", "import-bundle", str(broken))
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_import_killed_mid_way_completes_cleanly_on_restart(tmp_path):
    coordinator, (trainer,) = make_programme(tmp_path, trainers=1)
    for n in range(600):
        trainers.add_trainer(trainer, f"ស្រីពៅ {n}")
    path = tmp_path / "big.debc-bundle"
    export.export_bundle(trainer, coordinator.device_id, path)
    coordinator.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, str(ROOT / "tests/support/sync_importer.py"),
                                str(tmp_path / "coordinator"), str(path)],
                               stdout=subprocess.PIPE, text=True, env=env)
    for line in process.stdout:
        if line.strip().isdigit() and int(line) >= 200:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    from support.sync_devices import open_device

    coordinator = open_device(tmp_path / "coordinator", "coordinator")
    try:
        partial = coordinator.database.scalar("SELECT count(*) FROM event")
        assert 0 < partial < 600
        report = importer.import_bundle(coordinator, path)
        assert report.new + report.duplicates == 600
        assert len(trainers.list_trainers(coordinator)) == 600
        assert check_database(coordinator.database) == []
        assert importer.import_bundle(coordinator, path).already_imported
    finally:
        coordinator.close()
        trainer.close()
