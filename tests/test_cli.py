"""The command line: exit codes, messages for people, and every command documented."""

import re
from pathlib import Path

import click
import pytest

from castpub.cli import cli
from conftest import run_castpub, write_episode
from test_store import import_all

README = (Path(__file__).parents[1] / "README.md").read_text()


def commands() -> list[tuple[str, click.Command]]:
    """Every command, those imported only when they run included."""
    group = cli
    assert isinstance(group, click.Group)
    context = click.Context(group)
    found = [(name, group.get_command(context, name)) for name in group.list_commands(context)]
    assert {"build", "refresh", "new", "media", "serve"} <= {name for name, _ in found}
    return [(name, command) for name, command in found if command is not None]


@pytest.mark.parametrize(("name", "command"), commands())
def test_every_command_and_option_is_documented(name: str, command: click.Command) -> None:
    assert f"castpub {name}" in README, f"README does not document castpub {name}"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            longest = max(param.opts, key=len)
            assert longest in README, f"README does not document {name} {longest}"


def test_global_options_are_documented() -> None:
    for opt in ("-C DIR", "--verbose", "--version"):
        assert opt in README


def test_readme_starts_with_the_two_setup_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    assert [line.split("#")[0].strip() for line in first_block.group(1).strip().splitlines()] == [
        "make feeds",
        "make test",
    ]


def test_check_lists_warnings_and_exits_0(make_project) -> None:
    root = make_project("varied")
    result = run_castpub(root, "check", "--now", "2026-01-01T00:00:00Z")
    assert result.exit_code == 0
    assert "2017-06-01-draft.md: warning: draft (published: false): in no feed" in result.stdout
    assert (
        "2017-05-10-ist-watch-link.md:4: warning: time-zone abbreviation IST is ambiguous; read as +05:30"
        in result.stdout
    )
    assert (
        "2017-04-04-cest-interview.html.md:12: warning: video YE7VzlLtp-4 is not in the store"
        in result.stdout
    )
    assert "2017-07-01-blog-roundup.md: warning: no YouTube video and no media" in result.stdout
    assert result.stdout.strip().endswith("9 episode(s) checked: 0 errors, 19 warning(s)")


def test_check_after_import_has_fewer_warnings(make_project) -> None:
    root = make_project("varied")
    import_all(root)
    result = run_castpub(root, "check", "--now", "2026-01-01T00:00:00Z")
    assert "YE7VzlLtp-4 is not in the store" not in result.stdout
    assert "qVv6vCqciTM is not in the store" in result.stdout


def test_check_scheduled_warning(make_project) -> None:
    root = make_project("seed")
    write_episode(root, "2030-01-01-later.md", "title: Later\ndate: 2030-01-01 00:00:00 UTC")
    result = run_castpub(root, "check", "--now", "2026-01-01T00:00:00Z")
    assert (
        "2030-01-01-later.md: warning: scheduled for 2030-01-01T00:00:00+00:00: in no feed until then"
        in result.stdout
    )


def test_check_exits_1_on_errors_without_traceback(make_project) -> None:
    root = make_project("seed")
    write_episode(root, "2018-01-01-bad.md", "title: [unclosed")
    result = run_castpub(root, "check")
    assert result.exit_code == 1
    assert "2018-01-01-bad.md:2: front matter is not valid YAML" in result.stderr
    assert "Traceback" not in result.output


def test_usage_error_exits_2() -> None:
    result = run_castpub(Path("."), "bulid")
    assert result.exit_code == 2
    assert "No such command 'bulid'" in result.stderr


def test_bad_now_is_a_usage_error(make_project) -> None:
    result = run_castpub(make_project("seed"), "build", "--now", "tomorrow")
    assert result.exit_code == 2
    assert "'tomorrow' is not an ISO date" in result.stderr


def test_verbose_lists_written_files(make_project) -> None:
    root = make_project("seed")
    result = run_castpub(root, "-v", "build")
    assert result.exit_code == 0
    assert f"wrote {root / 'feeds' / 'podcast.xml'}" in result.stderr
