"""The atomic writer: every file is either its complete old or its complete new version.

A build stages each changed file under a temporary name beside its target, then renames them all
into place at the end, so a build that fails or is killed midway leaves feeds/ as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from castpub.errors import InvalidInput, invalid

TEMP_SUFFIX = ".castpub-tmp"


class Confined:
    """Paths under root, refused when they would lead out of it. Output names come from input
    (playlist ids, file names), and the last line of defence belongs where paths are made. A
    symlinked folder inside root (feeds/transcripts -> ~) counts as leading out. Each folder is
    resolved once: resolving every file's folder cost seconds at 10 000 files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real_root = root.resolve()
        self._checked: set[Path] = set()

    def path(self, relpath: str) -> Path:
        parts = PurePosixPath(relpath).parts
        path = self.root / relpath
        if not parts or PurePosixPath(relpath).is_absolute() or any(p in ("..", "") for p in parts):
            raise self._outside(path)
        if path.parent not in self._checked:
            if not path.parent.resolve().is_relative_to(self._real_root):
                raise self._outside(path)
            self._checked.add(path.parent)
        return path

    @staticmethod
    def _outside(path: Path) -> InvalidInput:
        return invalid(
            path,
            None,
            "refusing to write outside feeds/",
            "remove symlinks inside feeds/ (feeds/ itself may be one)",
        )


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


class Staging:
    """Files staged for an all-or-nothing update. Unchanged files are never touched (mtime kept)."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, Path]] = []
        self.unchanged = 0

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    @property
    def changed(self) -> list[Path]:
        return [path for _, path in self._pending]

    def add(self, path: Path, data: bytes) -> bool:
        """Stage data for path; returns False (and stages nothing) when the file already holds it."""
        if same_bytes(path, data):
            self.unchanged += 1
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._pending.append((tmp, path))
        return True

    def commit(self) -> list[Path]:
        """Make the staged bytes durable, then rename every file into place."""
        if not self._pending:
            return []
        # One sync for the whole batch costs far less than an fsync per file, and guarantees the
        # data is on disk before any rename makes it visible.
        os.sync()
        done = []
        for tmp, path in self._pending:
            os.replace(tmp, path)
            done.append(path)
        self._pending = []
        for directory in {p.parent for p in done}:
            _fsync_dir(directory)
        return done

    def abort(self) -> None:
        for tmp, _ in self._pending:
            Path(tmp).unlink(missing_ok=True)
        self._pending = []


def write_atomic(path: Path, data: bytes) -> bool:
    """Write one file atomically; returns True when it was (re)written."""
    with Staging() as staging:
        staging.add(path, data)
        return bool(staging.commit())


def write_cache_file(path: Path, data: bytes) -> bool:
    """Best-effort atomic write for castpub's own cache: a temporary file renamed into place, no
    fsync (losing an entry costs a re-render, never a wrong result) and no error if it fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        return False
    return True


def remove_leftovers(directory: Path) -> None:
    """Delete temporary files a killed run left behind."""
    if directory.is_dir():
        for tmp in directory.rglob(f"*{TEMP_SUFFIX}"):
            tmp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
