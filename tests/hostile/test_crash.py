"""Crash safety: SIGKILL a real castpub process at many points, including mid-write of a large
feed, and check that feeds/ only ever holds complete old or complete new files and that the store
is valid JSON holding at least what it held.

Each kill point forks this (already imported) interpreter and runs the real CLI, `castpub build`
or `castpub import-info`, in the child: starting a fresh interpreter for each of 200 kills would
spend most of the time importing, far from any write. CASTPUB_KILLS=2000 runs a longer search.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from castpub.cli import main
from castpub.output import TEMP_SUFFIX

KILLS = int(os.environ.get("CASTPUB_KILLS", "200"))
EPISODES = 40
NOW = "2026-01-01T00:00:00+00:00"
PLAYLIST = "PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S"


def _write_set(directory: Path, label: str, count: int) -> None:
    directory.mkdir()
    rng = random.Random(label)
    words = ["openstack", "tripleo", "upgrade", "release", "container", "network", "storage"]
    for n in range(count):
        turns = "\n\n".join(
            f"{'Rich' if t % 2 else 'Steve'}: " + " ".join(rng.choices(words, k=40))
            for t in range(8)
        )
        (directory / f"2019-{n % 12 + 1:02d}-{n % 28 + 1:02d}-talk-{n:04d}.md").write_text(
            f"---\ntitle: 'Talk {n} ({label})'\ndate: 2019-{n % 12 + 1:02d}-{n % 28 + 1:02d} "
            f"{n % 24:02d}:00:00\n---\n\nAbout {label} {n}.\n\n"
            f'<iframe src="https://www.youtube.com/embed/v{n:010d}?list={PLAYLIST}"></iframe>\n\n'
            f"{turns}\n"
        )


def _run(argv: list[str]) -> int:
    """Fork and run the castpub CLI in the child; returns the child's pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns into pytest
        code = 70
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(code)
    return pid


def _wait(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _files(feeds: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(feeds)): p.read_bytes()
        for p in feeds.rglob("*")
        if p.is_file() and not p.name.endswith(TEMP_SUFFIX)
    }


def _staging_started(feeds: Path) -> bool:
    for directory in (feeds, feeds / "transcripts"):
        try:
            with os.scandir(directory) as entries:
                if any(e.name.endswith(TEMP_SUFFIX) for e in entries):
                    return True
        except FileNotFoundError:
            pass
    return False


def _info_files(directory: Path, label: str) -> list[Path]:
    directory.mkdir()
    paths = []
    for n in range(40):
        # Videos no episode embeds: the store changes, the feeds built from it do not.
        path = directory / f"w{n:010d}.info.json"
        info = {"id": f"w{n:010d}", "title": f"{label} {n}", "duration": 600 + n}
        info["description"] = f"{label} " * 5000
        path.write_text(json.dumps(info))
        paths.append(path)
    return paths


def _use(root: Path, episodes: Path) -> None:
    link = root / "episodes.next"
    link.symlink_to(episodes)
    os.replace(link, root / "episodes")  # atomic swap: the next build reads one whole set


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_never_leaves_a_broken_or_mixed_file(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_project(name="show")
    _write_set(tmp_path / "set-a", "old", EPISODES)
    _write_set(tmp_path / "set-b", "new", EPISODES + 3)
    infos = [_info_files(tmp_path / "info-a", "old"), _info_files(tmp_path / "info-b", "new")]
    (root / "data").mkdir()
    # The feeds of each set, built whole once: the only bytes a file may ever hold.
    known: list[dict[str, bytes]] = []
    for episodes in ("set-a", "set-b"):
        if not (root / "episodes").is_symlink():
            shutil.rmtree(root / "episodes")
        _use(root, tmp_path / episodes)
        assert _wait(_run(["-C", str(root), "build", "--now", NOW])) == 0
        known.append(_files(root / "feeds"))
    # How long a build that rewrites every file takes here: kill delays are spread over it.
    timings = []
    for episodes in ("set-a", "set-b", "set-a", "set-b"):
        _use(root, tmp_path / episodes)
        started = time.monotonic()
        assert _wait(_run(["-C", str(root), "build", "--now", NOW])) == 0
        timings.append(time.monotonic() - started)
    duration = sorted(timings)[len(timings) // 2]
    assert set(known[0]) < set(known[1])
    # Files that differ between the sets are the ones a kill could leave mixed: nearly all must.
    # (feeds.opml lists the same feeds for both.)
    same = {p for p in known[0] if known[0][p] == known[1][p]}
    assert same <= {"feeds.opml"}, f"files that do not change between sets: {sorted(same)}"
    allowed = {p: {known[0].get(p), known[1].get(p)} - {None} for p in known[1]}
    in_both = set(known[0])

    rng = random.Random(20261126)
    store_path = root / "data" / "youtube.json"
    held: set[str] = set()
    outcomes = {"killed mid-write": 0, "killed": 0, "finished": 0}
    for point in range(KILLS):
        store_turn = point % 5 == 4
        if store_turn:
            argv = ["-C", str(root), "import-info", *map(str, infos[point % 2])]
        else:
            _use(root, tmp_path / ("set-a", "set-b")[point % 2])
            argv = ["-C", str(root), "build", "--now", NOW]
        pid = _run(argv)
        mid_write = not store_turn and point % 2 == 1
        if mid_write:
            # Wait until the build is staging files, then kill it somewhere in the writing.
            while not _staging_started(root / "feeds"):
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    pid = 0
                    break
            time.sleep(rng.uniform(0, duration / 8))
        else:
            time.sleep(rng.uniform(0, duration))
        if pid:
            os.kill(pid, signal.SIGKILL)
            code = _wait(pid)
            outcomes[
                "finished" if code == 0 else ("killed mid-write" if mid_write else "killed")
            ] += 1
        else:
            outcomes["finished"] += 1

        files = _files(root / "feeds")
        assert in_both <= set(files), f"kill point {point}: a published file vanished"
        for path, data in files.items():
            assert data in allowed.get(path, set()), (
                f"kill point {point}: {path} is broken or mixed"
            )
        if store_path.exists():
            store = json.loads(store_path.read_bytes())  # valid JSON, or this raises
            ids = set(store["videos"])
            assert held <= ids, f"kill point {point}: the store lost {held - ids}"
            held = ids

    # How many kills land mid-write depends on the machine; the run must have some.
    assert outcomes["killed mid-write"] > 0, outcomes
    # A complete build afterwards leaves no temporary file behind.
    assert _wait(_run(["-C", str(root), "build", "--now", NOW])) == 0
    assert not [p for p in (root / "feeds").rglob(f"*{TEMP_SUFFIX}")]
    print(f"{KILLS} kill points: {outcomes}; one build takes about {duration:.2f}s")
