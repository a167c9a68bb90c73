"""The no-change fast path: a build whose inputs are byte for byte those of the last successful
build, and whose feeds/ is still exactly what that build left, has nothing to do.

.castpub-cache/last-build.marshal records, after a build committed, a hash of every input: the bytes
of podcast.yaml, of data/youtube.json and of every episode file (by name, in order), castpub's code
and data files and the versions of its renderers and serializers (cache.feed_salt). For each
episode it also records whether it is published and its date, so that the split into due,
draft and scheduled can be made again for another --now without parsing anything; and the size
and mtime of every file in feeds/. A build first reads and hashes every input (never trusting
mtimes for inputs); when all of them, the due episodes and every file in feeds/ match, it parses,
renders and writes nothing. Anything else (a missing or corrupt record included) is a full build.
The warnings and the summary the CLI prints are those the last build derived from the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import time
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from castpub.cache import CACHE_DIR, feed_salt
from castpub.config import CONFIG_NAME, Show, load_show
from castpub.episodes import scan_episode_names
from castpub.errors import Problem
from castpub.output import LaterRecords, keep_record, read_record
from castpub.survey import FeedsSurvey

RECORD_NAME = "last-build.marshal"
RECORD_FORMAT = 3


def content_hash(data: bytes) -> str:
    """What names an input file's bytes in the records (and an episode's Episode.digest)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@lru_cache(maxsize=1)
