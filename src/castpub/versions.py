"""Versions of installed libraries, for cache salts, without importlib.metadata: importing it
costs a tenth of a second, as much as a whole rebuild with nothing changed may take."""

from __future__ import annotations

import os
import re
from importlib.util import find_spec


def library_version(name: str) -> str:
    """The version in the name of the library's .dist-info folder beside it, else importlib's
    answer, else "?"."""
    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        spec = None
    origin = spec.origin if spec else None
    if origin:
        site = os.path.dirname(os.path.dirname(origin))
        wanted = re.sub(r"[-_.]+", "_", name).lower()
        try:
            for entry in os.listdir(site):
                stem, dot, kind = entry.rpartition(".")
                if kind != "dist-info" or not dot:
                    continue
                dist, _, found = stem.partition("-")
                if re.sub(r"[-_.]+", "_", dist).lower() == wanted and found:
                    return found
        except OSError:
            pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"
