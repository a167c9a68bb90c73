"""The scheduling recipes work as written: the GitHub workflow's own commands, cron, systemd."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import run_castpub, write_episode
from publishing import rss_titles

REPO = Path(__file__).parent.parent
VENV = Path(sys.executable).parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "feeds.yml"
SYSTEMD = REPO / "contrib" / "systemd"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def _show_repo(make_project, tmp_path: Path) -> Path:
    """A show's git repo as the workflow sees it, with a bare origin to push to."""
    root: Path = make_project()
    for name in ("Makefile", ".gitignore", "pyproject.toml"):
        shutil.copy2(REPO / name, root / name)
    # Older than the installed castpub, so `make feeds` reuses it instead of reinstalling.
    os.utime(root / "pyproject.toml", (0, 0))
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "show")
    _git(root, "remote", "add", "origin", str(origin))
    _git(root, "push", "-q", "-u", "origin", "main")
    return root


def _install_castpub(root: Path) -> None:
    """root/.venv/bin/castpub, where the recipes expect it, pointing at the tested castpub."""
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "castpub").symlink_to(VENV / "bin" / "castpub")


def _workflow_commands() -> list[str]:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    return [step["run"] for step in steps if "run" in step]


def _run_workflow(repo: Path) -> None:
    env = {**os.environ, "VENV": str(VENV)}
    for command in _workflow_commands():
        subprocess.run(["bash", "-e", "-c", command], cwd=repo, env=env, check=True)


def test_workflow_builds_on_schedule_and_push_and_publishes_feeds() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"] and "episodes/**" in triggers["push"]["paths"]
    uses = [s.get("uses", "") for s in workflow["jobs"]["build"]["steps"]]
    assert any(u.startswith("actions/setup-python") for u in uses)
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert "make feeds" in _workflow_commands()


def test_running_the_workflow_twice_commits_once(make_project, tmp_path: Path) -> None:
    repo = _show_repo(make_project, tmp_path)
    (repo / "notes.txt").write_text("not part of the show's output\n")
    _run_workflow(repo)
    assert _git(repo, "log", "-1", "--format=%s") == "Regenerate feeds\n"
    committed = _git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert "feeds/podcast.xml" in committed and "feeds/index.html" in committed
    assert all(name.startswith(("feeds/", "data/")) for name in committed)
    head = _git(repo, "rev-parse", "HEAD")
    assert _git(repo, "rev-parse", "origin/main") == head

    _run_workflow(repo)
    assert _git(repo, "rev-parse", "HEAD") == head
    assert _git(repo, "status", "--porcelain") == "?? notes.txt\n"


def test_a_scheduled_episode_goes_out_with_the_first_run_after_its_date(make_project) -> None:
    root: Path = make_project()
    write_episode(root, "2030-05-01-later.md", "title: Later\ndate: 2030-05-01 08:00 UTC")
    before = run_castpub(root, "build", "--now", "2030-05-01T07:59:00+00:00")
    assert "next scheduled: 2030-05-01-later.md" in before.stdout
    assert "Later" not in rss_titles(root / "feeds/podcast.xml")
    assert run_castpub(root, "build", "--now", "2030-05-01T08:15:00+00:00").exit_code == 0
    assert rss_titles(root / "feeds/podcast.xml")[0] == "Later"
    assert "Later" in (root / "feeds/index.html").read_text()


def test_crontab_line_runs_as_written(make_project, tmp_path: Path) -> None:
    line = next(
        line
        for line in (REPO / "contrib" / "crontab").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert line in (REPO / "README.md").read_text()
    schedule, command = line.split(" ", 5)[:5], line.split(" ", 5)[5]
    assert schedule == ["*/15", "*", "*", "*", "*"]
    root: Path = make_project()
    _install_castpub(root)
    command = command.replace("/srv/show", str(root))
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # cron mails stderr: a good run mails nothing
    assert "built 2 feeds" in (tmp_path / "castpub.log").read_text()


def _units(tmp_path: Path, root: Path) -> Path:
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("castpub.service", "castpub.timer"):
        text = (SYSTEMD / unit).read_text().replace("/srv/show", str(root))
        (units / unit).write_text(text)
    return units


def test_systemd_service_runs_as_written(make_project, tmp_path: Path) -> None:
    root: Path = make_project()
    _install_castpub(root)
    service = (_units(tmp_path, root) / "castpub.service").read_text()
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    done = subprocess.run(
        shlex.split(exec_start.removeprefix("ExecStart=")), cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (root / "feeds" / "podcast.xml").is_file()
    timer = (SYSTEMD / "castpub.timer").read_text()
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_units_verify(make_project, tmp_path: Path) -> None:
    root: Path = make_project()
    _install_castpub(root)
    units = _units(tmp_path, root)
    done = subprocess.run(
        ["systemd-analyze", "verify", "castpub.service", "castpub.timer"],
        cwd=units,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
