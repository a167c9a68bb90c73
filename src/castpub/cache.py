"""The render cache, .castpub-cache/: show notes of unchanged episodes are not rendered again.

Rendering Markdown is most of a build's time, and an episode's notes depend only on its body, its
description and the video record's id, title and chapters. An entry is named by a hash of exactly
those, salted with castpub's version, the digest of castpub's own code and the versions of the
Markdown renderer and sanitizer: a change to any of them names other entries, so an entry is never
stale. The folder is safe to delete at any time; a missing, unreadable or corrupt entry is only a
miss. Entries are written atomically (temporary file, rename) but without fsync: losing one costs
one render.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from castpub import __version__
from castpub.notes import Notes
from castpub.output import write_cache_file
from castpub.store import VideoInfo
from castpub.versions import library_version

CACHE_DIR = ".castpub-cache"
FORMAT = 2  # bump when the entry layout changes
MAGIC = b"castpub-notes 2\n"
RENDER_LIBRARIES = ("cmarkgfm", "nh3")


@lru_cache(maxsize=1)
def code_salt() -> str:
    """What every key includes: castpub's version and code, and the renderer's versions.

    Hashing castpub's own sources means a developer's edit to notes.py invalidates entries even
    when the version number did not move."""
    digest = hashlib.blake2b(f"{FORMAT}\0{__version__}".encode(), digest_size=16)
    for name in RENDER_LIBRARIES:
        digest.update(f"\0{name}={library_version(name)}".encode())
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.hexdigest()


def render_key(body: str, description: str | None, video: VideoInfo | None) -> str:
    """The key of one episode's notes: every input render_notes reads, and the code salt.

    Each value goes in with its length, so no two different inputs give the same bytes."""
    digest = hashlib.blake2b(code_salt().encode(), digest_size=20)
    chapters = [(c.start, c.end, c.title) for c in video.chapters] if video else None
    for value in (
        body,
        repr(description),
        repr(None if video is None else (video.id, video.title, chapters)),
    ):
        data = value.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data) + data)
    return digest.hexdigest()


@dataclass
class RenderCache:
    """Notes by key under directory; `None` as directory turns the cache off. Remembers the keys
    a build used, so that it can drop the others (a cache that only grew would reach gigabytes)."""

    directory: Path | None
    used: set[str] = field(default_factory=set)

    @classmethod
    def for_show(cls, root: Path, enabled: bool = True) -> RenderCache:
        return cls(root / CACHE_DIR / "notes" if enabled else None)

    def _path(self, key: str) -> Path | None:
        return self.directory / key[:2] / f"{key}.notes" if self.directory else None

    def get(self, key: str) -> Notes | None:
        path = self._path(key)
        if path is None:
            return None
        self.used.add(key)
        try:
            return _decode(path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError):
            return None

    def put(self, key: str, notes: Notes) -> None:
        """Store notes; a cache that cannot be written is skipped (the build still succeeds)."""
        path = self._path(key)
        if path is None:
            return
        self.used.add(key)
        write_cache_file(path, _encode(notes))

    def prune(self) -> int:
        """Remove the entries this build did not use; returns how many."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        removed = 0
        for entry in self.directory.glob("*/*"):
            if entry.name.split(".", 1)[0] not in self.used or not entry.name.endswith(".notes"):
                entry.unlink(missing_ok=True)
                removed += 1
        return removed


def _encode(notes: Notes) -> bytes:
    """An entry: a header line with the byte lengths of the html and the summary, then the three
    texts in UTF-8 (several times faster to read back than JSON)."""
    html, summary = notes.html.encode(), notes.summary.encode()
    return (
        MAGIC + b"%d %d\n" % (len(html), len(summary)) + html + summary + notes.transcript.encode()
    )


def _decode(data: bytes) -> Notes:
    if not data.startswith(MAGIC):
        raise ValueError("not a castpub notes entry")
    header_end = data.index(b"\n", len(MAGIC)) + 1
    html_len, summary_len = (int(n) for n in data[len(MAGIC) : header_end].split())
    a = header_end + html_len
    b = a + summary_len
    if b > len(data):
        raise ValueError("truncated entry")
    return Notes(data[header_end:a].decode(), data[a:b].decode(), data[b:].decode())


