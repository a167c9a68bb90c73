"""The commands that talk to YouTube: `castpub refresh` and `castpub new` (registered in cli.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import click

from castpub.cli_common import Context, user_errors, wait_option
from castpub.config import Show, load_show
from castpub.errors import ExitCode, invalid
from castpub.fetch import FetchFailed
from castpub.lock import project_lock
from castpub.newepisode import Writer, episodes_by_video
from castpub.refresh import Fetcher, Outcome, Refresh, advice, is_fresh, prepare
from castpub.store import load_store
from castpub.videos import parse_playlist_id, parse_video_url


def make_fetcher(show: Show) -> Fetcher:
    """The real YouTube; tests replace this function to record or redirect requests."""
    from castpub.youtube import YouTube  # imported here: yt-dlp takes a second to load

    return YouTube(show.youtube)


def _plain_line(outcome: Outcome) -> None:
    if outcome.status == "skipped":
        return  # the summary counts them; a line each would bury the reason
    text = f"{outcome.kind} {outcome.id}: {outcome.status}"
    if outcome.failure is not None:
        text += f" ({outcome.failure.reason.value}: {outcome.failure.message})"
    click.echo(text)


@contextmanager
def progress(total: int) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar on a terminal; plain lines otherwise (cron logs, CI)."""
    if not sys.stdout.isatty() or total == 0:
        yield _plain_line
        return
    with click.progressbar(length=total, label="refresh", show_pos=True) as bar:

        def step(outcome: Outcome) -> None:
            bar.update(1)
            if outcome.failure is not None:
                click.echo(f"\n{outcome.kind} {outcome.id}: {outcome.failure.reason.value}")

        yield step


def refresh_store(obj: Context, force: bool, dry_run: bool = False) -> bool:
    """Run one refresh and report it; returns whether some records stayed stale."""
    show = load_show(obj.root)
    store = load_store(show.store_path)
    now = datetime.now(UTC)
    work, wanted = prepare(show, store, now, force)
    if dry_run:
        for kind, ids in (("playlist", work.playlists), ("video", work.videos)):
            for item_id in ids:
                click.echo(f"would fetch {kind} {item_id}")
        click.echo(
            f"refresh --dry-run: {len(work.playlists) + len(work.videos)} to fetch, "
            f"{work.fresh} already fresh"
        )
        return False
    with progress(len(work.playlists) + len(work.videos)) as report:
        summary = Refresh(show, store, make_fetcher(show), now, report).run(work, wanted)
    click.echo(summary.line())
    if summary.stopped_by is not None:
        click.echo(f"warning: {advice(summary.stopped_by, show)}", err=True)
    if summary.stale:
        click.echo("some records are stale: builds use what the store already knew", err=True)
    return summary.stale


@click.command()
@click.option("--all", "force", is_flag=True, help="Fetch every video and playlist, however fresh.")
@click.option("--dry-run", is_flag=True, help="List what would be fetched; ask YouTube nothing.")
@wait_option
@click.pass_obj
def refresh(obj: Context, force: bool, dry_run: bool, wait_seconds: float) -> None:
    """Fetch what the store lacks from YouTube: playlists, then videos, politely.

    Exits 0 when everything is fresh, 3 when network trouble left some records stale.
    """

    with user_errors(), project_lock(obj.root, wait_seconds):
        stale = refresh_store(obj, force, dry_run)
    if stale:
        sys.exit(ExitCode.STALE)


@click.command()
@click.argument("video", required=False, metavar="[URL|ID]")
@click.option(
    "--playlist",
    "playlist",
    metavar="ID|URL",
    help="Write a file for every video of this playlist that has none yet (or with URL|ID: "
    "the embed's list=).",
)
@click.option("--title", help="The episode title, when the store does not know the video.")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The episode date, when the store does not know the video.",
)
@click.option("--tags", default="", help="Comma-separated tags for the front matter.")
@wait_option
@click.pass_obj
def new(
    obj: Context,
    video: str | None,
    playlist: str | None,
    title: str | None,
    day: datetime | None,
    tags: str,
    wait_seconds: float,
) -> None:
    """Write a draft episode file (published: false) for a YouTube video or a playlist's videos.

    Never overwrites a file. Uses the store when it knows the video, YouTube otherwise.
    """
    playlist_id = _playlist_id(playlist)
    tag_list = tuple(t.strip() for t in tags.split(",") if t.strip())
    if video is None and playlist_id is None:
        raise click.UsageError("give a video URL or id, or --playlist ID")
    if video is None and (title or day):
        raise click.UsageError("--title and --date name one video: give its URL or id")

    with user_errors(), project_lock(obj.root, wait_seconds):
        show = load_show(obj.root)
        writer = Writer(show, load_store(show.store_path), make_fetcher(show), datetime.now(UTC))
        if video is not None:
            _new_video(writer, video, playlist_id, title, day.date() if day else None, tag_list)
            return
        assert playlist_id is not None
        complete = _new_from_playlist(writer, playlist_id, tag_list)
    if not complete:
        sys.exit(ExitCode.STALE)


