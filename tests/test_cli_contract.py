"""What scripts and schedulers rely on: stable exit codes, and every command and option documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click

from castpub.cli import cli
from castpub.errors import ExitCode
from conftest import run_castpub, write_episode
from test_cli import commands

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_exit_codes_are_stable_and_documented() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "INVALID_INPUT": 1,
        "USAGE": 2,
        "STALE": 3,
        "BUSY": 4,
    }
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \|", table, re.M), f"exit code {int(code)}"


def test_exit_codes_from_the_command_line(make_project) -> None:
    root: Path = make_project()
    assert run_castpub(root, "build").exit_code == ExitCode.OK
    usage = run_castpub(root, "build", "--no-such-option")
    assert usage.exit_code == ExitCode.USAGE
    assert "No such option '--no-such-option'" in usage.stderr
    write_episode(root, "2021-01-01-bad.md", "date: 2021-01-01")  # no title
    invalid = run_castpub(root, "build")
    assert invalid.exit_code == ExitCode.INVALID_INPUT
    assert "nothing was written" in invalid.stderr


def test_installed_command_keeps_exit_codes_and_output_through_its_fast_exit(make_project) -> None:
    """The `castpub` script leaves without tearing the interpreter down: what it printed to a
    pipe still arrives whole, and the exit codes are those of the table."""
    root: Path = make_project()
    command = [str(Path(sys.executable).parent / "castpub"), "-C", str(root)]
    built = subprocess.run([*command, "-v", "build"], capture_output=True, text=True)
    assert built.returncode == ExitCode.OK, built.stderr
    assert built.stdout.rstrip().endswith("removed") and "built " in built.stdout
    usage = subprocess.run([*command, "build", "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == ExitCode.USAGE
    assert "No such option '--no-such-option'" in usage.stderr
    write_episode(root, "2021-01-01-bad.md", "date: 2021-01-01")  # no title
    invalid = subprocess.run([*command, "build"], capture_output=True, text=True)
    assert invalid.returncode == ExitCode.INVALID_INPUT
    assert invalid.stderr.rstrip().endswith("nothing was written")


def _section(name: str) -> str:
    match = re.search(rf"^### castpub {re.escape(name)}\b.*?(?=^##)", README, re.M | re.S)
    assert match, f"README has no '### castpub {name}' section"
    return match.group(0)


def test_every_command_and_option_is_in_the_readme() -> None:
    for name, command in commands():
        section = _section(name)
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                longest = max(param.opts, key=len)
                assert longest in section, f"castpub {name} {longest} is not in README"
    for param in cli.params:
        if isinstance(param, click.Option):
            assert any(opt in README for opt in param.opts), param.opts
