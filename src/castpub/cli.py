"""The command line: the `castpub` group and the commands of the core stages.

Library errors become messages and exit codes in one place, cli_common.user_errors.
"""

from __future__ import annotations

import importlib
import os
import sys
from itertools import chain
from pathlib import Path
from typing import ClassVar, NoReturn

import click

from castpub import __version__
from castpub.cli_common import (
    Context,
    now_option,
    parse_now,
    user_errors,
    utc_now_text,
    wait_option,
)
from castpub.errors import ExitCode


class Commands(click.Group):
    """castpub's commands. Those of other stages live in their own modules, named here, and are
    imported when one of them runs or is listed: YouTube's, the downloads' and the server's
    modules were a tenth of the start of every build."""

    elsewhere: ClassVar[dict[str, str]] = {
        "refresh": "castpub.cli_youtube",
        "new": "castpub.cli_youtube",
        "media": "castpub.cli_media",
        "serve": "castpub.cli_publish",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.elsewhere})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.elsewhere.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            self.add_command(getattr(importlib.import_module(module), cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
    "--refresh",
    "refresh_first",
    is_flag=True,
    help="Run castpub refresh first, then build from whatever the store has; exit 3 if stale.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Render every episode again instead of reusing .castpub-cache/ (same output, slower).",
)
@wait_option
@click.pass_obj
def build(
    obj: Context,
    now_text: str | None,
    allow_shrink: bool,
    check_only: bool,
    refresh_first: bool,
    no_cache: bool,
    wait_seconds: float,
) -> None:
    """Build feeds/ from episodes/ and the store.

    The network only with --refresh, and to notify a WebSub hub of changed feeds.
    """
    from castpub.build import build as run_build
    from castpub.build import check_outputs
    from castpub.lock import project_lock

    now = parse_now(now_text)
    stale = False
    with user_errors(), project_lock(obj.root, wait_seconds):
        if refresh_first:
            from castpub.cli_youtube import refresh_store

            stale = refresh_store(obj, force=False)
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
            sys.exit(ExitCode.STALE if stale else ExitCode.OK)
        result = run_build(obj.root, now, allow_shrink, use_cache=not no_cache)
    obj.details(
        chain(
            (f"warning: {warning}" for warning in result.warnings),
            (f"wrote {path}" for path in result.written),
            (f"removed {path}" for path in result.removed),
        )
    )
    for failure in result.websub_failures:
        click.echo(f"warning: {failure}", err=True)
    if result.path == "unchanged":
        obj.detail("no input changed since the last build: nothing parsed, rendered or written")
    elif result.path == "changed":
        obj.detail("only the changed episode files were built; other items copied from feeds/")
    obj.detail("time: " + ", ".join(f"{k} {v:.3f}s" for k, v in result.timings.items()))
    summary = result.summary()
    items = summary.items
    click.echo(
        f"built {summary.feeds} feed{'s' if summary.feeds != 1 else ''} with {items} "
        f"item{'s' if items != 1 else ''}: {len(result.written)} file(s) written, "
        f"{result.unchanged} unchanged, {len(result.removed)} removed"
        + (f"; {summary.drafts} draft(s)" if summary.drafts else "")
    )
    if summary.next_scheduled is not None:
        name, date = summary.next_scheduled
        click.echo(f"next scheduled: {name} at {date} ({summary.scheduled} scheduled)")
    if result.warnings:
        click.echo(f"{len(result.warnings)} warning(s); castpub check lists them")
    if stale:
        sys.exit(ExitCode.STALE)


@cli.command()
@now_option
@click.option(
    "--feeds",
    "check_feeds",
    is_flag=True,
    help="Also check the written RSS feeds against the PSP-1 rules that need no network.",
)
@click.pass_obj
def check(obj: Context, now_text: str | None, check_feeds: bool) -> None:
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
    if check_feeds:
        from castpub.feedcheck import report_feeds

        report_feeds(project.show.feeds_dir)


@cli.command("import-info")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@wait_option
@click.pass_obj
def import_info(obj: Context, files: tuple[Path, ...], wait_seconds: float) -> None:
    """Add yt-dlp .info.json files (videos or playlists) to the store, data/youtube.json."""
    from castpub.config import load_show
    from castpub.lock import project_lock
    from castpub.store import import_info_files, load_store, save_store

    with user_errors(), project_lock(obj.root, wait_seconds):
        show = load_show(obj.root)
        store = load_store(show.store_path)
        added = import_info_files(store, files, utc_now_text())
        changed = save_store(show.store_path, store)
    for entry in added:
        obj.detail(f"imported {entry}")
    click.echo(
        f"imported {len(added)} record(s) into {show.store_path}"
        + ("" if changed else " (no change)")
    )


def main(argv: list[str] | None = None) -> NoReturn:
    try:
        cli.main(args=argv, prog_name="castpub")
    except SystemExit as done:
        code = done.code
    else:
        code = None
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    # Leave without tearing the interpreter down, as mypy does: freeing the records of a
    # 10 000-episode show an object at a time, and collecting them once more, took a tenth of a
    # second of a rebuild. Every file is closed and every worker shut down by then; castpub
    # registers no exit handlers. A profiler or coverage tool still gets to write its report.
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.gettrace() is None and sys.getprofile() is None:
        os._exit(code or 0)
    sys.exit(code)
