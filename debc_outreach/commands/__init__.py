"""Headless subcommands of `debc-outreach`, one module per area.

Each module has `register(commands)` that adds its argparse subparsers and
sets `handler=` to a function `(args) -> exit code`. Handlers raise
`UserError` for problems the user can fix; cli.py prints it and exits 1.
`args.data_dir` is always the resolved data folder.
"""

from __future__ import annotations

import argparse
import importlib

from debc_outreach.storage.store import Store

# Order here is the order in `debc-outreach --help`.
MODULES = ("db", "participants", "session", "demo", "content", "sync", "export")


def register_all(commands) -> None:
    for name in MODULES:
        importlib.import_module(f"debc_outreach.commands.{name}").register(commands)


def open_store(args: argparse.Namespace) -> Store:
    """Open the data folder named on the command line (creating it on first use)."""
    return Store.open(args.data_dir)
