"""`debc-outreach --self-test`: the check an IT person runs on each prepared laptop."""

import os
import subprocess
import sys

import pytest

from debc_outreach.selftest import STEPS


def test_self_test_passes_and_lists_every_step(qapp, run_cli):
    code, out, _err = run_cli("--self-test")
    assert code == 0, out
    for _method, title in STEPS:
        assert f"ok      {title} (" in out
    assert out.rstrip().endswith("Self-test passed.")


def test_self_test_names_the_failing_step(qapp, run_cli, monkeypatch):
    import debc_outreach.content as content

    def broken(_data_dir):
        raise content.ContentError("pack.toml: missing")

    monkeypatch.setattr(content, "load_active_pack", broken)
    code, out, _err = run_cli("--self-test")
    assert code == 1
    assert "FAILED  content pack: pack.toml: missing" in out
    assert out.rstrip().endswith("Self-test failed at step: content pack")
    assert "Khmer PDF page" not in out          # stops at the first failure


def test_self_test_leaves_the_users_data_folder_alone(qapp, run_cli, data_dir):
    before = sorted(data_dir.rglob("*"))
    code, _out, _err = run_cli("--self-test")
    assert code == 0
    assert sorted(data_dir.rglob("*")) == before


@pytest.mark.slow
def test_self_test_runs_as_a_program_without_a_display(tmp_path):
    env = dict(os.environ, DEBC_OUTREACH_DATA_DIR=str(tmp_path / "untouched"))
    env.pop("QT_QPA_PLATFORM", None)          # the self-test chooses offscreen itself
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([sys.executable, "-m", "debc_outreach", "--lang", "en",
                             "--self-test"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Self-test passed." in result.stdout
    assert not (tmp_path / "untouched").exists()