def _playlist_id(text: str | None) -> str | None:
    if text is None:
        return None
    playlist_id = parse_playlist_id(text)
    if playlist_id is None:
        raise click.BadParameter(f"{text!r} is not a playlist id or URL", param_hint="--playlist")
    return playlist_id


def _new_video(
    writer: Writer,
    text: str,
    playlist_id: str | None,
    title: str | None,
    day: date | None,
    tags: tuple[str, ...],
) -> None:
    ref = parse_video_url(text.strip())
    if ref is None:
        raise click.BadParameter(f"{text!r} is not a YouTube video URL or id", param_hint="URL|ID")
    existing = episodes_by_video(writer.show).get(ref.video_id)
    if existing is not None:
        raise invalid(
            existing,
            None,
            f"already is the episode of video {ref.video_id}; castpub new writes one file per video",
            "edit that file",
        )
    try:
        new_episode = writer.describe(
            ref.video_id, playlist_id or ref.playlist_id, title, day, tags
        )
    except FetchFailed as failure:
        raise invalid(
            None,
            None,
            f"video {ref.video_id}: the store does not know it and YouTube did not answer "
            f"({failure.reason.value}: {failure.message})",
            "pass --title and --date to write the episode offline",
        ) from None
    path = writer.write(new_episode)
    click.echo(f"wrote {_relative(writer, path)} (a draft: set 'published: true' to publish it)")


def _new_from_playlist(writer: Writer, playlist_id: str, tags: tuple[str, ...]) -> bool:
    """Write the playlist's missing episodes; returns False when network trouble left some out."""
    entries = _playlist_entries(writer, playlist_id)
    have = episodes_by_video(writer.show)
    missing = [e for e in entries if e not in have]
    written, left = 0, 0
    for n, video_id in enumerate(missing):
        try:
            path = writer.write(writer.describe(video_id, playlist_id, None, None, tags))
        except FetchFailed as failure:
            click.echo(f"video {video_id}: {failure.reason.value}: {failure.message}", err=True)
            if failure.reason.network:
                left = len(missing) - n
                click.echo(f"warning: {advice(failure, writer.show)}", err=True)
                break
            continue
        written += 1
        click.echo(f"wrote {_relative(writer, path)}")
    click.echo(
        f"playlist {playlist_id}: {len(entries)} video(s), {len(entries) - len(missing)} with an "
        f"episode file, {written} draft(s) written" + (f", {left} left for later" if left else "")
    )
    return left == 0


def _playlist_entries(writer: Writer, playlist_id: str) -> list[str]:
    """The playlist's video ids: fetched when the store's copy is missing or old."""
    record = writer.store.playlists.get(playlist_id)
    if not is_fresh(record, writer.show.youtube.playlist_max_age, writer.now):
        try:
            writer.fetch_playlist(playlist_id)
        except FetchFailed as failure:
            if record is None:
                raise invalid(
                    None,
                    None,
                    f"playlist {playlist_id}: the store does not know it and YouTube did not "
                    f"answer ({failure.reason.value}: {failure.message})",
                    "run castpub refresh when YouTube can be reached",
                ) from None
            click.echo(
                f"warning: playlist {playlist_id}: using the store's copy ({failure.reason.value})",
                err=True,
            )
    record = writer.store.playlists.get(playlist_id) or {}
    return [str(e["id"]) for e in record.get("entries", []) if isinstance(e, dict) and e.get("id")]


def _relative(writer: Writer, path: Path) -> str:
    return str(path.relative_to(writer.show.root))
