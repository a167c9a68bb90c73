"""The build: episodes + store + show -> feeds/, all or nothing, never from the network."""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from castpub.archive import ARCHIVE_DIR, paginate
from castpub.assemble import assemble, episode_link
from castpub.cache import (
    Entry,
    FragmentPool,
    RenderCache,
    append_entry,
    content_key,
    feed_salt,
    feeds_files,
    render_key,
)
from castpub.config import Show, load_show
from castpub.episodes import Episode, ReadResult, body_from, find_episode_files, read_episode
from castpub.errors import InvalidInput, Problem
from castpub.feeds import Assembly, Copies, item_key, serialize_feed
from castpub.guard import PublishedIndex, PublishedItem, as_published, guard_problems
from castpub.itemsrecord import save_record
from castpub.model import Feed, Item
from castpub.notes import Notes, render_notes
from castpub.opml import OPML_PATH, feeds_opml
from castpub.output import (
    Confined,
    FileStamp,
    LaterRecords,
    StagedFile,
    Staging,
    remove_leftovers,
    same_bytes,
    write_all,
)
from castpub.page import PAGE_PATH, PAGE_TAIL, episode_entry, page_head, page_link
from castpub.parsecache import ParseCache, entry_for, load_store_cached
from castpub.store import Chapter, Store, VideoInfo, load_store
from castpub.survey import FeedsSurvey, can_fork
from castpub.text import xml_safe_utf8
from castpub.transcripts import chapters_json, transcript_page
from castpub.unchanged import Inputs, LastBuild, Summary, content_hash, read_file, read_inputs
from castpub.websub import announce, hub_links

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# Folders under feeds/ that castpub owns: files it no longer writes there are removed.
OWNED_DIRS = ("transcripts", "chapters", "playlists", ARCHIVE_DIR)
# The garbage collector's thresholds during a build (fewer_collections) and in its workers.
FEWER_COLLECTIONS = (100_000, 50, 100)
# Below this many episodes to parse or render, starting worker processes costs more than it saves.
PARALLEL_MIN = 200
# Bytes asked for in the first read of an episode file read again to render it: most are a few
# kilobytes, read whole at once.
BODY_READ = 1 << 16
# (where the transcript page goes, title, language, link): see PageFolder
PageArgs = tuple[str, str, str, str]
# (body or None to read it from the file, the file, its hash, video, chapters, description, the
# transcript page to write, if any, and where to write the render cache's entry, if anywhere:
# its folder and key)
RenderArgs = tuple[
    str | None,
    Path,
    str,
    VideoInfo | None,
    tuple[Chapter, ...],
    str | None,
    PageArgs | None,
    tuple[Path, str] | None,
]
T = TypeVar("T")
R = TypeVar("R")


class Stopwatch:
    """Seconds spent per build stage (read, render, assemble, serialize, write), for -v and bench."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


@dataclass
class Project:
    show: Show
    store: Store
    episodes: list[Episode]
    warnings: list[Problem]
    # Each episode's link by id, made once: the duplicate check, the items and the transcripts
    # all need it (formatting 10 000 links three times cost a quarter of a second).
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class PageFolder:
    """A staged folder (Staging.stage_folder) that becomes feeds/transcripts/: when that folder
    does not exist yet, each episode's transcript page is written there by whichever process
    renders its notes, as soon as it has them, instead of being sent back to this process,
    staged under a name of its own and renamed into place file by file. The chapters files go
    to a staged folder of their own too, if feeds/chapters/ does not exist either."""

    path: str
    language: str
    chapters: str | None = None
    # By the ids of the episodes whose page is there, and of those whose chapters file is:
    # each file's (size, mtime) as it was written.
    written: dict[str, FileStamp] = field(default_factory=dict)
    chapters_written: dict[str, FileStamp] = field(default_factory=dict)

    def args(self, episode: Episode, link: str) -> PageArgs:
        return (f"{self.path}/{episode.id}.html", episode.title, self.language, link)


# What a process that parses an episode needs to render it too (RenderAhead): when episodes
# are due, where the store is, where the transcript pages and chapters files go, the render
# cache's folder.
AheadArgs = tuple[datetime, "StoreSource", PageFolder | None, Path | None]
# An episode rendered: its notes, whether its transcript page and chapters file were written
# (their size and mtime, or None), the render cache's entry, the key it was written under and
# the episode's link ("" when it was not needed there).
Rendered = tuple[Notes, FileStamp | None, FileStamp | None, Entry | None, str, str]


@dataclass
class RenderAhead:
    """Episodes rendered by the process that parses them, as soon as it has: a cold build's
    notes are made without reading, hashing and splitting each file again, nor sending each
    episode out a second time. Only for episodes due, and while the store is the one this
    build read (StoreSource): render_all renders any other.

    `stage` makes the folders the pages and chapters files go to (_stage_pages). Nothing is
    rendered ahead when the render `cache` has entries: their notes are there to be taken."""

    now: datetime
    stage: Callable[[Show], PageFolder | None]
    cache: RenderCache | None = None
    pages: PageFolder | None = None
    started: bool = False
    rendered: dict[str, Rendered] = field(default_factory=dict)  # by episode id
    seconds: float = 0.0  # spent parsing and rendering: the render stage's, for the stopwatch

    @property
    def cache_dir(self) -> Path | None:
        return self.cache.directory if self.cache else None

    def start(self, show: Show) -> bool:
        if self.cache is not None and self.cache.keys():
            return False
        if self.cache_dir is not None:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
            except OSError:
                return False
        self.pages = self.stage(show)
        self.started = True
        return True

    def args(self, store: StoreSource) -> AheadArgs:
        return self.now, store, self.pages, self.cache_dir


@dataclass(frozen=True)
class StoreSource:
    """Where the processes that render ahead load the store from, and the hash of the bytes
    this build read there: sent with each job instead of the store's records."""

    root: Path
    path: Path
    digest: str | None
    cached: bool  # through the parse cache's record of it (load_store_cached)


