"""The build: episodes + store + show -> feeds/, all or nothing, never from the network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from castpub.archive import ARCHIVE_DIR, paginate
from castpub.assemble import assemble, episode_guid, episode_link
from castpub.config import Show, load_show
from castpub.episodes import Episode, find_episode_files, read_episode
from castpub.errors import InvalidInput, Problem
from castpub.feeds import render_feed
from castpub.guard import PublishedItem, check_guids, published_items
from castpub.model import Feed
from castpub.notes import Notes, render_notes
from castpub.opml import OPML_PATH, feeds_opml
from castpub.output import Staging, inside, remove_leftovers, same_bytes
from castpub.page import PAGE_PATH, page_link, show_page
from castpub.store import Store, load_store
from castpub.transcripts import chapters_json, transcript_page
from castpub.websub import announce, hub_links

# Folders under feeds/ that castpub owns: files it no longer writes there are removed.
OWNED_DIRS = ("transcripts", "chapters", "playlists", ARCHIVE_DIR)


@dataclass
class Project:
    show: Show
    store: Store
    episodes: list[Episode]
    warnings: list[Problem]


@dataclass
class BuildResult:
    feeds: list[Feed]
    published: list[Episode]
    drafts: list[Episode]
    scheduled: list[Episode]
    warnings: list[Problem]
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: int = 0
    websub_failures: list[str] = field(default_factory=list)

    @property
    def next_scheduled(self) -> Episode | None:
        return min(self.scheduled, key=lambda e: e.date, default=None)


def load_project(root: Path) -> Project:
    """Read podcast.yaml, the store and every episode; raise with every problem found."""
    show = load_show(root)
    store = load_store(show.store_path)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    episodes = []
    for path in find_episode_files(show):
        result = read_episode(path, show)
        problems.extend(result.problems)
        warnings.extend(result.warnings)
        if result.episode is not None:
            episodes.append(result.episode)
    problems.extend(_duplicates(show, episodes))
    if problems:
        raise InvalidInput(problems)
    return Project(show, store, episodes, warnings)


def _duplicates(show: Show, episodes: list[Episode]) -> list[Problem]:
    problems = []
    for label, key in (("GUID", episode_guid), ("URL", episode_link)):
        first: dict[str, Episode] = {}
        for episode in episodes:
            value = key(show, episode)
            other = first.setdefault(value, episode)
            if other is not episode:
                # Point at the line that makes the clash: guid: for a GUID, else slug:.
                key_line = "guid" if label == "GUID" and episode.guid else "slug"
                problems.append(
                    Problem(
                        episode.path,
                        episode.lines.get(key_line),
                        f"same {label} as {other.path.name}: {value}",
                        "give one of them its own 'slug:' or 'guid:' in the front matter",
                    )
                )
    return problems


def split_by_status(episodes: list[Episode], now: datetime) -> tuple[list[Episode], ...]:
    """(published and due, drafts, scheduled for later)."""
    published, drafts, scheduled = [], [], []
    for episode in episodes:
        if not episode.published:
            drafts.append(episode)
        elif episode.date > now:
            scheduled.append(episode)
        else:
            published.append(episode)
    return published, drafts, scheduled


def render_all(project: Project, episodes: list[Episode]) -> dict[str, Notes]:
    store = project.store
    notes = {}
    for episode in episodes:
        video = store.video(episode.video.video_id) if episode.video else None
        notes[episode.id] = render_notes(
            episode.body, video, video.chapters if video else (), episode.description
        )
    return notes


def outputs(
    project: Project, feeds: list[Feed], notes: dict[str, Notes], episodes: list[Episode]
) -> Iterator[tuple[str, bytes]]:
    """Every file the build writes, relative to feeds/, produced one at a time to bound memory."""
    show = project.show
    links = (*hub_links(show.websub_hub), page_link(show))
    for feed in feeds:
        for page in paginate(show, replace(feed, links=feed.links + links), show.limit):
            rss, atom = render_feed(show, page)
            yield page.rss_path, rss
            yield page.atom_path, atom
    yield PAGE_PATH, show_page(show, feeds[0], feeds[1:])
    yield OPML_PATH, feeds_opml(show, feeds)
    for episode in episodes:
        link = episode_link(show, episode)
        yield (
            f"transcripts/{episode.id}.html",
            transcript_page(episode.title, show.language, notes[episode.id].transcript, link),
        )
        video = project.store.video(episode.video.video_id) if episode.video else None
        if video and video.chapters:
            yield f"chapters/{episode.id}.json", chapters_json(video.chapters)


def prepare(
    project: Project, now: datetime, allow_shrink: bool = False
) -> tuple[BuildResult, dict[str, Notes]]:
    published, drafts, scheduled = split_by_status(project.episodes, now)
    notes = render_all(project, published)
    feeds = assemble(project.show, published, notes, project.store)
    paths = {e.id: e.path for e in project.episodes}
    previous = published_items(project.show.feeds_dir / "podcast.xml")
    problems = check_guids(previous, feeds[0], paths)
    if not allow_shrink:
        problems.extend(_shrink(project.show, "podcast.xml", previous, feeds[0]))
        problems.extend(_playlist_shrink(project.show, feeds))
    if problems:
        raise InvalidInput(problems)
    return BuildResult(feeds, published, drafts, scheduled, project.warnings), notes


def _shrink(
    show: Show, relpath: str, previous: list[PublishedItem], feed: Feed | None
) -> list[Problem]:
    """Refuse to publish a feed that lost more than max_shrink of its items (a deleted folder, a
    bad merge) unless the author says so. No feed at all (None) loses every item."""
    if not previous:
        return []
    kept = {i.guid for i in feed.items} if feed is not None else set()
    lost = sum(1 for old in previous if old.guid not in kept)
    if lost and lost / len(previous) > show.max_shrink:
        return [
            Problem(
                show.feeds_dir / relpath,
                None,
                f"the build would drop {lost} of the {len(previous)} published items",
                "if that is intended, run castpub build --allow-shrink",
            )
        ]
    return []


def _playlist_shrink(show: Show, feeds: list[Feed]) -> list[Problem]:
    """The same guard for every playlist feed already published: people subscribe to those too,
    and one whose playlist vanished from the store would otherwise be deleted."""
    by_path = {f.rss_path: f for f in feeds}
    problems: list[Problem] = []
    directory = show.feeds_dir / "playlists"
    for published in sorted(directory.glob("*/podcast.xml")) if directory.is_dir() else []:
        relpath = str(published.relative_to(show.feeds_dir))
        problems += _shrink(show, relpath, published_items(published), by_path.get(relpath))
    return problems


def build(root: Path, now: datetime, allow_shrink: bool = False) -> BuildResult:
    """Build feeds/; nothing is written unless everything is valid."""
    project = load_project(root)
    result, notes = prepare(project, now, allow_shrink)
    feeds_dir = project.show.feeds_dir
    remove_leftovers(feeds_dir)
    wanted = set()
    with Staging() as staging:
        for relpath, data in outputs(project, result.feeds, notes, result.published):
            wanted.add(relpath)
            staging.add(inside(feeds_dir, relpath), data)
        result.written = staging.commit()
        result.unchanged = staging.unchanged
    result.removed = _remove_stale(feeds_dir, wanted)
    result.websub_failures = announce(
        project.show.websub_hub, result.feeds, result.written, feeds_dir
    )
    return result


def check_outputs(root: Path, now: datetime) -> tuple[BuildResult, list[str]]:
    """What `build` would change in feeds/, without writing anything."""
    project = load_project(root)
    result, notes = prepare(project, now, allow_shrink=True)
    feeds_dir = project.show.feeds_dir
    differ = []
    wanted = set()
    for relpath, data in outputs(project, result.feeds, notes, result.published):
        wanted.add(relpath)
        if not same_bytes(inside(feeds_dir, relpath), data):
            differ.append(relpath)
    differ.extend(str(p.relative_to(feeds_dir)) for p in _stale(feeds_dir, wanted))
    return result, sorted(differ)


def _stale(feeds_dir: Path, wanted: set[str]) -> list[Path]:
    stale = []
    for owned in OWNED_DIRS:
        directory = feeds_dir / owned
        if directory.is_dir():
            for path in sorted(directory.rglob("*")):
                if path.is_file() and str(path.relative_to(feeds_dir)) not in wanted:
                    stale.append(path)
    return stale


def _remove_stale(feeds_dir: Path, wanted: set[str]) -> list[Path]:
    removed = _stale(feeds_dir, wanted)
    for path in removed:
        path.unlink(missing_ok=True)
    for owned in OWNED_DIRS:
        directory = feeds_dir / owned
        if directory.is_dir():
            for sub in sorted(directory.rglob("*"), reverse=True):
                if sub.is_dir() and not any(sub.iterdir()):
                    sub.rmdir()
    return removed
