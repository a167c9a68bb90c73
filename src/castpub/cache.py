"""The render cache, .castpub-cache/notes/: show notes of unchanged episodes are not rendered again.

Rendering Markdown is most of a build's time, and an episode's notes depend only on its body, its
description and the video record's id, title and chapters. An entry is named by a hash of those
(the body by the hash of the episode file's bytes, of which it is a function), salted with
castpub's version, the digest of castpub's own code and the versions of the Markdown renderer and
sanitizer: a change to any of them names other entries, so an entry is never stale. The folder is safe to delete at any time; a missing, unreadable, truncated or corrupt entry
is only a miss.

Entries live in pack files, read with one open each and a pread per entry (one small file per
entry cost a create and a rename to write, an open to read: seconds at 10 000 episodes), and an
index naming the packs and where each entry lies, with the entry's length and CRC-32: an entry
that does not check out (a pack truncated, replaced or damaged) is a miss. The index is replaced
atomically (temporary file, rename). A build appends its new entries to one pack; the worker
processes that render a cold build append theirs to a pack of their own each (append_entry), so
that no transcript has to travel back to be written. Packs are only appended to, so the bytes an
index points at never change, until at least half of them is entries no build uses any more, or
there are more than MAX_PACKS packs; then the live entries are written to a new pack under a new
name. None of it is fsynced: losing an entry costs one render.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import struct
import threading
import weakref
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path
from typing import NamedTuple, TypeVar

from castpub import __version__
from castpub.notes import Notes
from castpub.output import (
    ByteSink,
    LaterRecords,
    keep_record,
    read_record,
    write_all,
    write_cache_file,
)
from castpub.store import VideoInfo
from castpub.versions import library_version

CACHE_DIR = ".castpub-cache"
FORMAT = 4  # bump when the entry or index layout changes
RENDER_LIBRARIES = ("cmarkgfm", "nh3")
INDEX_NAME = "index"
INDEX_MAGIC = b"castpub-notes-index 4\n"
PACK_SUFFIX = ".pack"
# An entry in the pack: magic, the key's length and the UTF-8 lengths of html, summary and
# transcript; then the key and the three texts. The key makes an entry say what it is.
ENTRY_MAGIC = b"CPN3"
_HEADER = struct.Struct("<4sHIII")
# The index: its magic, the length of the packs' names and the number of entries, the names (one
# per line, the pack to append to first), one row per entry, then the keys.
_COUNTS = struct.Struct("<II")
# A row of the index: the key's length, then the entry's pack (its line in the names), offset,
# length and CRC-32 in that pack.
_ROW = struct.Struct("<HHQII")
# Past this many packs (each cold build's workers add theirs), the live entries go to one.
MAX_PACKS = 8
# Where an entry lies: (pack file name, offset, length, CRC-32).
Entry = tuple[str, int, int, int]
_CHECKSUM_BYTES = 16  # blake2b of everything before it closes the index
_WRITE_CHUNK = 8 << 20  # appending ~130 MB of notes in chunks bounds the extra memory
_READ_AHEAD = 4 << 20  # how much of an old feed file is read at once


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


def content_key(*parts: str) -> str:
    """Names whatever is made of exactly these texts. Each goes in with its length, so no two
    different lists give the same bytes."""
    data = "\0".join(f"{len(p)}:{p}" for p in parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def render_key(source: str, description: str | None, video: VideoInfo | None) -> str:
    """The key of one episode's notes: every input render_notes reads, and the code salt. The
    body goes in as `source`, the hash of the episode file's bytes, of which it is a function."""
    chapters = [(c.start, c.end, c.title) for c in video.chapters] if video else None
    return content_key(
        code_salt(),
        source,
        repr(description),
        repr(None if video is None else (video.id, video.title, chapters)),
    )