@functools.lru_cache(maxsize=1)
def _store_from(source: StoreSource) -> Store | None:
    """The store, loaded once by each process that renders ahead; None when its bytes are no
    longer those the build read (the episodes are then rendered by render_all)."""
    try:
        raw: bytes | None = source.path.read_bytes()
    except OSError:
        raw = None
    if (content_hash(raw) if raw is not None else None) != source.digest:
        return None
    try:
        # Each process reads the videos of its own episodes only.
        return load_store_cached(
            source.root, source.path, raw, source.digest, source.cached, lazy=True
        )
    except InvalidInput:
        return None


@dataclass(frozen=True)
class Written:
    """A file `outputs` reports as already written into a staged folder, with its size and
    mtime as the process that wrote it saw them (None: not known)."""

    folder: str
    name: str
    stamp: FileStamp | None = None


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
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    # Set when no input changed since the last build (nothing parsed, rendered or written) or
    # only some episode files did (those alone built): the feeds and episodes lists are then
    # empty, and the summary is the one recorded or worked out from the records.
    recorded: Summary | None = None
    path: str = "full"  # "unchanged", "changed" (castpub.incremental) or "full"

    @property
    def next_scheduled(self) -> Episode | None:
        return min(self.scheduled, key=lambda e: e.date, default=None)

    def summary(self) -> Summary:
        if self.recorded is not None:
            return self.recorded
        upcoming = self.next_scheduled
        return Summary(
            len(self.feeds),
            len(self.feeds[0].items),
            len(self.drafts),
            len(self.scheduled),
            (upcoming.path.name, upcoming.date.isoformat()) if upcoming else None,
        )


def load_project(
    root: Path,
    inputs: Inputs | None = None,
    parsed: ParseCache | None = None,
    workers: Workers | None = None,
    ahead: RenderAhead | None = None,
) -> Project:
    """Read podcast.yaml, the store and every episode (or parse the bytes `inputs` read, taking
    unchanged files from `parsed`, and rendering them `ahead` when that applies); raise with
    every problem found."""
    show = inputs.show if inputs else load_show(root)
    # Before any episode is handed out: the processes that render ahead load the store from
    # the record this writes (only the videos of their own episodes), instead of each parsing
    # the JSON whole and writing the record again.
    if inputs is None:
        store = load_store(show.store_path)
    else:
        enabled = parsed is not None and parsed.path is not None
        store = load_store_cached(
            show.root, show.store_path, inputs.store_bytes, inputs.store, enabled
        )
    problems: list[Problem] = []
    warnings: list[Problem] = []
    episodes = []
    for result in _read_all(show, inputs, parsed, workers or Workers(1), ahead):
        problems.extend(result.problems)
        warnings.extend(result.warnings)
        if result.episode is not None:
            episodes.append(result.episode)
    # The links of the episodes rendered ahead came with them (a tenth of a second here).
    made = {i: link for i, (*_, link) in ahead.rendered.items() if link} if ahead else {}
    links = {e.id: made.get(e.id) or episode_link(show, e) for e in episodes}
    problems.extend(_duplicates(episodes, links))
    if problems:
        raise InvalidInput(problems)
    return Project(show, store, episodes, warnings, links)


def _read_all(
    show: Show,
    inputs: Inputs | None,
    parsed: ParseCache | None,
    workers: Workers,
    ahead: RenderAhead | None = None,
) -> list[ReadResult]:
    """Every episode's ReadResult in build order: cached ones as they are, the others parsed
    (in worker processes when there are many, which then render them `ahead` if it applies)."""
    if inputs is None:
        return [read_episode(path, show) for path in find_episode_files(show)]
    cache = parsed or ParseCache(None, inputs.config)
    results: list[ReadResult | None]
    missing: list[int]  # where in results, of the files to parse
    if inputs.unread:
        # Files not read yet (Inputs.unread) are read by whoever parses them; their paths are
        # made as the jobs are handed out.
        results = [None] * len(inputs.names)
        missing = list(range(len(inputs.names)))
    else:
        results, missing = [], []
        for index, name in enumerate(inputs.names):
            # A file whose stat the last build recorded is not read at all when the cache has
            # it: its body is read later only if its notes must be rendered again.
            hit = cache.get(inputs.path(index), inputs.digest(index), inputs.data.get(name))
            if hit is None:
                missing.append(index)
            else:
                inputs.data.pop(name, None)
            results.append(hit)
    if not (
        ahead is not None
        and workers.count >= 2
        and len(missing) >= PARALLEL_MIN
        and ahead.start(show)
    ):
        ahead = None
    source = StoreSource(show.root, show.store_path, inputs.store, cache.path is not None)
    ahead_args = ahead.args(source) if ahead else None

    def jobs() -> Iterator[tuple[Path, Show, bytes | None, str, AheadArgs | None]]:
        # Made as the workers take them: the bytes of each file are handed over, and let go
        # once its batch is parsed.
        for index in missing:
            data, digest = inputs.take(index)
            yield inputs.path(index), show, data, digest, ahead_args

    start = time.perf_counter()
    parsed_now = workers.map(_parse_one, jobs(), len(missing))
    if ahead is not None:
        ahead.seconds = time.perf_counter() - start
    for index, (result, entry, rendered, digest) in zip(missing, parsed_now, strict=True):
        results[index] = result
        if inputs.unread:
            inputs.learn(index, digest)
        cache.keep(inputs.names[index], digest, entry)
        if rendered is not None and ahead is not None and result.episode is not None:
            ahead.rendered[result.episode.id] = rendered
    return [r for r in results if r is not None]


