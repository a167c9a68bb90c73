"""Helpers for the hostile suite: whole-tree snapshots and checks that a refused build wrote nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import Run, run_castpub

SHOW = "deep/er/show"  # nested so that '../../x' from the show still lands inside the checked tree


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (symlinks as their target text), by relative path."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = b"->" + str(path.readlink()).encode()
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def castpub_state(tree: Path, root: Path) -> tuple[str, ...]:
    """castpub's own git-ignored state beside feeds/: the render cache and the lock file."""
    show = str(root.relative_to(tree))
    return tuple(f"{show}/{name}" for name in (".castpub-cache/", ".castpub.lock"))


def build(root: Path, *args: str) -> Run:
    result = run_castpub(root, "build", "--now", "2026-01-01T00:00:00+00:00", *args)
    assert "Traceback" not in result.output, result.output
    return result


def assert_refused(tree: Path, root: Path, *expected: str, args: tuple[str, ...] = ()) -> Run:
    """The build exits 1 naming every expected text, and nothing under tree changes but
    castpub's own cache."""
    before = snapshot(tree)
    result = build(root, *args)
    assert result.exit_code == 1, result.output
    assert "nothing was written" in result.stderr, result.output
    for text in expected:
        assert text in result.stderr, result.output
    state = castpub_state(tree, root)
    assert {p for p in changed(before, snapshot(tree)) if not p.startswith(state)} == set()
    return result


def assert_built(tree: Path, root: Path, *args: str) -> Run:
    """The build succeeds and changes nothing outside feeds/."""
    before = snapshot(tree)
    result = build(root, *args)
    assert result.exit_code == 0, result.output
    own = (f"{root.relative_to(tree)}/feeds/", *castpub_state(tree, root))
    outside = {p for p in changed(before, snapshot(tree)) if not p.startswith(own)}
    assert outside == set()
    return result
