"""The README documents every command and option of the media stage, and its podcast.yaml keys."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from castpub.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def options(command: click.Command) -> list[str]:
    return [
        name
        for param in command.params
        if isinstance(param, click.Option)
        for name in param.opts
        if name.startswith("--") and name != "--help"
    ]


@pytest.mark.parametrize("name", ["media", "check"])
def test_command_and_its_options_are_documented(name: str) -> None:
    command = cli.commands[name]
    assert f"### castpub {name}" in README
    section = README.split(f"### castpub {name}", 1)[1].split("\n### ", 1)[0]
    for option in options(command):
        assert f"`{option}" in section, f"{option} of castpub {name} is not in the README"


@pytest.mark.parametrize(
    "key", ["media_dir", "media_url", "media_format", "keep_last", "require_media"]
)
def test_podcast_yaml_media_keys_are_documented(key: str) -> None:
    assert f"| `{key}` |" in README