def _parse_one(
    args: tuple[Path, Show, bytes | None, str, AheadArgs | None],
) -> tuple[ReadResult, bytes | None, Rendered | None, str]:
    """An episode file parsed (read and hashed first when the build has not: no bytes and no
    hash given), and rendered `ahead` if that applies; with the hash of the bytes parsed."""
    path, show, data, digest, ahead = args
    if data is None and not digest:
        with suppress(OSError):
            data = read_file(str(path), BODY_READ)
            digest = content_hash(data)
    # Whether the bytes hold anything clean_text removes: asked once, for parsing and the entry.
    safe = xml_safe_utf8(data) if data is not None else None
    result = read_episode(path, show, data, safe)
    if data is None or result.episode is None:
        return result, None, None, digest
    rendered = _render_ahead(show, result.episode, digest, ahead) if ahead else None
    # Without its body: a renderer that needs it reads the file again, so that 10 000 bodies
    # are never held here nor sent between processes twice (54 MB at the peak of a cold build).
    episode = replace(result.episode, digest=digest, body=None)
    read = ReadResult(episode, result.problems, result.warnings)
    return read, entry_for(data, result, safe), rendered, digest


def _render_ahead(show: Show, episode: Episode, digest: str, ahead: AheadArgs) -> Rendered | None:
    """An episode just parsed, rendered as render_all would (RenderAhead); None for one that
    is not due, or when the store changed since the build read it."""
    now, source, pages, cache_dir = ahead
    if not episode.published or episode.date > now or episode.body is None:
        return None
    video = None
    if episode.video is not None:
        store = _store_from(source)
        if store is None:
            return None
        video = store.video(episode.video.video_id)
    key = render_key(digest, episode.description, video) if cache_dir else ""
    link = episode_link(show, episode) if pages else ""
    page = pages.args(episode, link) if pages else None
    cached = (cache_dir, key) if cache_dir else None
    notes, page_written, entry = _render_one(_render_args(episode, digest, video, page, cached))
    if notes is None:  # (not with a body given)
        return None
    chapters_written = None
    if pages and pages.chapters and video and video.chapters:
        target = f"{pages.chapters}/{episode.id}.json"
        chapters_written = write_new(target, chapters_json(video.chapters))
    return notes, page_written, chapters_written, entry, key, link


def _render_args(
    episode: Episode,
    digest: str,
    video: VideoInfo | None,
    page: PageArgs | None,
    cached: tuple[Path, str] | None,
) -> RenderArgs:
    """What _render_one needs of an episode (its body None: read from the file again)."""
    chapters = video.chapters if video else ()
    return episode.body, episode.path, digest, video, chapters, episode.description, page, cached


def read_body(path: Path, digest: str) -> str | None:
    """The body of an episode file, read again to be rendered; only from the bytes it was
    parsed from (None for a file changed since: an error, not a mix of two versions)."""
    try:
        data = read_file(str(path), BODY_READ)
    except OSError:
        return None
    if content_hash(data) != digest:
        return None
    return body_from(data, path, clean=xml_safe_utf8(data))  # as read_episode


def _duplicates(episodes: list[Episode], links: dict[str, str]) -> list[Problem]:
    problems = []
    for label in ("GUID", "URL"):
        first: dict[str, Episode] = {}
        for episode in episodes:
            link = links[episode.id]
            value = (episode.guid or link) if label == "GUID" else link
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


def render_all(
    project: Project,
    episodes: list[Episode],
    cache: RenderCache | None = None,
    workers: Workers | None = None,
    pages: PageFolder | None = None,
    ahead: dict[str, Rendered] | None = None,
) -> dict[str, Notes]:
    """Notes of every episode: rendered `ahead` already, from the cache when its inputs are
    unchanged, else rendered (in `workers` processes when there are enough to pay for starting
    them). With `pages`, the transcript page of each episode rendered is written into it."""
    cache = cache or RenderCache(None)
    notes: dict[str, Notes] = {}
    misses: list[tuple[Episode, str, VideoInfo | None]] = []
    for episode in episodes:
        done = ahead.pop(episode.id, None) if ahead else None
        if done is not None:
            made, page_written, chapters_written, entry, made_key, _ = done
            if pages is not None and chapters_written:
                pages.chapters_written[episode.id] = chapters_written
            notes[episode.id] = _taken(cache, pages, episode, made_key, made, page_written, entry)
            continue
        video = project.store.video(episode.video.video_id) if episode.video else None
        # By the file's hash, which names the body: a hit needs the body neither read nor hashed.
        key = ""
        if cache.directory and episode.digest:
            key = render_key(episode.digest, episode.description, video)
        hit = cache.get(key) if key else None
        if hit is None:
            misses.append((episode, key, video))
        else:
            notes[episode.id] = hit
    # Enough to be rendered by workers: they write the cache's entries themselves.
    entries = cache.directory if len(misses) >= PARALLEL_MIN else None
    if entries is not None:
        with suppress(OSError):
            entries.mkdir(parents=True, exist_ok=True)
    missing: list[tuple[Episode, str, RenderArgs]] = []
    for episode, key, video in misses:
        link = project.links.get(episode.id) or episode_link(project.show, episode)
        page = pages.args(episode, link) if pages else None
        cached = (entries, key) if entries and key else None
        missing.append((episode, key, _render_args(episode, episode.digest, video, page, cached)))
    rendered = (workers or Workers(1)).map(
        _render_one, (args for _, _, args in missing), len(missing)
    )
    changed: list[Problem] = []
    for (episode, key, _), (result, page_written, entry) in zip(missing, rendered, strict=True):
        if result is None:  # (its page is not written either)
            changed.append(
                Problem(episode.path, None, "changed while castpub was building", "run it again")
            )
            continue
        notes[episode.id] = _taken(cache, pages, episode, key, result, page_written, entry)
    if changed:
        raise InvalidInput(changed)
    return notes


def _taken(
    cache: RenderCache,
    pages: PageFolder | None,
    episode: Episode,
    key: str,
    result: Notes,
    page_written: FileStamp | None,
    entry: Entry | None,
) -> Notes:
    """An episode's notes just rendered, taken in: its page counted as written, its render
    cache entry adopted (or put, when none could be written)."""
    if page_written and pages is not None:
        pages.written[episode.id] = page_written
    if key:
        if result.key != key:
            result = replace(result, key=key)
        if entry is None:
            cache.put(key, result)
        else:
            cache.adopt(key, entry)
    return result


