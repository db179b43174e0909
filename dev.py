#!/usr/bin/env python3
"""Developer and newcomer entry point; needs only Python 3.11+ (standard library).

    python3 dev.py start [--demo]   create .venv, install, start the app
    python3 dev.py test [ARGS]      create .venv, install with test extras, run pytest offscreen
    python3 dev.py i18n             extract strings, update .po files, compile catalogs
    python3 dev.py forms            compile ui/*.ui into debc_outreach/gui/forms/
    python3 dev.py bench            run the benchmarks in bench/
    python3 dev.py sign-content     sign the bundled content pack with the publisher key
                                    (after any change in content/; --new-key: a new key)

Installs into ./.venv (never globally, safe on PEP 668 systems). A second run
reuses the environment without network access unless pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DEMO_DIR = ROOT / ".demo-data"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def run(*cmd, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def ensure_venv(extras: str = "") -> Path:
    """Create .venv and install the project (editable) once per pyproject.toml version."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any system Python
        sys.exit("DEBC Outreach needs Python 3.11 or newer.")
    python = venv_python()
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'app'}-{digest}"
    if not stamp.exists():
        target = f".[{extras}]" if extras else "."
        run(python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-U", "pip")
        run(python, "-m", "pip", "install", "--disable-pip-version-check", "-e", target, cwd=ROOT)
        stamp.touch()
    compile_catalogs(python)
    return python


def compile_catalogs(python: Path) -> None:
    run(python, "-c", "from pathlib import Path; from debc_outreach.i18n_catalogs import "
        "compile_catalogs; compile_catalogs(Path('locales'), Path('debc_outreach/locale'))",
        cwd=ROOT)


def cmd_start(args: list[str]) -> int:
    python = ensure_venv()
    app_args = []
    if "--demo" in args:
        args.remove("--demo")
        if not (DEMO_DIR / "outreach.sqlite").exists():
            run(python, "-m", "debc_outreach", "--data-dir", DEMO_DIR, "demo-data")
        app_args = ["--data-dir", str(DEMO_DIR)]
    return subprocess.call([str(python), "-m", "debc_outreach", *app_args, *args])


def cmd_test(args: list[str]) -> int:
    # CI also builds the frozen app (tests/test_release.py), which needs PyInstaller.
    python = ensure_venv("test,release" if os.environ.get("CI") == "true" else "test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT, env=env)


def cmd_i18n(args: list[str]) -> int:
    python = ensure_venv("test")
    run(python, "-c", "from pathlib import Path; from debc_outreach import i18n_catalogs as c; "
        "c.extract(Path('.')); print('untranslated:', c.update(Path('.')))", cwd=ROOT)
    compile_catalogs(python)
    return 0


def cmd_forms(args: list[str]) -> int:
    python = ensure_venv("test")
    run(python, "-m", "debc_outreach.gui.forms_build", cwd=ROOT)
    return 0


def cmd_bench(args: list[str]) -> int:
    python = ensure_venv("test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    status = 0
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        if args and not any(a in script.name for a in args):
            continue
        status |= subprocess.call([str(python), str(script)], cwd=ROOT, env=env)
    return status


PUBLISHER_KEY_FILE = ROOT / "debc_outreach" / "content" / "publisher_key.py"


def publisher_key_path() -> Path:
    """The publisher's private key: $DEBC_CONTENT_KEY, else a file in the user's config."""
    configured = os.environ.get("DEBC_CONTENT_KEY")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "debc-outreach" / "content-publisher.pem"


def cmd_sign_content(args: list[str]) -> int:
    """Sign content/ (the bundled pack) with the publisher key; --new-key makes one first
    and writes its public half into the app."""
    python = ensure_venv()
    key = publisher_key_path()
    if "--new-key" in args:
        if key.exists():
            sys.exit(f"{key} exists; move it away first (or sign with it: python3 dev.py "
                     "sign-content).")
        run(python, "-c", "import sys; from pathlib import Path; from debc_outreach.content "
            "import signing; k = signing.new_private_key(Path(sys.argv[1])); "
            "Path(sys.argv[2]).write_text(signing.publisher_key_module(k), encoding='utf-8')",
            key, PUBLISHER_KEY_FILE, cwd=ROOT)
        print(f"New publisher key in {key} (keep it safe; back it up offline). Its public "
              f"half is in {PUBLISHER_KEY_FILE.relative_to(ROOT)}: commit it.")
    elif not key.exists():
        sys.exit(f"No publisher key at {key}. Set DEBC_CONTENT_KEY to the key file, or make "
                 "a new key with: python3 dev.py sign-content --new-key")
    run(python, "-m", "debc_outreach", "content", "sign", "content", "--key", key, cwd=ROOT)
    return 0


COMMANDS = {"start": cmd_start, "test": cmd_test, "i18n": cmd_i18n, "forms": cmd_forms,
            "bench": cmd_bench, "sign-content": cmd_sign_content}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
