"""Shared test fixtures: sample show directories (tests/projects/<case>/) and an in-process CLI."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from castpub.cli import cli

PROJECTS = Path(__file__).parent / "projects"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_castpub(root: Path, *args: str) -> Run:
    """Run the castpub CLI in-process in the show directory `root`."""
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def castpub() -> Callable[..., Run]:
    return run_castpub


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Copy tests/projects/<case> to a fresh directory and return it."""

    def make(case: str = "seed", name: str = "show") -> Path:
        target = tmp_path / name
        shutil.copytree(PROJECTS / case, target)
        return target

    return make


def write_episode(root: Path, name: str, front: str, body: str = "Intro.\n") -> Path:
    """Write episodes/<name> with the given front matter lines and body."""
    path = root / "episodes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n\n{body}", encoding="utf-8")
    return path