@dataclass
class RenderCache:
    """Notes by key under directory; `None` as directory turns the cache off. Remembers the keys
    a build used, so that it can drop the others (a cache that only grew would reach gigabytes).

    New entries are kept in memory until save() or prune() writes them: one append to the pack and
    one index per build. Entries a worker process wrote into a pack of its own (append_entry) are
    adopted instead."""

    directory: Path | None
    used: set[str] = field(default_factory=set)
    _index: dict[str, Entry] | None = field(default=None, init=False, repr=False)
    _pack: str | None = field(default=None, init=False, repr=False)  # where save() appends
    _pending: dict[str, Notes] = field(default_factory=dict, init=False, repr=False)
    _adopted: bool = field(default=False, init=False, repr=False)
    _readers: dict[str, int | None] = field(default_factory=dict, init=False, repr=False)
    _closer: Callable[[], object] | None = field(default=None, init=False, repr=False)

    @classmethod
    def for_show(cls, root: Path, enabled: bool = True) -> RenderCache:
        return cls(root / CACHE_DIR / "notes" if enabled else None)

    def get(self, key: str) -> Notes | None:
        if self.directory is None:
            return None
        self.used.add(key)
        pending = self._pending.get(key)
        if pending is not None:
            return pending
        entry = self._entries().get(key)
        if entry is None:
            return None
        pack, offset, length, crc = entry
        fd = self._open_pack(pack)
        if fd is None:
            return None
        try:
            data = os.pread(fd, length, offset)
        except OSError:
            return None
        return _decode(key, data, length, crc)

    def put(self, key: str, notes: Notes) -> None:
        """Keep notes for save(); a cache that cannot be written is skipped (the build still
        succeeds)."""
        if self.directory is None:
            return
        self.used.add(key)
        self._pending[key] = notes if notes.key == key else replace(notes, key=key)

    def adopt(self, key: str, entry: Entry) -> None:
        """Take in an entry append_entry wrote, for save() to index."""
        if self.directory is None:
            return
        self.used.add(key)
        self._pending.pop(key, None)
        self._entries()[key] = entry
        self._adopted = True

    def save(self) -> None:
        """Write the entries put since the last save, keeping every other entry. Idempotent."""
        self._write(prune=False)

    def prune(self) -> int:
        """Save, and drop the entries this build did not use; returns how many. Idempotent."""
        return self._write(prune=True)

    def keys(self) -> set[str]:
        """The keys of every entry, saved or pending."""
        return {*self._entries(), *self._pending} if self.directory else set()

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
        self._readers = {}
        self._closer = None

    def _entries(self) -> dict[str, Entry]:
        if self._index is None:
            self._index, self._pack = {}, None
            if self.directory is not None:
                with suppress(OSError, ValueError, struct.error, UnicodeDecodeError):
                    data = (self.directory / INDEX_NAME).read_bytes()
                    self._pack, self._index = _load_index(data)
        return self._index

    def _open_pack(self, pack: str) -> int | None:
        if pack not in self._readers and self.directory is not None:
            try:
                self._readers[pack] = os.open(self.directory / pack, os.O_RDONLY)
            except OSError:
                self._readers[pack] = None  # every entry in it is a miss
                return None
            if self._closer is None:
                # A cache nobody saves (build --check) still gives its descriptors back when
                # collected.
                self._closer = weakref.finalize(self, _close_all, self._readers)
        return self._readers.get(pack)

    def _write(self, prune: bool) -> int:
        if self.directory is None:
            return 0
        index = self._entries()
        dropped = [key for key in index if key not in self.used] if prune else []
        if not self._pending and not dropped and not self._adopted:
            return 0
        for key in dropped:
            del index[key]
        try:
            self._store(index)
        except (OSError, struct.error):  # struct.error: a text over 4 GB, a key over 64 KB
            # The index on disk is the last one written whole; read it again if asked.
            self.close()
            self._index = None
            return len(dropped)
        self._pending.clear()
        self._adopted = False
        return len(dropped)

    def _store(self, index: dict[str, Entry]) -> None:
        """Append the pending entries to the pack save() appends to, or start a new pack with
        every live entry when the packs are at least half entries nobody uses (copying the live
        ones then costs no more than the garbage it drops, and the packs stay under twice what
        they hold) or there are more than MAX_PACKS of them; then replace the index."""
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        sizes = self._sizes({entry[0] for entry in index.values()})
        for key in [key for key, entry in index.items() if entry[0] not in sizes]:
            del index[key]  # its pack is gone or cannot be read: a miss
        live = sum(entry[2] for entry in index.values())
        base: dict[str, Entry] = index
        entries: Iterable[tuple[str, bytes]] = self._encoded()
        if live and (sum(sizes.values()) - live >= live or len(sizes) > MAX_PACKS):
            pack, base = _new_pack(), {}
            entries = chain(self._copy_live(index), entries)
        elif self._pack in sizes:
            pack = self._pack
        else:  # the pack save() appended to holds nothing live any more, or there is none
            pack = min(sizes) if sizes and not self._pending else _new_pack()
        rows: dict[str, Entry] = {}
        if self._pending or not base:
            new = pack not in sizes
            flags = os.O_WRONLY | (os.O_CREAT | os.O_EXCL if new else os.O_APPEND)
            out = os.open(self.directory / pack, flags, 0o644)
            try:
                rows = _append(out, pack, os.fstat(out).st_size, entries)
            finally:
                os.close(out)
        new_index = {**base, **rows}
        if not write_cache_file(self.directory / INDEX_NAME, _dump_index(pack, new_index)):
            raise OSError("the notes index was not written")
        if not base:
            self.close()  # the old packs are deleted next
        self._pack = pack
        self._index = new_index
        self._remove_others({pack, *(entry[0] for entry in new_index.values())})

    def _sizes(self, packs: set[str]) -> dict[str, int]:
        """The size of each of these packs that can be read."""
        sizes = {}
        for pack in packs:
            fd = self._open_pack(pack)
            if fd is not None:
                with suppress(OSError):
                    sizes[pack] = os.fstat(fd).st_size
        return sizes

    def _copy_live(self, index: dict[str, Entry]) -> Iterator[tuple[str, bytes]]:
        """The live entries of the old packs, checked: a damaged one is dropped, not copied."""
        for key, (pack, offset, length, crc) in sorted(index.items(), key=lambda item: item[1]):
            if key in self._pending:
                continue
            fd = self._open_pack(pack)
            data = os.pread(fd, length, offset) if fd is not None else b""
            if _intact(data, length, crc):
                yield key, data

    def _encoded(self) -> Iterator[tuple[str, bytes]]:
        for key, notes in self._pending.items():
            yield key, _encode(key, notes)

    def _remove_others(self, packs: set[str]) -> None:
        """Packs no entry lies in, leftovers of a killed save and the one-file-per-entry
        folders of format 2."""
        assert self.directory is not None
        try:
            with os.scandir(self.directory) as entries:
                others = [e for e in entries if e.name not in packs and e.name != INDEX_NAME]
        except OSError:
            return
        for entry in others:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


