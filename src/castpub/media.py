"""`castpub media`: which episodes need audio or facts about their media, fetching them, recording
them in the store, and pruning old files from the media directory.

The store is the record of what was published: a build writes enclosures from it alone, so a
machine without the media files (CI) writes the same feeds. A file is recorded only once it is
complete under its final name; the store is saved after every success, so a killed run loses at
most the file in progress, and its `.part` is resumed by the next run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from castpub.assemble import enclosure_for, mime_type
from castpub.build import Project, split_by_status
from castpub.config import CONFIG_NAME, Show
from castpub.episodes import Episode
from castpub.errors import Problem, invalid
from castpub.fetch import Downloaded, FetchFailed, Learnt, Progress, Reason
from castpub.store import Store, save_store

__all__ = [
    "Fetchers",
    "MediaReport",
    "Reporter",
    "downloads_wanted",
    "lookups_wanted",
    "media_dir",
    "media_warnings",
    "prune",
    "run_media",
]

PARTIAL_DIR = ".partial"


@dataclass(frozen=True)
class Fetchers:
    """The network, passed in: the CLI gives the real adapters, tests may give others."""

    download: Callable[[str, Path, Progress | None], Downloaded]  # (video id, partial dir, ...)
    learn: Callable[[str], Learnt]
    sleep: Callable[[float], None]


class Reporter(Protocol):
    def start(self, what: str) -> Progress | None: ...

    def finished(self, what: str, message: str) -> None: ...

    def failed(self, what: str, failure: Reason, message: str) -> None: ...


@dataclass
class MediaReport:
    downloaded: list[str] = field(default_factory=list)
    learnt: list[str] = field(default_factory=list)
    failed: list[tuple[str, Reason, str]] = field(default_factory=list)
    stopped: Reason | None = None  # the failure that ended the run early
    left: int = 0  # downloads not tried: --limit or an early stop
    pruned: list[Path] = field(default_factory=list)


def media_dir(show: Show) -> Path:
    return show.media.dir if show.media.dir.is_absolute() else show.root / show.media.dir


def downloads_wanted(episodes: list[Episode], store: Store) -> list[Episode]:
    """Published episodes with a video, no front matter media and no recorded file; newest first."""
    wanted = [
        e
        for e in episodes
        if e.video is not None
        and e.media is None
        and not store.media.get(e.video.video_id, {}).get("file")
    ]
    return sorted(wanted, key=lambda e: (e.date, e.id), reverse=True)


def lookups_wanted(episodes: list[Episode], store: Store) -> list[str]:
    """Front matter media URLs whose length or type is not written and not learnt yet."""
    urls = []
    for episode in episodes:
        ref = episode.media
        if ref is None or (ref.length is not None and ref.type is not None):
            continue
        if ref.url not in store.media and ref.url not in urls:
            urls.append(ref.url)
    return urls


def record_download(
    store: Store, video_id: str, path: Path, duration: float | None, fetched_at: str
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": video_id,
        "file": path.name,
        "length": path.stat().st_size,
        "type": mime_type(path.name),
        "fetched_at": fetched_at,
    }
    if duration is not None:
        record["duration"] = round(duration)
    store.media[video_id] = record
    return record


def record_learnt(store: Store, learnt: Learnt, fetched_at: str) -> dict[str, Any]:
    record = {
        "id": learnt.url,
        "url": learnt.url,
        "length": learnt.length,
        "type": learnt.type or mime_type(learnt.url.split("?", 1)[0]),
        "fetched_at": fetched_at,
    }
    store.media[learnt.url] = record
    return record


def install(downloaded: Path, directory: Path, video_id: str) -> Path:
    """Move a complete download to its final name, <video id>.<ext>, in one rename."""
    target = directory / f"{video_id}{downloaded.suffix.lower()}"
    os.replace(downloaded, target)
    return target


def run_media(
    project: Project,
    now: datetime,
    fetched_at: str,
    fetchers: Fetchers,
    reporter: Reporter,
    limit: int | None = None,
) -> MediaReport:
    show, store = project.show, project.store
    published = split_by_status(project.episodes, now)[0]
    downloads = downloads_wanted(published, store)
    if downloads and show.media.url is None:
        raise invalid(
            show.root / CONFIG_NAME,
            None,
            "podcast.yaml has no 'media_url': downloaded media would be in no feed",
            "add media_url: https://.../ (where the media directory is published)",
        )
    report = MediaReport()
    _learn_all(project, lookups_wanted(published, store), fetched_at, fetchers, reporter, report)
    if report.stopped is None:
        chosen = downloads if limit is None else downloads[:limit]
        _download_all(project, chosen, fetched_at, fetchers, reporter, report)
        report.left += len(downloads) - len(chosen)
    report.pruned = prune(show, store, published)
    return report


def _learn_all(
    project: Project,
    urls: list[str],
    fetched_at: str,
    fetchers: Fetchers,
    reporter: Reporter,
    report: MediaReport,
) -> None:
    for url in urls:
        reporter.start(url)
        try:
            learnt = fetchers.learn(url)
        except FetchFailed as exc:
            if _failed(url, exc, reporter, report):
                return
            continue
        record = record_learnt(project.store, learnt, fetched_at)
        save_store(project.show.store_path, project.store)
        report.learnt.append(url)
        reporter.finished(url, f"{record['length']} bytes, {record['type']}")


def _download_all(
    project: Project,
    episodes: list[Episode],
    fetched_at: str,
    fetchers: Fetchers,
    reporter: Reporter,
    report: MediaReport,
) -> None:
    directory = media_dir(project.show)
    partial = directory / PARTIAL_DIR
    for n, episode in enumerate(episodes):
        assert episode.video is not None
        video_id = episode.video.video_id
        if n:
            fetchers.sleep(project.show.youtube.sleep)  # politeness, as refresh
        progress = reporter.start(video_id)
        try:
            downloaded = fetchers.download(video_id, partial, progress)
        except FetchFailed as exc:
            if _failed(video_id, exc, reporter, report):
                report.left += len(episodes) - n - 1
                return
            continue
        path = install(downloaded.path, directory, video_id)
        duration = downloaded.duration or _known_duration(project.store, video_id)
        record = record_download(project.store, video_id, path, duration, fetched_at)
        save_store(project.show.store_path, project.store)
        report.downloaded.append(video_id)
        reporter.finished(video_id, f"{record['file']}, {record['length']} bytes, {record['type']}")


def _known_duration(store: Store, video_id: str) -> float | None:
    info = store.video(video_id)
    return float(info.duration) if info and info.duration is not None else None


def _failed(what: str, exc: FetchFailed, reporter: Reporter, report: MediaReport) -> bool:
    """Note a failure; True when it ends the run."""
    report.failed.append((what, exc.reason, str(exc)))
    reporter.failed(what, exc.reason, str(exc))
    if exc.reason.network:
        report.stopped = exc.reason
        return True
    return False


def prune(show: Show, store: Store, published: list[Episode]) -> list[Path]:
    """Keep the files of the keep_last newest episodes; delete older recorded files.

    Only files the store records are touched, and their records stay: the feed keeps every
    enclosure, the media host is where old files are kept (or not).
    """
    keep_last = show.media.keep_last
    if keep_last is None:
        return []
    newest = sorted(
        (e for e in published if e.video and store.media.get(e.video.video_id, {}).get("file")),
        key=lambda e: (e.date, e.id),
        reverse=True,
    )
    directory = media_dir(show)
    removed = []
    for episode in newest[keep_last:]:
        assert episode.video is not None
        path = directory / str(store.media[episode.video.video_id]["file"])
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def media_warnings(project: Project, published: list[Episode]) -> list[Problem]:
    """`castpub check`: items without an enclosure, which podcast apps skip."""
    found = []
    for episode in published:
        enclosure = enclosure_for(project.show, episode, project.store)
        if enclosure is not None:
            if enclosure.length == 0:
                found.append(
                    Problem(
                        episode.path,
                        None,
                        f"the length of {enclosure.url} is not known: the enclosure says 0 bytes",
                        "run castpub media to learn it, or write media: {url: ..., length: BYTES}",
                        warning=True,
                    )
                )
            continue
        if project.show.media.require:
            what = "no media: require_media leaves it out of podcast.xml"
        else:
            what = "no media: its item has no enclosure, and podcast apps will skip it"
        found.append(
            Problem(
                episode.path,
                None,
                what,
                "run castpub media (needs media_url in podcast.yaml) or set 'media:'",
                warning=True,
            )
        )
    return found