def _render_one(args: RenderArgs) -> tuple[Notes | None, FileStamp | None, Entry | None]:
    """The notes (None for a file changed since it was parsed), whether the transcript page
    asked for was written (its size and mtime), and where the render cache's entry was written,
    if it was. The transcript is left out of notes written both ways: nothing else needs it,
    and 10 000 of them were 50 MB to send back and hold."""
    body, path, digest, video, chapters, description, page, cached = args
    if body is None:
        body = read_body(path, digest)
    if body is None:
        return None, None, None
    notes = render_notes(body, video, chapters, description)
    written = write_page(page, notes) if page is not None else None
    if cached is None:
        return notes, written, None
    entry = append_entry(*cached, notes)
    if entry is not None:
        # Named here rather than by the build's process: one Notes made, not two.
        notes = replace(notes, transcript=b"" if written else notes.transcript, key=cached[1])
    return notes, written, entry


def write_page(page: PageArgs, notes: Notes) -> FileStamp | None:
    """Write an episode's transcript page into its staged folder; None when it cannot be (the
    build then stages it itself, and reports what fails there). Over a page there already: the
    same episode rendered again after a worker died."""
    target, title, language, link = page
    return write_new(target, transcript_page(title, language, notes.transcript, link))


def write_new(target: str, data: bytes) -> FileStamp | None:
    """Write a file of a staged folder; its size and mtime once written, None when it cannot
    be. Taken here, the commit need not stat 12 000 files again (a tenth of a second of a cold
    build after rendering): nothing writes the file after this, and renaming its folder into
    place keeps both."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    try:
        os.fchmod(fd, 0o644)  # as Staging makes every file, whatever the umask
        write_all(fd, data)
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        with suppress(OSError):
            os.unlink(target)
        return None
    os.close(fd)
    return info.st_size, info.st_mtime_ns


class Workers:
    """Worker processes shared by the stages that pay for them (parsing, rendering), started at
    the first batch large enough: a rebuild that parses and renders a few episodes starts none."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool: ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_for_start(self) -> None:
        """Wait for start_for's thread, if any: the pool is made in one thread at a time."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def close(self) -> None:
        self._wait_for_start()
        self._stop()

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def start_for(self, jobs: int) -> None:
        """Start the workers now if `jobs` episodes are to be parsed, before this process reads
        them. Forked from this process, which is still small then and runs no other thread,
        they start at once with castpub imported. Where that cannot be, they are started on a
        thread, from a fork server that imports castpub first (a third of a second), while this
        process reads."""
        if self.count < 2 or jobs < PARALLEL_MIN or self._pool is not None or self._starting:
            return
        if can_fork():
            self._start(fork=True)
        else:
            self._starting = threading.Thread(target=self._start, name="castpub-workers")
            self._starting.start()

    def _start(self, fork: bool = False) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            # The pool starts a worker per job waiting and none idle: one job per worker.
            for _ in range(self.count):
                self._started(fork).submit(give_back_large_blocks)
        except (BrokenProcessPool, OSError):
            self._stop()  # as in map: the work is done in this process
            self.count = 1

    def map(
        self, function: Callable[[T], R], jobs: Iterable[T], count: int | None = None
    ) -> list[R]:
        """function(job) for each job, in order. Given their `count`, the jobs are made as
        they are handed out, a batch at a time (_batches): the workers start on the first batch
        while this process makes the next ones."""
        if count is None:
            jobs = list(jobs)
            count = len(jobs)
        self._wait_for_start()
        if self.count < 2 or count < PARALLEL_MIN:
            return [function(job) for job in jobs]
        from concurrent.futures.process import BrokenProcessPool

        jobs = iter(jobs)
        # Each batch's jobs until its results are in, to be done here if a worker dies.
        pending: deque[tuple[Future[list[R]], list[T]]] = deque()
        unsent: list[T] = []  # a batch made and not handed over (yet)
        results: list[R] = []
        try:
            pool = self._started()
            for unsent in _batches(jobs, count, self.count):
                future = pool.submit(_each, function, unsent)
                pending.append((future, unsent))
                unsent = []
            while pending:
                results += pending[0][0].result()
                pending.popleft()  # its jobs (and the bytes they carry) can go
        except (BrokenProcessPool, OSError):
            # A worker killed (out of memory) or no way to start one (no /tmp for the server's
            # socket): the same work in this process is slower, not different.
            self.close()
            self.count = 1
            for _, batch in pending:
                results += [function(job) for job in batch]
            results += [function(job) for job in unsent]
            results += [function(job) for job in jobs]
        return results

    def _started(self, fork: bool = False) -> ProcessPoolExecutor:
        # Imported here: most rebuilds start no worker, and these modules are a tenth of
        # castpub's start-up.
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        if self._pool is None:
            # Started later than start_for, when this process holds the project (and maybe
            # every episode's bytes): from a fork server, which imported the parser and renderer
            # once. Forked from here then, each worker started at this process's size (90 MB
            # more at the peak of a 10 000-episode cold build).
            context = get_context("fork" if fork else "forkserver")
            if not fork:
                context.set_forkserver_preload(["castpub.build"])
            self._pool = ProcessPoolExecutor(
                self.count, mp_context=context, initializer=_worker_started
            )
        return self._pool


# glibc's mallopt parameter for the size above which a block is mapped on its own (malloc.h).
M_MMAP_THRESHOLD = -3


def _each(function: Callable[[T], R], jobs: list[T]) -> list[R]:
    return [function(job) for job in jobs]


# The first batch of jobs handed to the workers, the smallest and the largest after it: a
# batch's results are held whole in the worker and sent at once, so larger ones cost memory
# (a batch of 1 250 parsed and rendered episodes made each worker 10 MB larger).
FIRST_BATCH = 16
LAST_BATCH = 16
LARGEST_BATCH = 256
BATCHES_PER_WORKER = 4


def _batches(jobs: Iterator[T], count: int, workers: int) -> Iterator[list[T]]:
    """`count` jobs in batches for `workers` processes: small at first, so that they start at
    once, each twice the last while the work left is large, then smaller again, so that at
    the end no worker waits long for another to finish its batch (guided scheduling)."""
    left = count
    size = FIRST_BATCH
    while True:
        batch = list(islice(jobs, size))
        if not batch:
            return
        yield batch
        left -= len(batch)
        size = max(LAST_BATCH, min(size * 2, LARGEST_BATCH, left // (workers * BATCHES_PER_WORKER)))


def _worker_started() -> None:
    give_back_large_blocks()
    # A worker's episodes and notes are plain data, as the build's are (fewer_collections):
    # with the default thresholds, young collections walked each chunk's results again and
    # again while it was made.
    gc.set_threshold(*FEWER_COLLECTIONS)


def give_back_large_blocks() -> None:
    """Have blocks of 128 KB and more mapped on their own, so that freeing one gives it back.
    By default glibc raises that threshold after the first such free, and the heap then keeps
    what a build no longer uses: 28 MB of a 10 000-episode cold build's peak (workers and main
    process), at no cost in time. Nothing happens with another C library."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 128 * 1024)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def outputs(
    project: Project,
    feeds: list[Feed],
    notes: dict[str, Notes],
    episodes: list[Episode],
    fragments: FragmentPool | None = None,
    index: PublishedIndex | None = None,
    open_file: Callable[[str], StagedFile] | None = None,
    item_keys: dict[int, str] | None = None,
    pages: PageFolder | None = None,
    published: dict[str, PublishedItem | None] | None = None,
    before_feeds: Callable[[list[str]], None] | None = None,
) -> Iterator[tuple[str, bytes | StagedFile | Written | None]]:
    """Every file the build writes, relative to feeds/, produced one at a time to bound memory.
    Each transcript in `notes` is emptied once its file is produced. With `open_file`, feeds are
    written straight into staged files (yielded instead of bytes). None stands for a file that
    `fragments` knows an earlier build wrote with the same content, still untouched. With
    `pages`, transcript pages are written into that folder (if the renderer has not already)
    and yielded as Written.

    With `fragments`, items that an earlier build already serialized are copied from the feed
    files it wrote, and where each item lies in the new files is recorded for the next build.
    `item_keys` receives each item's key, by id(item), and `published` what the guards read
    of each item (as_published), by episode id. `before_feeds` is given the files still to come
    once every episode's files are out, before the first feed is made."""
    show = project.show
    pool = fragments or FragmentPool(show.feeds_dir, None)
    for episode in episodes:
        link = project.links.get(episode.id) or episode_link(show, episode)  # as its item's
        video = project.store.video(episode.video.video_id) if episode.video else None
        yield from episode_files(show, episode, notes[episode.id], link, video, pool, pages)
        # Written first and then dropped: the feeds, serialized next, need only the show notes,
        # and 10 000 transcripts held meanwhile were a fifth of a cold build's peak memory.
        if notes[episode.id].transcript:
            notes[episode.id] = replace(notes[episode.id], transcript=b"")
    # By id(item): an item in several feeds is hashed once.
    keys: dict[int, str] = {} if item_keys is None else item_keys
    links = (*hub_links(show.websub_hub), page_link(show))
    feed_pages = [
        page
        for feed in feeds
        for page in paginate(show, replace(feed, links=feed.links + links), show.limit)
    ]
    if before_feeds is not None:
        paths = [path for page in feed_pages for path in (page.rss_path, page.atom_path)]
        before_feeds([*paths, PAGE_PATH, OPML_PATH])
    copies = Copies()
    try:
        yield from _feed_files(
            show, feed_pages, notes, keys, pool, index, open_file, copies, published
        )
    finally:
        copies.close()
    main = feeds[0]
    entries = Assembly(
        page_head(show, main, feeds[1:], len(main.items)).encode(), PAGE_TAIL.encode()
    )
    for item in main.items:
        entries.add(keys[id(item)], episode_entry(item, show.timezone).encode())
    done = entries.done()
    pool.record(PAGE_PATH, done.items)  # entries are copied by the changed-episodes rebuild
    yield PAGE_PATH, done.data
    yield OPML_PATH, feeds_opml(show, feeds)