def _close_all(readers: dict[str, int | None]) -> None:
    for fd in readers.values():
        if fd is not None:
            with suppress(OSError):
                os.close(fd)
    readers.clear()


def _new_pack() -> str:
    return f"{os.urandom(8).hex()}{PACK_SUFFIX}"


@cache
def _own_pack(pid: int) -> str:
    """The pack this process appends its entries to (by pid: a forked child draws its own)."""
    return f"{os.urandom(8).hex()}-{pid}{PACK_SUFFIX}"


def append_entry(directory: Path, key: str, notes: Notes) -> Entry | None:
    """Append one entry to this process's own pack in directory, for a RenderCache to adopt:
    the processes that render a cold build's notes write them there themselves, instead of
    sending every transcript back to be written by the build's own process. None when it cannot
    be written (the entry is then to be put() instead)."""
    data = _encode(key, notes)
    try:
        fd = _open_pack(directory)
        offset = os.lseek(fd, 0, os.SEEK_END)  # where an append lands: no one else writes here
        write_all(fd, data)
    except OSError:
        return None
    return _own_pack(os.getpid()), offset, len(data), zlib.crc32(data)


# The pack each process appends to, open, by (process, folder): opening and closing it for each
# entry was most of the time spent writing one (30 of 45 us). One folder at a time.
_OPEN_PACKS: dict[tuple[int, str], int] = {}