def build_salt() -> str:
    """feed_salt (castpub's code, renderer and serializer versions) and castpub's data files."""
    digest = hashlib.blake2b(f"{RECORD_FORMAT}\0{feed_salt()}".encode(), digest_size=16)
    package = Path(__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


# (size, mtime_ns, ctime_ns, inode) of an episode file when it was read.
FileStat = tuple[int, int, int, int]
# A file changed this shortly before a build read it may still show the mtime it had then (coarse
# file-system clocks), so its stat proves nothing: it is read again (git's "racily clean" rule).
RACY_NS = 2_000_000_000
NO_STAT = (-1, -1, -1, -1)  # recorded for a file whose stat failed


@dataclass
class Inputs:
    """Every input of a build, read once: what is parsed is exactly what was hashed."""

    show: Show
    config: str
    store: str | None
    store_bytes: bytes | None
    # The episode files by name, in build order, and the hash of each one's bytes. Names, not
    # Paths: making and hashing 10 000 Paths was a tenth of a one-episode rebuild.
    names: list[str]
    digests: list[str]
    data: dict[str, bytes] = field(default_factory=dict)  # episode bytes by name, until parsed
    stats: dict[str, FileStat] = field(default_factory=dict)
    read_at: int = 0  # time.time_ns() before the first episode file was looked at
    # No episode file read yet (read_inputs' `defer`): each digest is "" until learn() is told
    # the hash of the bytes that were parsed.
    unread: bool = False

    def path(self, index: int) -> Path:
        return self.show.episodes_dir / self.names[index]

    def digest(self, index: int) -> str:
        """The hash of the file at index: of the bytes read, or the last build's record of a
        file whose stat is unchanged ("" when it could not be read)."""
        return self.digests[index]

    def learn(self, index: int, digest: str) -> None:
        """The hash of the bytes of the file at index that were parsed ("" when it could not
        be read): an unread file's, as for one read here."""
        self.digests[index] = digest
        if not digest:
            self.stats.pop(self.names[index], None)

    def take(self, index: int) -> tuple[bytes | None, str]:
        """The bytes and hash of the file at index, the bytes handed over once. A file whose
        hash came from the last build's record (its stat unchanged) is read now, and the hash
        becomes the one of the bytes read."""
        name, digest = self.names[index], self.digests[index]
        data = self.data.pop(name, None)
        if data is not None or not digest:
            return data, digest
        try:
            data = self.path(index).read_bytes()
        except OSError:
            return None, digest  # read_episode reports it
        fresh = content_hash(data)
        if fresh != digest:  # changed since it was looked at: not to be trusted next time
            self.digests[index] = fresh
            self.stats.pop(name, None)
        return data, fresh


def _stat(st: os.stat_result | None) -> FileStat | None:
    return None if st is None else (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def read_file(path: str, size: int) -> bytes:
    """The bytes of a file a stat said has `size` of them: in one read while it still has (a
    quarter of what Path.read_bytes costs, with its file object, fstat and second read)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return data
        parts = [data]  # it grew since
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def read_inputs(
    root: Path,
    trusted: dict[str, tuple[FileStat, str]] | None = None,
    to_read: Callable[[int], None] | None = None,
    defer: bool = False,
    started: Callable[[Show], None] | None = None,
    last_config: str | None = None,
) -> Inputs:
    """Read podcast.yaml, the store and every episode file once, and hash them. An episode file
    whose stat is the one `trusted` (the last build's record) gives keeps that hash unread.
    `to_read` is told how many episode files are to be read, before they are. With `defer`,
    no episode file is read: the processes that parse them read and hash them (Inputs.unread),
    and start at once instead of after this process has read them all. `last_config`: the
    hash of podcast.yaml the last build read; when it has changed, every episode is parsed
    again (the parse cache is keyed by it), and the episode files are left unread as with
    `defer`. `started` is told the show as soon as podcast.yaml is read, unless they are."""
    try:
        config_bytes: bytes | None = (root / CONFIG_NAME).read_bytes()
    except OSError:
        config_bytes = None  # load_show reports it
    show = load_show(root, config_bytes)
    assert config_bytes is not None  # load_show raised otherwise
    config = content_hash(config_bytes)
    if last_config is not None and last_config != config:
        defer, trusted = True, None
    if started is not None and not defer:
        started(show)
    try:
        store_bytes: bytes | None = show.store_path.read_bytes()
    except OSError:
        store_bytes = None  # load_store reads it again and reports what is wrong
    store = content_hash(store_bytes) if store_bytes is not None else None
    names = []
    digests = []
    data = {}
    stats = {}
    read_at = time.time_ns()
    folder = show.episodes_dir
    scanned = [(name, _stat(found)) for name, found in scan_episode_names(show)]
    if to_read is not None:
        # With no record every file is read; with one, a handful at most, so not counted.
        to_read(len(scanned) if not trusted else 0)
    if defer:
        names = [name for name, _ in scanned]
        stats = {name: stat for name, stat in scanned if stat is not None}
        return Inputs(
            show,
            config,
            store,
            store_bytes,
            names,
            [""] * len(names),
            {},
            stats,
            read_at,
            unread=True,
        )
    for name, stat in scanned:
        names.append(name)
        known = trusted.get(name) if trusted and stat else None
        if known is not None and known[0] == stat:
            digests.append(known[1])
            stats[name] = known[0]
            continue
        try:
            raw = read_file(f"{folder}/{name}", stat[0] if stat else 0)
        except OSError:
            digests.append("")  # read_episode reports it
            continue
        digests.append(content_hash(raw))
        data[name] = raw
        if stat is not None:
            stats[name] = stat
    return Inputs(show, config, store, store_bytes, names, digests, data, stats, read_at)


@dataclass(frozen=True)
class Summary:
    """What the CLI says about a build, without its feeds and episodes."""

    feeds: int
    items: int
    drafts: int
    scheduled: int
    next_scheduled: tuple[str, str] | None  # (file name, ISO date)


def split_counts(
    dates: list[tuple[str, bool, datetime]], now: datetime
) -> tuple[list[str], int, list[tuple[str, datetime]]]:
    """(due names, number of drafts, scheduled (name, date)), as build.split_by_status splits."""
    due, drafts, scheduled = [], 0, []
    for name, published, date in dates:
        if not published:
            drafts += 1
        elif date > now:
            scheduled.append((name, date))
        else:
            due.append(name)
    return due, drafts, scheduled


def summarize(
    dates: list[tuple[str, bool, datetime]], now: datetime, feeds: int, items: int
) -> tuple[list[str], Summary]:
    """(due names, the summary of a build of `feeds` feeds and `items` items) from each episode
    file's (name, published, date)."""
    due, drafts, scheduled = split_counts(dates, now)
    upcoming = min(scheduled, key=lambda s: s[1], default=None)
    next_scheduled = (upcoming[0], upcoming[1].isoformat()) if upcoming else None
    return due, Summary(feeds, items, drafts, len(scheduled), next_scheduled)


def _path(root: Path, text: str | None) -> Path | None:
    return None if text is None else root / text


def _relative(root: Path, path: Path | None) -> str | None:
    if path is None:
        return None
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


class LastBuild:
    """The record of the last successful build, in .castpub-cache/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / CACHE_DIR / RECORD_NAME
        self._record: dict[str, Any] | None = None
        self._episodes: list[tuple[str, str, bool, str]] | None = None

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)

    def record(self) -> dict[str, Any]:
        if self._record is None:
            try:
                loaded = read_record(self.path)
                valid = isinstance(loaded, dict) and loaded.get("salt") == build_salt()
                self._record = loaded if valid else {}
            except (OSError, ValueError):
                self._record = {}
        return self._record

    def episodes(self) -> list[tuple[str, str, bool, str]]:
        """(file name, hash, published, ISO date) of every episode file the record names (made
        once: a rebuild asks three times)."""
        if self._episodes is not None:
            return self._episodes
        columns = self.record()["episodes"]
        names, digests, published, dates = (
            columns[k] for k in ("names", "digests", "published", "dates")
        )
        rows = list(zip(names, digests, published, dates, strict=True))
        if not all(type(n) is str and type(h) is str and type(d) is str for n, h, _, d in rows):
            raise TypeError("not an episode row")
        self._episodes = rows
        return rows

    def files(self) -> dict[str, tuple[int, int]]:
        """Every file in feeds/ as the recorded build left it: (size, mtime_ns) by path."""
        columns = self.record()["files"]
        paths, sizes, mtimes = columns["paths"], columns["sizes"], columns["mtimes"]
        array("q", sizes + mtimes)  # integers all, or TypeError
        return dict(zip(paths, zip(sizes, mtimes, strict=True), strict=True))

    def trusted(self) -> dict[str, tuple[FileStat, str]]:
        """Episode file name -> (stat, hash) from the record, for files that were not racily
        recent when the last build read them."""
        try:
            record = self.record()
            limit = int(record.get("read_at", 0)) - RACY_NS
            stats = record["episodes"]["stats"]
            array("q", stats)
            found = {}
            for n, (name, digest, _, _) in enumerate(self.episodes()):
                stat = stats[4 * n : 4 * n + 4]
                if stat[0] >= 0 and stat[1] < limit:
                    found[name] = ((stat[0], stat[1], stat[2], stat[3]), digest)
            return found
        except (ValueError, TypeError, IndexError, KeyError):
            return {}

    def stays_due(self, now: datetime) -> bool:
        """Whether every episode file the record has due is still due at `now`, unchanged: `now`
        is no earlier than the recorded build's. Only the others (drafts, scheduled) then need
        their dates read again, not 10 000 of them."""
        try:
            since = self.record().get("now")
            return isinstance(since, str) and now >= datetime.fromisoformat(since)
        except (ValueError, TypeError):
            return False

    def unchanged(
        self, inputs: Inputs, now: datetime, survey: FeedsSurvey
    ) -> tuple[Summary, list[Problem], int] | None:
        """(summary, warnings, number of output files) when nothing changed, else None;
        `survey` has the stats of feeds/."""
        try:
            record = self.record()
            if not record or inputs.unread:
                return None
            if (record["config"], record["store"]) != (inputs.config, inputs.store):
                return None
            recorded = self.episodes()
            columns = record["episodes"]
            if inputs.names != columns["names"] or inputs.digests != columns["digests"]:
                return None
            # Those due at the recorded build's --now stay due at a later one: only the others'
            # dates are read, and none of them may have come due.
            stays = set(record["due"]) if self.stays_due(now) else set()
            dates = [
                (n, bool(p), datetime.fromisoformat(d)) for n, _, p, d in recorded if n not in stays
            ]
            due, summary = summarize(dates, now, int(record["feeds"]), int(record["items"]))
            if due != ([] if stays else record["due"]):
                return None
            if survey.files(inputs.show.feeds_dir) != self.files():
                return None
            return summary, self.warnings(), int(record["outputs"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def warnings(self) -> list[Problem]:
        """The warnings the recorded build gave."""
        return [
            Problem(_path(self.root, p), line, what, fix, bool(warning))
            for p, line, what, fix, warning in self.record()["warnings"]
        ]

    def save(
        self,
        inputs: Inputs,
        now: datetime,
        states: Mapping[str, tuple[bool, str]],
        due: list[str],
        feeds: int,
        items: int,
        warnings: list[Problem],
        outputs: int,
        files: dict[str, tuple[int, int]],
        later: LaterRecords | None = None,
    ) -> None:
        """Record a build at `now` that committed (or have `later` do it once it has), from each
        episode file's (published, ISO date) by name and the names of those due; a failure only
        costs the next build its fast path."""
        # Columns, not a row per file: a third of the time to write and to read again.
        names: list[str] = []
        digests: list[str] = []
        published: list[bool] = []
        dates: list[str] = []
        stats: list[int] = []
        for name, digest in zip(inputs.names, inputs.digests, strict=True):
            state = states.get(name)
            if state is None or not digest:  # every file parsed, or the build failed
                return
            names.append(name)
            digests.append(digest)
            published.append(state[0])
            dates.append(state[1])
            stats.extend(inputs.stats.get(name) or NO_STAT)
        record = {
            "salt": build_salt(),
            "config": inputs.config,
            "store": inputs.store,
            "read_at": inputs.read_at,
            "now": now.isoformat(),
            "episodes": {
                "names": names,
                "digests": digests,
                "published": published,
                "dates": dates,
                "stats": stats,
            },
            "due": due,
            "feeds": feeds,
            "items": items,
            "outputs": outputs,
            "warnings": [
                [_relative(self.root, w.path), w.line, w.what, w.fix, w.warning] for w in warnings
            ],
            "files": {
                "paths": list(files),
                "sizes": [size for size, _ in files.values()],
                "mtimes": [mtime for _, mtime in files.values()],
            },
        }
        keep_record(self.path, record, later)