def _feed_files(
    show: Show,
    pages: list[Feed],
    notes: dict[str, Notes],
    keys: dict[int, str],
    pool: FragmentPool,
    index: PublishedIndex | None,
    open_file: Callable[[str], StagedFile] | None,
    copies: Copies,
    published: dict[str, PublishedItem | None] | None = None,
) -> Iterator[tuple[str, bytes | StagedFile]]:
    """The RSS and Atom files of every feed and archive page (outputs), `pages`."""
    salt = feed_salt()
    # What the guards read of an item, by episode id: the same for its copies in playlists,
    # whatever their episode number, and searching show notes is what costs.
    published = {} if published is None else published
    for page in pages:
        page_keys = [
            keys.get(id(i)) or keys.setdefault(id(i), item_key(salt, i, notes[i.episode_id].key))
            for i in page.items
        ]
        files = (open_file(page.rss_path), open_file(page.atom_path)) if open_file else None
        rss, atom = serialize_feed(
            show,
            page,
            page_keys,
            pool.reuser(page.rss_path, page.atom_path),
            out=(files[0].handle, files[1].handle) if files else None,
            copies=copies,
            notes_checked=True,  # every item's notes are made by render_notes
        )
        pool.release(page.rss_path, page.atom_path)
        pool.record(page.rss_path, rss.items)
        pool.record(page.atom_path, atom.items)
        if index is not None:
            index.record_rows(page.rss_path, _published(page.items, published))
        if files:
            for file in files:
                file.handle.flush()  # copies reads it back
            copies.add(page.items, (files[0].tmp, rss), (files[1].tmp, atom))
        yield page.rss_path, files[0] if files else rss.data
        yield page.atom_path, files[1] if files else atom.data