def _open_pack(directory: Path) -> int:
    key = (os.getpid(), str(directory))
    fd = _OPEN_PACKS.get(key)
    if fd is not None:
        with suppress(OSError):
            if os.fstat(fd).st_nlink:  # not removed since (a cache pruned by this process)
                return fd
    for other in [k for k in _OPEN_PACKS if k[0] == key[0]]:
        with suppress(OSError):
            os.close(_OPEN_PACKS.pop(other))
    fd = os.open(directory / _own_pack(key[0]), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    _OPEN_PACKS[key] = fd
    return fd


def _append(
    fd: int, pack: str, offset: int, entries: Iterable[tuple[str, bytes]]
) -> dict[str, Entry]:
    """Write entries at the end of the pack in large chunks; returns their index rows."""
    rows: dict[str, Entry] = {}
    chunk: list[bytes] = []
    chunk_size = 0
    for key, data in entries:
        rows[key] = (pack, offset, len(data), zlib.crc32(data))
        offset += len(data)
        chunk.append(data)
        chunk_size += len(data)
        if chunk_size >= _WRITE_CHUNK:
            write_all(fd, b"".join(chunk))
            chunk, chunk_size = [], 0
    if chunk:
        write_all(fd, b"".join(chunk))
    return rows


def _encode(key: str, notes: Notes) -> bytes:
    """An entry: a fixed header, the key, then the three texts in UTF-8 (several times faster to
    read back than JSON). surrogatepass: any str survives the round trip (a description can
    hold a lone surrogate from a YAML escape)."""
    name, summary = (text.encode("utf-8", "surrogatepass") for text in (key, notes.summary))
    html, transcript = notes.html, notes.transcript
    header = _HEADER.pack(ENTRY_MAGIC, len(name), len(html), len(summary), len(transcript))
    return b"".join((header, name, html, summary, transcript))


def _intact(data: bytes, length: int, crc: int) -> bool:
    return len(data) == length and zlib.crc32(data) == crc


def _decode(key: str, data: bytes, length: int, crc: int) -> Notes | None:
    """The notes in one entry, or None unless it is whole, undamaged and the entry for key."""
    if not _intact(data, length, crc) or length < _HEADER.size:
        return None
    magic, name_len, html_len, summary_len, transcript_len = _HEADER.unpack_from(data)
    a = _HEADER.size + name_len
    b = a + html_len
    c = b + summary_len
    if magic != ENTRY_MAGIC or c + transcript_len != length:
        return None
    try:
        if data[_HEADER.size : a].decode("utf-8", "surrogatepass") != key:
            return None
        return Notes(
            data[a:b],
            data[b:c].decode("utf-8", "surrogatepass"),
            data[c:],
            key,
        )
    except UnicodeDecodeError:
        return None


def _dump_index(pack: str, index: dict[str, Entry]) -> bytes:
    """The index: `pack` (where the next save appends) first among the packs it names."""
    packs = [pack, *sorted({entry[0] for entry in index.values()} - {pack})]
    number = {name: n for n, name in enumerate(packs)}
    names = [key.encode("utf-8", "surrogatepass") for key in index]
    rows = b"".join(
        _ROW.pack(len(name), number[pack_name], offset, length, crc)
        for name, (pack_name, offset, length, crc) in zip(names, index.values(), strict=True)
    )
    pack_names = "\n".join(packs).encode()
    body = b"".join(
        (INDEX_MAGIC, _COUNTS.pack(len(pack_names), len(index)), pack_names, rows, *names)
    )
    return body + hashlib.blake2b(body, digest_size=_CHECKSUM_BYTES).digest()


def _load_index(data: bytes) -> tuple[str, dict[str, Entry]]:
    """(the pack to append to, key -> (pack, offset, length, crc)); ValueError unless the
    index is whole."""
    body, checksum = data[:-_CHECKSUM_BYTES], data[-_CHECKSUM_BYTES:]
    if not body.startswith(INDEX_MAGIC) or (
        hashlib.blake2b(body, digest_size=_CHECKSUM_BYTES).digest() != checksum
    ):
        raise ValueError("not a whole castpub notes index")
    names_len, count = _COUNTS.unpack_from(body, len(INDEX_MAGIC))
    at = len(INDEX_MAGIC) + _COUNTS.size
    packs = body[at : at + names_len].decode().split("\n")
    if any(Path(p).name != p or not p.endswith(PACK_SUFFIX) for p in packs):
        raise ValueError("not a pack file name")
    rows_at = at + names_len
    names_at = rows_at + count * _ROW.size
    index: dict[str, Entry] = {}
    for name_len, pack, offset, length, crc in _ROW.iter_unpack(body[rows_at:names_at]):
        key = body[names_at : names_at + name_len].decode("utf-8", "surrogatepass")
        if pack >= len(packs):
            raise ValueError("an entry in no pack the index names")
        index[key] = (packs[pack], offset, length, crc)
        names_at += name_len
    if len(index) != count or names_at != len(body):
        raise ValueError("castpub notes index of the wrong length")
    return packs[0], index


@lru_cache(maxsize=1)
def feed_salt() -> str:
    """What every item fragment key includes: castpub's code and the serializer's versions."""
    versions = [f"{name}={library_version(name)}" for name in ("feedgen", "lxml")]
    return code_salt() + "\0" + "\0".join(versions)


T = TypeVar("T")


def feeds_files(feeds_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file under feeds_dir: relative path -> (size, mtime_ns). Walked once after a build
    committed, for every record that trusts a file only while it keeps both."""
    found = {}
    for dirpath, _, filenames in os.walk(feeds_dir):
        rel = os.path.relpath(dirpath, feeds_dir)
        for name in filenames:
            try:
                stat = os.stat(os.path.join(dirpath, name), follow_symlinks=False)
            except OSError:
                continue
            found[name if rel == "." else f"{rel}/{name}"] = (stat.st_size, stat.st_mtime_ns)
    return found


def stat_written(
    files: dict[str, tuple[int, int]], recorded: dict[str, T]
) -> dict[str, tuple[int, int, T]]:
    """What a build recorded of each file it left in feeds/, with the file's size and mtime
    (`files`, from feeds_files): a record is trusted later only while the file still has both.
    Files gone are left out."""
    return {r: (*files[r], value) for r, value in recorded.items() if r in files}


# How a fragment of each format starts and ends: a span that does not is not trusted.
OPENING = {
    "rss": (b"    <item>\n", b"    </item>\n"),
    "atom": (b"  <entry>\n", b"  </entry>\n"),
    "page": (b'<li class="episode">', b"</li>\n"),
}


def _whole(data: bytes | bytearray, low: int, high: int, kind: str) -> bool:
    """Whether data[low:high] is one whole fragment of its kind: it opens and closes as one."""
    opening, closing = OPENING[kind]
    return (
        high - low >= len(opening) + len(closing)
        and data[low : low + len(opening)] == opening
        and data[high - len(closing) : high] == closing
    )


class Spans(NamedTuple):
    """Where each item lies in a feed file, as columns: the keys joined by spaces, and each
    item's start and end. Kept so from one build's record to the next: a one-episode rebuild
    leaves most feeds as they are, and 60 000 items made into a dict and back cost a tenth of
    a second."""

    keys: str
    starts: list[int]
    ends: list[int]


class _Written:
    """A feed file as a build recorded it: size, mtime and the spans of its items."""

    def __init__(self, size: int, mtime_ns: int, spans: Spans) -> None:
        self.size = size
        self.mtime_ns = mtime_ns
        self.spans = spans
        self._items: dict[str, tuple[int, int]] | None = None

    @property
    def items(self) -> dict[str, tuple[int, int]]:
        """Item key -> (start, end) in the file (made when first asked for)."""
        if self._items is None:
            keys, starts, ends = self.spans
            self._items = dict(
                zip(keys.split(" ") if keys else [], zip(starts, ends, strict=True), strict=True)
            )
        return self._items


class _OldFile:
    """An old feed file read through a window: a new build copies most fragments in the order
    they lie in the file, so a read runs ahead and the next fragments are already in memory (a
    pread per item cost half a second at 10 000 items). Not mapped: a file truncated by anything
    else meanwhile would kill the build (SIGBUS) instead of failing a read."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.start = 0
        self.data = b""

    def read(self, start: int, end: int) -> bytes:
        held = self.start + len(self.data)
        if self.start <= start and end <= held:
            return self.data[start - self.start : end - self.start]
        ahead = not self.data or self.start <= start <= held  # the first read, or sequential
        size = max(end - start, _READ_AHEAD) if ahead else end - start
        self.data = os.pread(self.fd, size, start)
        self.start = start
        return self.data[: end - start]


class FragmentPool:
    """Serialized items of the feed files an earlier build wrote, for the next build to copy.

    .castpub-cache/feeds.marshal records, for each feed file, its size, its mtime and where each item
    (by key) lies in it. A fragment is copied only while the file still has that size and mtime,
    so a feed edited or replaced by anything else is never trusted. Keys name every field of an
    item and the code that serialized it (cache.feed_salt), so a copied fragment is never stale.
    It also records a key for whole files (transcripts, chapters) under the same rule: see kept."""

    def __init__(self, feeds_dir: Path, manifest: Path | None) -> None:
        self.feeds_dir = feeds_dir
        self._folder = str(feeds_dir)
        self.manifest = manifest
        self.previous_keys: dict[str, tuple[int, int, str]] = {}
        self.previous = self._load()
        self._files: dict[str, _OldFile | None] = {}  # relpath -> the old file, open
        self.recorded: dict[str, Spans] = {}
        self.keys: dict[str, str] = {}  # relpath -> key of a whole file this build wrote or kept
        self._buffer = bytearray()  # what copy() reads into

    @classmethod
    def for_show(cls, root: Path, feeds_dir: Path, enabled: bool = True) -> FragmentPool:
        return cls(feeds_dir, root / CACHE_DIR / "feeds.marshal" if enabled else None)

    def _load(self) -> dict[str, _Written]:
        if self.manifest is None:
            return {}
        try:
            data = read_record(self.manifest)
            if data.get("salt") != feed_salt():
                return {}
            # Columns rather than a list per item: 60 000 items cost a tenth of a second
            # either way to read and to write as lists; as columns, a hundredth. array() checks
            # every number is an integer, as int() per item did.
            paths, sizes, mtimes, keys = data.get("keyed", [[], [], [], []])
            array("q", sizes + mtimes)
            self.previous_keys = {
                str(p): (s, m, str(k))
                for p, s, m, k in zip(paths, sizes, mtimes, keys, strict=True)
            }
            files = {}
            for relpath, (size, mtime_ns, names, starts, ends) in data["files"].items():
                array("q", [size, mtime_ns])
                array("q", starts)
                array("q", ends)
                if not isinstance(names, str) or len(starts) != len(ends):
                    raise TypeError("spans of another shape")
                if len(starts) != (names.count(" ") + 1 if names else 0):
                    raise ValueError("as many keys as spans, or none")
                files[str(relpath)] = _Written(size, mtime_ns, Spans(names, starts, ends))
            return files
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def _file(self, relpath: str) -> _OldFile | None:
        """The old file, open, if it is still exactly the file the manifest describes."""
        if relpath not in self._files:
            self._files[relpath] = None
            written = self.previous[relpath]
            try:
                fd = os.open(self.feeds_dir / relpath, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                return None
            info = os.fstat(fd)
            if (info.st_size, info.st_mtime_ns) == (written.size, written.mtime_ns):
                self._files[relpath] = _OldFile(fd)
            else:
                os.close(fd)
        return self._files[relpath]

    def reuser(self, rss_path: str, atom_path: str) -> Callable[[str, str], bytes | None]:
        """Fragments from the old files of one feed."""
        paths = {"rss": rss_path, "atom": atom_path}

        def reuse(kind: str, key: str) -> bytes | None:
            return self.fragment(paths[kind], kind, key)

        return reuse

    def fragment(self, relpath: str, kind: str, key: str) -> bytes | None:
        """The fragment of item `key` in the old relpath, a file of kind rss, atom or page."""
        written = self.previous.get(relpath)
        span = written.items.get(key) if written else None
        old = self._file(relpath) if span else None
        if span is None or old is None:
            return None
        try:
            fragment = old.read(span[0], span[1])
        except OSError:
            return None
        whole = len(fragment) == span[1] - span[0] and _whole(fragment, 0, len(fragment), kind)
        return fragment if whole else None

    def spans(self, relpath: str) -> Spans | None:
        """Where each item lies in the old relpath; None unless the file is still the one
        recorded (same size and mtime)."""
        written = self.previous.get(relpath)
        if written is None or self._file(relpath) is None:
            return None
        return written.spans

    def copy(
        self, relpath: str, kind: str, starts: list[int], ends: list[int], out: ByteSink
    ) -> bool:
        """Copy fragments lying end to end in the old relpath (each from starts[n] to ends[n],
        as `spans` gives them) to out, a few megabytes per read instead of one read per item.
        False when the file cannot be read or a span does not hold a whole fragment: what was
        written is then to be thrown away."""
        old = self._file(relpath)
        if old is None:
            return False
        first = 0
        while first < len(starts):
            start = starts[first]
            # The fragments that end within a read of the first one's start: at least that one.
            last = bisect_right(ends, start + _READ_AHEAD, first + 1)
            size = ends[last - 1] - start
            # Read into one buffer kept for the whole build: a fresh 4 MB bytes object per read
            # is a fresh mapping, whose pages fault in one by one (40 reads per 80 MB feed).
            if len(self._buffer) < size:
                self._buffer = bytearray(max(size, _READ_AHEAD))
            data = memoryview(self._buffer)[:size]
            try:
                os.lseek(old.fd, start, os.SEEK_SET)  # readv, not preadv: macOS has no preadv
                if os.readv(old.fd, [data]) != size:
                    return False
            except OSError:
                return False
            # Spans lie end to end, so a run that opens and closes as whole fragments at its
            # ends and at one item inside is where the record says: the file has the size and
            # mtime the record was made with, and a span one byte off shows at every item.
            middle = (first + last) // 2
            if not (
                _whole(self._buffer, 0, ends[first] - start, kind)
                and _whole(self._buffer, starts[middle] - start, ends[middle] - start, kind)
                and _whole(self._buffer, starts[last - 1] - start, size, kind)
            ):
                return False
            out.write(data)
            first = last
        return True

    def carry(self, relpath: str) -> None:
        """Record the old relpath again as it is: a build that left it untouched."""
        written = self.previous.get(relpath)
        if written is not None:
            self.recorded[relpath] = written.spans

    def carry_keys(self, dropped: set[str]) -> None:
        """Record again the whole files an earlier build keyed, but those in `dropped`."""
        for relpath, (_, _, key) in self.previous_keys.items():
            if relpath not in dropped:
                self.keys.setdefault(relpath, key)

    def kept(self, relpath: str, key: str) -> bool:
        """Whether relpath is the file an earlier build wrote under key, untouched since (same
        size and mtime): then it need not be made again. Either way the key is recorded."""
        self.keys[relpath] = key
        previous = self.previous_keys.get(relpath)
        if previous is None or previous[2] != key:
            return False
        try:
            info = os.lstat(os.path.join(self._folder, relpath))
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode) and (info.st_size, info.st_mtime_ns) == previous[:2]

    def release(self, *relpaths: str) -> None:
        for relpath in relpaths:
            old = self._files.pop(relpath, None)
            if old is not None:
                os.close(old.fd)

    def close(self) -> None:
        self.release(*list(self._files))

    def close_aside(self) -> threading.Thread:
        """close() on a thread of its own, to be joined: the last descriptor of a replaced
        80 MB feed makes the file system free its blocks there and then (a tenth of a second),
        which can go on while the records are written."""
        closer = threading.Thread(target=self.close, name="castpub-close")
        closer.start()
        return closer

    def record(self, relpath: str, items: list[tuple[str, int, int]]) -> None:
        """Record where each item (key, start, end) lies in the relpath this build wrote."""
        self.record_columns(
            relpath,
            [key for key, _, _ in items],
            [start for _, start, _ in items],
            [end for _, _, end in items],
        )

    def record_columns(
        self, relpath: str, keys: list[str], starts: list[int], ends: list[int]
    ) -> None:
        """record(), from the items' keys, starts and ends."""
        self.recorded[relpath] = Spans(" ".join(keys), starts, ends)

    def forget(self) -> None:
        """Drop the manifest: a build that does not record what it wrote must not leave one."""
        if self.manifest is None:
            return
        self.manifest.unlink(missing_ok=True)

    def save(self, written: dict[str, tuple[int, int]], later: LaterRecords | None = None) -> None:
        """Write the manifest for the files now in feeds/ (`written`, from feeds_files), or
        have `later` write it; a failure only costs the next build."""
        if self.manifest is None:
            return
        files = {
            relpath: [size, mtime_ns, *spans]
            for relpath, (size, mtime_ns, spans) in stat_written(written, self.recorded).items()
        }
        kept = stat_written(written, self.keys)
        keyed = [list(kept), *([row[n] for row in kept.values()] for n in range(3))]
        record = {"salt": feed_salt(), "files": files, "keyed": keyed}
        keep_record(self.manifest, record, later)