@lru_cache(maxsize=1)
def feed_salt() -> str:
    """What every item fragment key includes: castpub's code and the serializer's versions."""
    versions = [f"{name}={library_version(name)}" for name in ("feedgen", "lxml")]
    return code_salt() + "\0" + "\0".join(versions)


# How a fragment of each format starts and ends: a span that does not is not trusted.
OPENING = {
    "rss": (b"    <item>\n", b"    </item>\n"),
    "atom": (b"  <entry>\n", b"  </entry>\n"),
}


@dataclass
class _Written:
    size: int
    mtime_ns: int
    items: dict[str, tuple[int, int]]  # item key -> (start, end) in the file


class FragmentPool:
    """Serialized items of the feed files an earlier build wrote, for the next build to copy.

    .castpub-cache/feeds.json records, for each feed file, its size, its mtime and where each item
    (by key) lies in it. A fragment is copied only while the file still has that size and mtime,
    so a feed edited or replaced by anything else is never trusted. Keys name every field of an
    item and the code that serialized it (cache.feed_salt), so a copied fragment is never stale."""

    def __init__(self, feeds_dir: Path, manifest: Path | None) -> None:
        self.feeds_dir = feeds_dir
        self.manifest = manifest
        self.previous = self._load()
        self._files: dict[str, bytes | None] = {}
        self.recorded: dict[str, dict[str, tuple[int, int]]] = {}

    @classmethod
    def for_show(cls, root: Path, feeds_dir: Path, enabled: bool = True) -> FragmentPool:
        return cls(feeds_dir, root / CACHE_DIR / "feeds.json" if enabled else None)

    def _load(self) -> dict[str, _Written]:
        if self.manifest is None:
            return {}
        try:
            data = json.loads(self.manifest.read_bytes())
            if data.get("salt") != feed_salt():
                return {}
            return {
                str(relpath): _Written(
                    int(entry["size"]),
                    int(entry["mtime_ns"]),
                    {str(k): (int(a), int(b)) for k, a, b in entry["items"]},
                )
                for relpath, entry in data["files"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def _file(self, relpath: str) -> bytes | None:
        """The old file's bytes, if it is still exactly the file the manifest describes."""
        if relpath not in self._files:
            self._files[relpath] = None
            written = self.previous[relpath]
            try:
                path = self.feeds_dir / relpath
                stat = path.stat()
                if (stat.st_size, stat.st_mtime_ns) == (written.size, written.mtime_ns):
                    data = path.read_bytes()
                    if len(data) == written.size:
                        self._files[relpath] = data
            except OSError:
                pass
        return self._files[relpath]

    def reuser(self, rss_path: str, atom_path: str) -> Callable[[str, str], bytes | None]:
        """Fragments from the old files of one feed: copying only from a feed's own files keeps
        one old feed in memory at a time (a 10 000-item feed is ~60 MB)."""
        paths = {"rss": rss_path, "atom": atom_path}

        def reuse(kind: str, key: str) -> bytes | None:
            relpath = paths[kind]
            written = self.previous.get(relpath)
            span = written.items.get(key) if written else None
            data = self._file(relpath) if span else None
            if span is None or data is None:
                return None
            fragment = data[span[0] : span[1]]
            opening, closing = OPENING[kind]
            whole = fragment.startswith(opening) and fragment.endswith(closing)
            return fragment if whole else None

        return reuse

    def release(self, *relpaths: str) -> None:
        for relpath in relpaths:
            self._files.pop(relpath, None)

    def record(self, relpath: str, items: list[tuple[str, int, int]]) -> None:
        self.recorded[relpath] = {key: (start, end) for key, start, end in items}

    def forget(self) -> None:
        """Drop the manifest: a build that does not record what it wrote must not leave one."""
        if self.manifest is None:
            return
        self.manifest.unlink(missing_ok=True)

    def save(self) -> None:
        """Write the manifest for the files now in feeds/; a failure only costs the next build."""
        if self.manifest is None:
            return
        files = {}
        for relpath, items in sorted(self.recorded.items()):
            try:
                stat = (self.feeds_dir / relpath).stat()
            except OSError:
                continue
            files[relpath] = {
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "items": [[k, a, b] for k, (a, b) in items.items()],
            }
        data = json.dumps({"salt": feed_salt(), "files": files}, separators=(",", ":")).encode()
        write_cache_file(self.manifest, data)