def _published(
    items: tuple[Item, ...], known: dict[str, PublishedItem | None]
) -> list[PublishedItem | None]:
    """as_published of each item, made once per episode: `known` holds those made so far."""
    rows = []
    for item in items:
        if item.episode_id in known:
            rows.append(known[item.episode_id])
        else:
            rows.append(known.setdefault(item.episode_id, as_published(item)))
    return rows


def transcript_file(episode_id: str) -> str:
    """Where an episode's transcript page goes, relative to feeds/."""
    return f"transcripts/{episode_id}.html"


def chapters_file(episode_id: str) -> str:
    """Where an episode's chapters file goes, relative to feeds/."""
    return f"chapters/{episode_id}.json"


def episode_files(
    show: Show,
    episode: Episode,
    notes: Notes,
    link: str,
    video: VideoInfo | None,
    pool: FragmentPool,
    pages: PageFolder | None = None,
) -> Iterator[tuple[str, bytes | Written | None]]:
    """The transcript page and chapters file of one episode due, or None for one that `pool`
    knows an earlier build wrote with the same content, untouched since; with `pages`, the
    transcript page is written into that folder and yielded as Written."""
    salt = feed_salt()
    relpath = transcript_file(episode.id)
    # A transcript is named by the render key of its notes and what else goes in the page:
    # the one an earlier build left, untouched since, is neither made nor compared again.
    key = notes.key and content_key(salt, notes.key, episode.title, show.language, link)
    if key and pool.kept(relpath, key):
        yield relpath, None
    elif pages is not None and (
        stamp := pages.written.get(episode.id) or write_page(pages.args(episode, link), notes)
    ):
        yield relpath, Written(pages.path, f"{episode.id}.html", stamp)
    else:
        yield relpath, transcript_page(episode.title, show.language, notes.transcript, link)
    if video and video.chapters:
        relpath = chapters_file(episode.id)
        if pool.kept(relpath, content_key(salt, repr(video.chapters))):
            yield relpath, None
            return
        name = f"{episode.id}.json"
        if pages and pages.chapters and episode.id in pages.chapters_written:
            # By the process that rendered it.
            yield relpath, Written(pages.chapters, name, pages.chapters_written[episode.id])
            return
        data = chapters_json(video.chapters)
        if pages and pages.chapters and (stamp := write_new(f"{pages.chapters}/{name}", data)):
            yield relpath, Written(pages.chapters, name, stamp)
        else:
            yield relpath, data


def prepare(
    project: Project,
    now: datetime,
    allow_shrink: bool = False,
    cache: RenderCache | None = None,
    stopwatch: Stopwatch | None = None,
    workers: Workers | None = None,
    index: PublishedIndex | None = None,
    pages: PageFolder | None = None,
    ahead: dict[str, Rendered] | None = None,
) -> tuple[BuildResult, dict[str, Notes]]:
    watch = stopwatch or Stopwatch()
    published, drafts, scheduled = split_by_status(project.episodes, now)
    with watch.stage("render"):
        notes = render_all(project, published, cache, workers, pages, ahead)
    with watch.stage("assemble"):
        feeds = assemble(project.show, published, notes, project.store, project.links)
    with watch.stage("guard"):
        paths = {e.id: e.path for e in project.episodes}
        index = index or PublishedIndex(project.show.feeds_dir, None)
        items = {feed.rss_path: feed.items for feed in feeds}
        problems = guard_problems(project.show, index, items, paths, allow_shrink)
    if problems:
        raise InvalidInput(problems)
    result = BuildResult(feeds, published, drafts, scheduled, project.warnings)
    result.timings = watch.seconds
    return result, notes


@dataclass
class _Prepared:
    """A build up to its writing: inputs read, episodes parsed and rendered, feeds assembled
    and guarded."""

    last: LastBuild
    inputs: Inputs
    project: Project
    cache: RenderCache
    index: PublishedIndex
    result: BuildResult
    notes: dict[str, Notes]
    pages: PageFolder | None = None


def _read(
    root: Path,
    now: datetime,
    use_cache: bool,
    watch: Stopwatch,
    workers: Workers,
    survey: FeedsSurvey,
) -> tuple[LastBuild, Inputs, BuildResult | None]:
    """Every input read; and the result when nothing changed since the last build (the
    no-change fast path). With a record of the last build, `survey` takes the stats of
    feeds/ meanwhile, for the comparisons with it."""
    with watch.stage("read"):
        last = LastBuild(root)
        # With nothing recorded to compare them with, or a podcast.yaml that changed since
        # (read_inputs), the episode files are read by the workers that parse them.
        record = last.record() if use_cache else {}
        config = record.get("config")
        inputs = read_inputs(
            root,
            last.trusted() if record else None,
            workers.start_for,
            not record,
            lambda show: survey.start(show.feeds_dir),
            config if isinstance(config, str) else None,
        )
        hit = last.unchanged(inputs, now, survey) if use_cache else None
    return last, inputs, None if hit is None else _unchanged_result(hit, watch)


def _prepare_build(
    root: Path,
    now: datetime,
    allow_shrink: bool,
    use_cache: bool,
    watch: Stopwatch,
    last: LastBuild,
    inputs: Inputs,
    workers: Workers,
    parsed_hook: Callable[[Project], PageFolder | None] | None = None,
    ahead: RenderAhead | None = None,
) -> _Prepared:
    """What build and check_outputs share, once the inputs are read; parsed_hook is called
    with the project once every episode is parsed, and may give the folder where the
    transcript pages are to be written as they are rendered. With `ahead`, the processes that
    parse the episodes may render them too."""
    parsed = ParseCache.for_show(inputs.show.root, inputs.config, use_cache)
    cache = RenderCache.for_show(inputs.show.root, use_cache)
    if ahead is not None:
        ahead.cache = cache
    with watch.stage("read"):
        project = load_project(root, inputs, parsed, workers, ahead)
        parsed.save()
        del parsed  # its entries for 10 000 episodes are not needed past this point
    if ahead is not None and ahead.seconds:  # parsing went on while rendering: told as rendering
        watch.add("read", -ahead.seconds)
        watch.add("render", ahead.seconds)
    pages = parsed_hook(project) if parsed_hook is not None else None
    index = PublishedIndex.for_show(project.show.root, project.show.feeds_dir, use_cache)
    try:
        rendered = ahead.rendered if ahead else None
        result, notes = prepare(
            project, now, allow_shrink, cache, watch, workers, index, pages, rendered
        )
    finally:
        workers.close()  # nothing else for them to do: their memory is given back now
        with watch.stage("render"):
            # Saved now, not with the feeds: the entries waiting to be saved hold every
            # transcript, which the writing drops once each file is written. Entries are
            # named by content, so they are worth keeping even when the guards refuse the
            # build or it only checks, and safe to save before the feeds are committed.
            cache.save()
    return _Prepared(last, inputs, project, cache, index, result, notes, pages)


