"""One castpub run at a time per show directory; two builds started together leave whole files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from castpub.errors import ExitCode
from castpub.lock import LOCK_NAME, project_lock
from conftest import run_castpub
from publishing import add_episodes, all_files

CASTPUB = str(Path(sys.executable).parent / "castpub")
HOLD = (
    "import sys, time, pathlib; from castpub.lock import project_lock\n"
    "with project_lock(pathlib.Path(sys.argv[1]), 0):\n"
    "    print('locked', flush=True); time.sleep(600)\n"
)


def _holder(root: Path) -> subprocess.Popen[str]:
    """Another process holding the show's lock (it says 'locked' once it does)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_gives_up_with_a_clear_message(make_project) -> None:
    root: Path = make_project()
    with project_lock(root, 0):
        result = run_castpub(root, "build", "--wait", "0.2")
    assert result.exit_code == ExitCode.BUSY == 4
    assert "another castpub run holds" in result.stderr
    assert "waited 0.2 s and did nothing" in result.stderr
    assert not (root / "feeds").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["refresh"],
        ["media"],
        ["new", "YE7VzlLtp-4", "--title", "T", "--date", "2020-01-01"],
        ["import-info", "podcast.yaml"],
    ],
)
def test_every_command_that_writes_waits_for_the_lock(make_project, command: list[str]) -> None:
    root: Path = make_project()
    before = sorted(p.name for p in (root / "episodes").iterdir())
    with project_lock(root, 0):
        args = [str(root / a) if a == "podcast.yaml" else a for a in command]
        result = run_castpub(root, *args, "--wait", "0.1")
    assert result.exit_code == ExitCode.BUSY, result.output
    assert "another castpub run holds" in result.stderr
    assert sorted(p.name for p in (root / "episodes").iterdir()) == before
    assert not (root / "data").exists()


def test_a_waiting_run_goes_ahead_once_the_other_one_ends(make_project) -> None:
    root: Path = make_project()
    holder = _holder(root)
    build = subprocess.Popen(
        [CASTPUB, "-C", str(root), "build", "--wait", "120"], stdout=subprocess.PIPE, text=True
    )
    holder.terminate()
    holder.wait()
    out, _ = build.communicate(timeout=120)
    assert build.returncode == 0, out
    assert (root / "feeds/podcast.xml").is_file()


def test_the_lock_of_a_killed_run_is_taken_over(make_project) -> None:
    root: Path = make_project()
    holder = _holder(root)
    assert str(holder.pid) in (root / LOCK_NAME).read_text()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    result = run_castpub(root, "build", "--wait", "0")
    assert result.exit_code == 0, result.output
    assert str(holder.pid) not in (root / LOCK_NAME).read_text()


def test_no_lock_file_is_left_where_there_is_no_show(tmp_path: Path) -> None:
    result = run_castpub(tmp_path, "build")
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "no podcast.yaml here" in result.stderr
    assert not (tmp_path / LOCK_NAME).exists()


def _reference(make_project, name: str, now: str) -> dict[str, bytes]:
    root: Path = make_project(name=name)
    add_episodes(root, 60)
    assert run_castpub(root, "build", "--now", now).exit_code == 0
    return all_files(root / "feeds")


def test_two_builds_started_together_leave_one_whole_build(make_project) -> None:
    # Two moments that publish different episode sets, so a mix of both builds would show (and
    # close enough that the later one run first does not trip the shrink guard for the other).
    early, late = "2020-09-01T00:00:00+00:00", "2021-01-01T00:00:00+00:00"
    expected = [_reference(make_project, "a", early), _reference(make_project, "b", late)]
    assert expected[0] != expected[1]
    root: Path = make_project(name="shared")
    add_episodes(root, 60)
    runs = [
        subprocess.Popen(
            [CASTPUB, "-C", str(root), "build", "--now", now],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for now in (early, late)
    ]
    for run in runs:
        out, _ = run.communicate(timeout=120)
        assert run.returncode == 0, out
    assert all_files(root / "feeds") in expected
    assert not list((root / "feeds").rglob("*.castpub-tmp"))
    shutil.rmtree(root / "feeds")
