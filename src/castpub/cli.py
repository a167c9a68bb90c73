"""The command line. Library errors become messages and exit codes here, in one place."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from castpub import __version__
from castpub.errors import CastpubError, ExitCode, InvalidInput


@dataclass
class Context:
    root: Path
    verbose: int

    def say(self, message: str) -> None:
        click.echo(message)

    def detail(self, message: str) -> None:
        if self.verbose:
            click.echo(message, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn castpub's errors into messages and exit codes: no tracebacks for user mistakes."""
    try:
        yield
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        count = len(exc.problems)
        click.echo(
            f"{count} problem{'s' if count != 1 else ''} found; nothing was written", err=True
        )
        sys.exit(exc.exit_code)
    except CastpubError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; files already in place are complete", err=True)
        sys.exit(130)


def parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date such as 2026-01-31T09:00+01:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


now_option = click.option(
    "--now",
    "now_text",
    metavar="ISO-DATE",
    help="Treat this moment as now, to preview which scheduled episodes a later run publishes.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Run in this show directory instead of the current one.",
)
@click.option("-v", "--verbose", count=True, help="Say more about what happens.")
@click.version_option(__version__, prog_name="castpub")
@click.pass_context
def cli(ctx: click.Context, root: Path, verbose: int) -> None:
    """Publish a show of YouTube interviews as podcast RSS and Atom feeds.

    Works on the show directory it is started in (podcast.yaml, episodes/, data/, feeds/).
    """
    ctx.obj = Context(root, verbose)


@cli.command()
@now_option
@click.option(
    "--allow-shrink",
    is_flag=True,
    help="Publish even if the feed loses more items than podcast.yaml max_shrink allows.",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 and list the files when feeds/ is not up to date.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Render every episode again instead of reusing .castpub-cache/ (same output, slower).",
)
@click.pass_obj
def build(
    obj: Context, now_text: str | None, allow_shrink: bool, check_only: bool, no_cache: bool
) -> None:
    """Build feeds/ from episodes/ and the store (never touches the network)."""
    from castpub.build import build as run_build
    from castpub.build import check_outputs

    now = parse_now(now_text)
    with user_errors():
        if check_only:
            result, differ = check_outputs(obj.root, now, use_cache=not no_cache)
            for relpath in differ:
                click.echo(f"out of date: feeds/{relpath}")
            if differ:
                click.echo(
                    f"{len(differ)} file(s) in feeds/ differ from a fresh build; run castpub build",
                    err=True,
                )
                sys.exit(ExitCode.INVALID_INPUT)
            click.echo("feeds/ is up to date")
            return
        result = run_build(obj.root, now, allow_shrink, use_cache=not no_cache)
    for warning in result.warnings:
        obj.detail(f"warning: {warning}")
    for path in result.written:
        obj.detail(f"wrote {path}")
    for path in result.removed:
        obj.detail(f"removed {path}")
    obj.detail("time: " + ", ".join(f"{k} {v:.3f}s" for k, v in result.timings.items()))
    items = len(result.feeds[0].items)
    click.echo(
        f"built {len(result.feeds)} feed{'s' if len(result.feeds) != 1 else ''} with {items} "
        f"item{'s' if items != 1 else ''}: {len(result.written)} file(s) written, "
        f"{result.unchanged} unchanged, {len(result.removed)} removed"
        + (f"; {len(result.drafts)} draft(s)" if result.drafts else "")
    )
    upcoming = result.next_scheduled
    if upcoming is not None:
        click.echo(
            f"next scheduled: {upcoming.path.name} at {upcoming.date.isoformat()} "
            f"({len(result.scheduled)} scheduled)"
        )
    if result.warnings:
        click.echo(f"{len(result.warnings)} warning(s); castpub check lists them")


@cli.command()
@now_option
@click.pass_obj
def check(obj: Context, now_text: str | None) -> None:
    """Validate the show and its episodes without writing; list warnings.

    Exits 0 when there are no errors (warnings allowed), 1 otherwise.
    """
    from castpub.build import load_project
    from castpub.checks import warnings_for

    now = parse_now(now_text)
    with user_errors():
        project = load_project(obj.root)
        warnings = warnings_for(project, now)
    for warning in warnings:
        click.echo(str(warning))
    click.echo(f"{len(project.episodes)} episode(s) checked: 0 errors, {len(warnings)} warning(s)")


@cli.command("import-info")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.pass_obj
def import_info(obj: Context, files: tuple[Path, ...]) -> None:
    """Add yt-dlp .info.json files (videos or playlists) to the store, data/youtube.json."""
    from castpub.config import load_show
    from castpub.store import import_info_files, load_store, save_store

    with user_errors():
        show = load_show(obj.root)
        store = load_store(show.store_path)
        added = import_info_files(store, files, _utc_now_text())
        changed = save_store(show.store_path, store)
    for entry in added:
        obj.detail(f"imported {entry}")
    click.echo(
        f"imported {len(added)} record(s) into {show.store_path}"
        + ("" if changed else " (no change)")
    )


def _utc_now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# Commands of other stages live in their own modules and are registered here, one line each.


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="castpub")