def build(
    root: Path, now: datetime, allow_shrink: bool = False, use_cache: bool = True
) -> BuildResult:
    """Build feeds/; nothing is written unless everything is valid."""
    give_back_large_blocks()
    with fewer_collections():
        return _build(root, now, allow_shrink, use_cache)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely. A build's data is plain and acyclic, freed as soon
    as it is unused; but with the default thresholds the collector walks every live object each
    time the heap grows by a quarter, and loading the records of 10 000 episodes grows it from
    nothing: a third of a second of a one-episode rebuild. Young collections still run, so
    whatever cycles a library makes are still freed."""
    before = gc.get_threshold()
    gc.set_threshold(*FEWER_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build(root: Path, now: datetime, allow_shrink: bool, use_cache: bool) -> BuildResult:
    with Workers(available_cores()) as workers:
        return _build_with(root, now, allow_shrink, use_cache, workers)


def _build_with(
    root: Path, now: datetime, allow_shrink: bool, use_cache: bool, workers: Workers
) -> BuildResult:
    watch = Stopwatch()
    with FeedsSurvey() as survey:
        last, inputs, unchanged = _read(root, now, use_cache, watch, workers, survey)
        if unchanged is not None:
            return unchanged
        if use_cache:
            # Imported here: the changed-episodes rebuild is made of this module's stages.
            from castpub.incremental import rebuild_changed

            rebuilt = rebuild_changed(root, now, allow_shrink, watch, last, inputs, survey)
            if rebuilt is not None:
                return rebuilt
    feeds_dir = inputs.show.feeds_dir
    remove_leftovers(feeds_dir)  # before this build stages anything there
    # With nothing in feeds/ yet (a first build), what the commit leaves there is exactly what
    # was staged: the records are made while the staged bytes go to disk, not after.
    fresh = _empty(feeds_dir)
    wanted = set()
    item_keys: dict[int, str] = {}
    published: dict[str, PublishedItem | None] = {}
    confined = Confined(feeds_dir)
    with Staging() as staging:
        ahead = RenderAhead(now, lambda show: _stage_pages(show, confined, staging))
        prepared = _prepare_build(
            root,
            now,
            allow_shrink,
            use_cache,
            watch,
            last,
            inputs,
            workers,
            lambda project: _stage_episode_files(project, now, confined, staging, ahead),
            ahead,
        )
        last, inputs, project = prepared.last, prepared.inputs, prepared.project
        cache, index, result = prepared.cache, prepared.index, prepared.result
        notes = prepared.notes
        fragments = FragmentPool.for_show(project.show.root, feeds_dir)
        if not use_cache:
            # A build that does not record what it wrote must not leave older records behind.
            fragments.forget()
            fragments = FragmentPool(feeds_dir, None)
            PublishedIndex.for_show(project.show.root, feeds_dir).forget()
        last.forget()  # feeds/ changes below: only a build that commits records itself again
        files = outputs(
            project,
            result.feeds,
            notes,
            result.published,
            fragments,
            index,
            lambda relpath: staging.open(confined.path(relpath), aside=True),
            item_keys,
            prepared.pages,
            published,
            # Every episode file is written: what is written to disk meanwhile is most of a
            # cold build's, and its feeds' temporary files are made before.
            lambda relpaths: staging.sync_soon([confined.path(p) for p in relpaths]),
        )
        # Timed by hand: two context managers for each of 12 000 files cost 60 ms.
        serializing = writing = 0.0
        while True:
            start = time.perf_counter()
            relpath, data = next(files, ("", b""))
            made = time.perf_counter()
            serializing += made - start
            if not relpath:
                break
            wanted.add(relpath)
            if data is None:
                confined.check(relpath)  # kept, yet not through a folder leading out
                staging.unchanged += 1
            elif isinstance(data, Written):
                staging.adopt(data.folder, data.name, data.stamp)
            elif isinstance(data, StagedFile):
                staging.finish(data)
            else:
                staging.add(confined.path(relpath), data)
            writing += time.perf_counter() - made
        watch.add("serialize", serializing)
        watch.add("write", writing)
        records = _Records(root, now, use_cache, last, inputs, project, result, notes, item_keys)
        with watch.stage("write"):
            later = LaterRecords()
            if fresh:
                written = staging.staged(feeds_dir)
                records.save(fragments, index, cache, published, len(wanted), written, later)
            result.written = staging.commit()
        result.unchanged = staging.unchanged
    with watch.stage("write"):
        if fresh:
            later.write()
        else:
            result.removed = _remove_stale(feeds_dir, wanted)
            written = feeds_files(feeds_dir)  # one walk for the three records
            records.save(fragments, index, cache, published, len(wanted), written, None)
    result.websub_failures = announce(
        project.show.websub_hub, result.feeds, result.written, feeds_dir
    )
    return result


@dataclass
class _Records:
    """What a full build records of itself once its feeds are in place."""

    root: Path
    now: datetime
    use_cache: bool
    last: LastBuild
    inputs: Inputs
    project: Project
    result: BuildResult
    notes: dict[str, Notes]
    item_keys: dict[int, str]

    def save(
        self,
        fragments: FragmentPool,
        index: PublishedIndex,
        cache: RenderCache,
        published: dict[str, PublishedItem | None],
        outputs: int,
        written: dict[str, tuple[int, int]],
        later: LaterRecords | None,
    ) -> None:
        """Record the build, for `written`, what feeds/ holds after the commit; `later`
        writes the records once the commit is done."""
        project, result = self.project, self.result
        fragments.close()
        fragments.save(written, later)
        index.save(written, later)
        cache.prune()
        if not self.use_cache:
            return
        self.last.save(
            self.inputs,
            self.now,
            {e.path.name: (e.published, e.date.isoformat()) for e in project.episodes},
            [e.path.name for e in result.published],
            len(result.feeds),
            len(result.feeds[0].items),
            result.warnings,
            outputs,
            written,
            later,
        )
        save_record(
            self.root,
            self.inputs.read_at,
            project.episodes,
            project.links,
            {k: n.key for k, n in self.notes.items()},
            result.feeds,
            self.item_keys,
            published,
            later,
        )


def _empty(folder: Path) -> bool:
    """Whether folder has nothing in it (or is not there)."""
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _stage_pages(show: Show, confined: Confined, staging: Staging) -> PageFolder | None:
    """Staged folders for feeds/transcripts/ and feeds/chapters/, when they do not exist yet."""
    with suppress(InvalidInput, OSError):
        for relpath in (transcript_file("_"), chapters_file("_")):
            confined.check(relpath)  # not through a folder leading out of feeds/
        staged = staging.stage_folder((show.feeds_dir / transcript_file("_")).parent)
        if staged is not None:
            chapters = staging.stage_folder((show.feeds_dir / chapters_file("_")).parent)
            return PageFolder(staged, show.language, chapters)
    return None


def _stage_episode_files(
    project: Project,
    now: datetime,
    confined: Confined,
    staging: Staging,
    ahead: RenderAhead | None = None,
) -> PageFolder | None:
    """Prepare the staging of the transcript and chapters files: staged folders when
    feeds/transcripts/ (and feeds/chapters/) do not exist yet, else the temporary files of the
    files in new folders made ahead (Staging.reserve)."""
    published, _, _ = split_by_status(project.episodes, now)
    pages = None
    # An id with a slash would lead out of the folder: such a build takes the usual way, which
    # reports it (what was rendered ahead into staged folders is then not published).
    if not any("/" in episode.id for episode in published):
        if ahead is not None and ahead.started:
            pages = ahead.pages
        else:
            pages = _stage_pages(project.show, confined, staging)
    if pages is None:
        staging.reserve(_episode_file_paths(published, project, confined))
    return pages


def _episode_file_paths(
    published: list[Episode], project: Project, confined: Confined
) -> list[Path]:
    """The transcript and chapters files that episode_files makes for a build of project, in
    the order outputs() writes them; none when one of them would lead out of feeds/ (the
    build reports it when it gets there)."""
    relpaths = []
    for episode in published:
        relpaths.append(transcript_file(episode.id))
        video = project.store.video(episode.video.video_id) if episode.video else None
        if video and video.chapters:
            relpaths.append(chapters_file(episode.id))
    try:
        return [confined.path(relpath) for relpath in relpaths]
    except InvalidInput:
        return []


def check_outputs(
    root: Path, now: datetime, use_cache: bool = True
) -> tuple[BuildResult, list[str]]:
    """What `build` would change in feeds/, without writing anything."""
    watch = Stopwatch()
    with Workers(available_cores()) as workers, FeedsSurvey() as survey:
        last, inputs, unchanged = _read(root, now, use_cache, watch, workers, survey)
        if unchanged is not None:
            return unchanged, []
        prepared = _prepare_build(root, now, True, use_cache, watch, last, inputs, workers)
    project, result, notes = prepared.project, prepared.result, prepared.notes
    feeds_dir = project.show.feeds_dir
    differ = []
    wanted = set()
    confined = Confined(feeds_dir)
    for relpath, data in outputs(project, result.feeds, notes, result.published):
        wanted.add(relpath)
        if data is None or isinstance(data, (StagedFile, Written)):
            continue  # none happens here: no earlier build's record, no staging
        if not same_bytes(confined.path(relpath), data):
            differ.append(relpath)  # (no files are staged here: outputs writes only bytes)
    differ.extend(str(p.relative_to(feeds_dir)) for p in _stale(feeds_dir, wanted))
    return result, sorted(differ)


def _unchanged_result(hit: tuple[Summary, list[Problem], int], watch: Stopwatch) -> BuildResult:
    """The result of a build whose inputs and feeds/ are those of the last build."""
    summary, warnings, outputs = hit
    result = BuildResult([], [], [], [], warnings, unchanged=outputs, recorded=summary)
    result.path = "unchanged"
    result.timings = watch.seconds
    return result


def _stale(feeds_dir: Path, wanted: set[str]) -> list[Path]:
    """Files in castpub's folders that this build did not write (os.walk: 12 000 files cost a
    fifth of what Path.rglob and relative_to cost)."""
    stale: list[Path] = []
    for owned in OWNED_DIRS:
        for dirpath, _, filenames in os.walk(feeds_dir / owned):
            rel = Path(dirpath).relative_to(feeds_dir).as_posix()
            stale.extend(Path(dirpath, n) for n in filenames if f"{rel}/{n}" not in wanted)
    return sorted(stale)


def _remove_stale(feeds_dir: Path, wanted: set[str]) -> list[Path]:
    removed = _stale(feeds_dir, wanted)
    for path in removed:
        path.unlink(missing_ok=True)
    for owned in OWNED_DIRS:
        top = feeds_dir / owned
        for dirpath, _, _ in os.walk(top, topdown=False):  # children before their parents
            directory = Path(dirpath)
            if directory != top and not any(directory.iterdir()):
                directory.rmdir()
    return removed
