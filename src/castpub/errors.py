"""Errors that reach people. The CLI turns these into messages and exit codes in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Stable exit codes, documented in the README, so schedulers alert only on what needs a person."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    STALE = 3
    BUSY = 4  # another run holds the show's lock; nothing was done


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and how to fix it."""

    path: Path | None
    line: int | None
    what: str
    fix: str = ""
    warning: bool = False

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{'warning: ' if self.warning else ''}{self.what}"
        return f"{text}; {self.fix}" if self.fix else text


class CastpubError(Exception):
    """Base of every error castpub reports to a person instead of a traceback."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT


class InvalidInput(CastpubError):
    """The show or its episodes are wrong; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def invalid(path: Path | None, line: int | None, what: str, fix: str = "") -> InvalidInput:
    return InvalidInput([Problem(path, line, what, fix)])


class StaleData(CastpubError):
    """The build or refresh finished, but with YouTube data older than wanted (network trouble)."""

    exit_code = ExitCode.STALE
