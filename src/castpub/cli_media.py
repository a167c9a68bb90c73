"""`castpub media`: the command line of media.py, with a progress bar on a terminal."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from castpub.cli_common import Context, parse_now, user_errors, utc_now_text, wait_option
from castpub.config import Show
from castpub.errors import StaleData
from castpub.fetch import Downloaded, Progress, Reason
from castpub.lock import project_lock
from castpub.media import Fetchers, MediaReport


class LineReporter:
    """One line per event: what logs and schedulers read."""

    def start(self, what: str) -> Progress | None:
        click.echo(f"fetching {what}")
        return None

    def finished(self, what: str, message: str) -> None:
        click.echo(f"fetched {what}: {message}")

    def failed(self, what: str, failure: Reason, message: str) -> None:
        click.echo(f"failed {what} ({failure.value}): {message}", err=True)


class BarReporter(LineReporter):
    """On a terminal, a byte count that redraws in place while a file downloads."""

    def start(self, what: str) -> Progress | None:
        def show(done: int, total: int | None) -> None:
            share = f"{100 * done // total:3d}% of {_size(total)}" if total else _size(done)
            click.echo(f"\r{what}  {share}\x1b[K", nl=False, err=True)

        return show

    def finished(self, what: str, message: str) -> None:
        click.echo("\r\x1b[K", nl=False, err=True)
        super().finished(what, message)

    def failed(self, what: str, failure: Reason, message: str) -> None:
        click.echo("\r\x1b[K", nl=False, err=True)
        super().failed(what, failure, message)


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count} B"


def real_fetchers(show: Show) -> Fetchers:
    """The real network: yt-dlp for downloads, requests for HEAD."""
    import requests

    from castpub import download
    from castpub.http import learn_media

    settings = show.youtube
    options = download.DownloadOptions(
        format=show.media.format,
        socket_timeout=settings.socket_timeout,
        cookies=settings.cookies,
        proxy=settings.proxy,
    )
    session = requests.Session()
    if settings.proxy:
        session.proxies = {"http": settings.proxy, "https": settings.proxy}

    def fetch(video_id: str, partial: Path, progress: Progress | None) -> Downloaded:
        # download.watch_url is looked up on each call: tests point it at a loopback server.
        url = download.watch_url(video_id)
        return download.download_audio(video_id, url, partial, options, progress)

    return Fetchers(
        download=fetch,
        learn=lambda url: learn_media(url, session, settings.socket_timeout),
        sleep=time.sleep,
    )


@click.command()
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Download at most N files in this run (newest episodes first).",
)
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATE",
    help="Treat this moment as now: scheduled episodes due by then get their media too.",
)
@wait_option
@click.pass_obj
def media(obj: Context, limit: int | None, now_text: str | None, wait_seconds: float) -> None:
    """Download the audio of published episodes into the media directory, learn the length and
    type of front matter media, and record both in the store (the only media step that touches
    the network)."""
    from castpub.build import load_project
    from castpub.media import run_media

    now = parse_now(now_text)
    with user_errors(), project_lock(obj.root, wait_seconds):
        project = load_project(obj.root)
        reporter = BarReporter() if sys.stderr.isatty() else LineReporter()
        fetchers = real_fetchers(project.show)
        report = run_media(project, now, utc_now_text(), fetchers, reporter, limit)
        _summary(obj, report)
        if report.stopped is not None:
            raise StaleData(
                f"stopped early ({report.stopped.value}); run castpub media again later: "
                "finished files are recorded, a partial one resumes"
            )


def _summary(obj: Context, report: MediaReport) -> None:
    for path in report.pruned:
        obj.detail(f"removed {path} (keep_last)")
    click.echo(
        f"media: {len(report.downloaded)} downloaded, {len(report.learnt)} learnt, "
        f"{len(report.failed)} failed, {report.left} left for a later run, "
        f"{len(report.pruned)} old file(s) removed"
    )
