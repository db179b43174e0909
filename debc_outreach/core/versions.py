"""Semantic version numbers (content packs): what is well formed and which is newer.

Kept in core so the content layer, sync and the hub compare versions the same way.
"""

from __future__ import annotations

import re

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")


def version_key(version: str) -> tuple:
    """Sort key for a semantic version; a pre-release sorts before its release, and
    anything that is not a version sorts before every version."""
    match = SEMVER.match(version or "")
    if not match:
        return (-1,)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")
