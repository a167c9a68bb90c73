"""The GUID guard: a build never silently drops or changes a GUID that feeds/ already published.

A changed GUID makes every podcast app download the episode again. The published feed itself is
the record: each item names its episode through its transcript URL, and its video through the
show notes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Protocol
from urllib.parse import unquote

from lxml import etree

from castpub.cache import CACHE_DIR, stat_written
from castpub.config import Show
from castpub.errors import Problem, invalid
from castpub.model import Enclosure, Item
from castpub.output import LaterRecords, keep_record, read_record
from castpub.versions import library_version

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_VIDEO = re.compile(r"youtube\.com/watch\?v=([A-Za-z0-9_-]{11})")
# The same search in notes held as UTF-8 (Item.notes): an ASCII pattern finds the same match.
_VIDEO_UTF8 = re.compile(_VIDEO.pattern.encode())
_EPISODE = re.compile(r"/transcripts/([^/]+)\.html$")
INDEX_FORMAT = 1  # bump when the rows of published.marshal change shape


@lru_cache(maxsize=1)
def reading_salt() -> str:
    """What the published index is valid under: this module's code, where an item is read
    alike from a feed file and from the Item written into it, and the XML parser's version.
    Not the rest of castpub's code: a row says what this module reads in a file an older
    castpub wrote, so the first build after an upgrade does not parse every feed again."""
    digest = hashlib.blake2b(
        f"{INDEX_FORMAT}\0lxml={library_version('lxml')}\0".encode(), digest_size=16
    )
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


class PublishedItem(NamedTuple):
    """What the guards read of one published item. A tuple: a build reads 20 000 of them from
    its record, and frozen dataclasses cost five times as much to make."""

    guid: str
    episode_id: str | None
    video_id: str | None
    enclosure_url: str | None


def published_items(path: Path) -> list[PublishedItem]:
    """Items of an already published RSS feed.

    A feed that is there but unreadable (merge-conflict markers, a truncated upload) stops the
    build: treating it as empty would switch the GUID and shrink guards off without a word.
    """
    if not path.is_file():
        return []
    found = []
    try:
        for _, item in etree.iterparse(str(path), tag="item", huge_tree=True):
            transcript = item.find(f"{{{PODCAST_NS}}}transcript")
            enclosure = item.find("enclosure")
            video = _VIDEO.search(item.findtext(f"{{{CONTENT_NS}}}encoded") or "")
            published = _published(
                item.findtext("guid") or "",
                transcript.get("url", "") if transcript is not None else "",
                video.group(1) if video else None,
                enclosure.get("url") if enclosure is not None else None,
            )
            if published is not None:
                found.append(published)
            item.clear()
    except etree.XMLSyntaxError as exc:
        raise invalid(
            path,
            exc.lineno,
            f"the published feed is not well-formed XML ({exc.msg}), so castpub cannot check "
            "that the build keeps its GUIDs",
            f"restore it (git checkout -- {path.name}, or the copy on your host); or delete it to "
            "publish anew without the GUID guard",
        ) from None
    return found


def _published(
    guid: str, transcript_url: str, video_id: str | None, enclosure_url: str | None
) -> PublishedItem | None:
    """What the guards need of one item: the same whether read from a feed file or from the Item
    that was serialized into it (video_id: the first watch link in its show notes)."""
    if not guid.strip():
        return None
    episode = _EPISODE.search(transcript_url)
    return PublishedItem(
        guid.strip(),
        unquote(episode.group(1)) if episode else None,
        video_id,
        enclosure_url,
    )


def as_published(item: Item) -> PublishedItem | None:
    video = _VIDEO_UTF8.search(item.notes)  # not decoding 10 000 show notes per build
    return _published(
        item.guid,
        item.transcript_url,
        video.group(1).decode() if video else None,
        item.enclosure.url if item.enclosure else None,
    )


class PublishedIndex:
    """The guards' reading of the RSS files a build wrote, kept in .castpub-cache/published.marshal.

    Parsing a 60 MB feed to learn its GUIDs cost seconds on every rebuild. A build records, for
    each RSS file it leaves in feeds/, its size and mtime and what the guards read from each item
    (taken from the Items it serialized, by the same rules as the parser). The record is used
    only while the file still has that size and mtime and the rules that read it are the same
    (reading_salt); a feed replaced or edited by anything else is parsed as before.

    Each file's items are kept as the record's rows until asked for: a one-episode rebuild reads
    every playlist's GUIDs only, and writes the rows of unchanged feeds back as they were."""

    def __init__(self, feeds_dir: Path, manifest: Path | None) -> None:
        self.feeds_dir = feeds_dir
        self.manifest = manifest
        self.previous = self._load()
        self.recorded: dict[str, Sequence[Sequence[str | None]]] = {}

    @classmethod
    def for_show(cls, root: Path, feeds_dir: Path, enabled: bool = True) -> PublishedIndex:
        return cls(feeds_dir, root / CACHE_DIR / "published.marshal" if enabled else None)

    def _load(self) -> dict[str, tuple[int, int, list[list[str | None]]]]:
        if self.manifest is None:
            return {}
        try:
            data = read_record(self.manifest)
            if data.get("salt") != reading_salt():
                return {}
            return {
                str(relpath): (int(size), int(mtime_ns), list(items))
                for relpath, (size, mtime_ns, items) in data["files"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def items(self, relpath: str) -> list[PublishedItem]:
        """The published items of feeds/relpath, from the record when it still describes the file."""
        rows = self._rows(relpath)
        if rows is not None:
            with suppress(TypeError):  # a row of another shape: the feed is read instead
                return list(map(PublishedItem._make, rows))
        return published_items(self.feeds_dir / relpath)

    def guids(self, relpath: str) -> list[str]:
        """The GUIDs of the published items of feeds/relpath (items(), without the rest)."""
        rows = self._rows(relpath)
        if rows is not None and all(len(row) == len(PublishedItem._fields) for row in rows):
            return [str(row[0]) for row in rows]
        return [item.guid for item in published_items(self.feeds_dir / relpath)]

    def _rows(self, relpath: str) -> list[list[str | None]] | None:
        """The recorded rows of feeds/relpath, while the file has the size and mtime recorded."""
        known = self.previous.get(relpath)
        if known is None:
            return None
        try:
            stat = (self.feeds_dir / relpath).stat()
        except OSError:
            return None
        return known[2] if (stat.st_size, stat.st_mtime_ns) == known[:2] else None

    def record_rows(self, relpath: str, rows: list[PublishedItem | None]) -> None:
        """Record the items of a feed written to relpath, from what as_published gave for each."""
        self.recorded[relpath] = [tuple(p) for p in rows if p is not None]

    def carry(self, relpath: str) -> None:
        """Record the old relpath again as it is: a build that left it untouched."""
        known = self.previous.get(relpath)
        if known is not None:
            self.recorded[relpath] = known[2]

    def forget(self) -> None:
        if self.manifest is not None:
            self.manifest.unlink(missing_ok=True)

    def save(self, written: dict[str, tuple[int, int]], later: LaterRecords | None = None) -> None:
        """Record the files now in feeds/ (`written`, from feeds_files), or have `later` do it;
        a failure only costs the next build a parse."""
        if self.manifest is None:
            return
        files = {r: list(v) for r, v in stat_written(written, self.recorded).items()}
        keep_record(self.manifest, {"salt": reading_salt(), "files": files}, later)


class Guarded(Protocol):
    """What the guards read of an item about to be published."""

    @property
    def episode_id(self) -> str: ...
    @property
    def guid(self) -> str: ...
    @property
    def video_id(self) -> str | None: ...
    @property
    def enclosure(self) -> Enclosure | None: ...


def guard_problems(
    show: Show,
    index: PublishedIndex,
    items: Mapping[str, Sequence[Guarded]],
    paths: dict[str, Path],
    allow_shrink: bool,
) -> list[Problem]:
    """Every guard over the items about to be published, by RSS path (podcast.xml first):
    GUIDs and enclosure URLs kept, and no feed shrunk beyond max_shrink unless allowed."""
    previous = index.items("podcast.xml")
    problems = check_guids(previous, items["podcast.xml"], paths)
    if not allow_shrink:
        guids = [item.guid for item in previous]
        problems.extend(_shrink(show, "podcast.xml", guids, items["podcast.xml"]))
        problems.extend(_playlist_shrink(show, items, index))
    return problems


def _shrink(
    show: Show, relpath: str, previous: list[str], items: Sequence[Guarded] | None
) -> list[Problem]:
    """Refuse to publish a feed that lost more than max_shrink of its items (a deleted folder, a
    bad merge) unless the author says so (`previous`: the GUIDs published). No feed at all
    (None) loses every item."""
    if not previous:
        return []
    kept = {i.guid for i in items} if items is not None else set()
    lost = sum(1 for guid in previous if guid not in kept)
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


def _playlist_shrink(
    show: Show, items: Mapping[str, Sequence[Guarded]], published: PublishedIndex
) -> list[Problem]:
    """The same guard for every playlist feed already published: people subscribe to those too,
    and one whose playlist vanished from the store would otherwise be deleted."""
    problems: list[Problem] = []
    directory = show.feeds_dir / "playlists"
    for path in sorted(directory.glob("*/podcast.xml")) if directory.is_dir() else []:
        relpath = str(path.relative_to(show.feeds_dir))
        problems += _shrink(show, relpath, published.guids(relpath), items.get(relpath))
    return problems


def check_guids(
    published: list[PublishedItem], items: Sequence[Guarded], paths: dict[str, Path]
) -> list[Problem]:
    """Problems for every published GUID or enclosure URL that an episode still present changes."""
    by_episode = {i.episode_id: i for i in items}
    by_video = {i.video_id: i for i in items if i.video_id}
    guids = {i.guid for i in items}
    problems = []
    for old in published:
        now = by_episode.get(old.episode_id or "") or by_video.get(old.video_id or "")
        if now is None:
            continue
        where = paths.get(now.episode_id)
        if old.guid not in guids:
            problems.append(
                Problem(
                    where,
                    None,
                    f"this episode was published with GUID {old.guid!r}, the build would "
                    f"change it to {now.guid!r} and every podcast app would download it again",
                    f'add the line guid: "{old.guid}" to its front matter',
                )
            )
        elif (
            old.enclosure_url
            and now.enclosure
            and now.guid == old.guid
            and now.enclosure.url != old.enclosure_url
        ):
            problems.append(
                Problem(
                    where,
                    None,
                    f"this episode was published with enclosure {old.enclosure_url}, the "
                    f"build would change it to {now.enclosure.url}",
                    "keep the old media URL in 'media:' (enclosure URLs never change once published)",
                )
            )
    return problems
