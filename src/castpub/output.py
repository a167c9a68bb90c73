"""The atomic writer: every file is either its complete old or its complete new version.

A build stages each changed file under a temporary name beside its target (or, for a folder that
does not exist yet, the whole folder under a temporary name), then renames them all into place at
the end, so a build that fails or is killed midway leaves feeds/ as it was.
"""

from __future__ import annotations

import marshal
import os
import queue
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol

from castpub.errors import InvalidInput, invalid

TEMP_SUFFIX = ".castpub-tmp"
# A file's (size, mtime_ns): what the records keep of each file in feeds/.
FileStamp = tuple[int, int]
# Up to this many files, a commit fsyncs each one; beyond, it syncs everything at once.
FSYNC_AT_MOST = 64


class Confined:
    """Paths under root, refused when they would lead out of it. Output names come from input
    (playlist ids, file names), and the last line of defence belongs where paths are made. A
    symlinked folder inside root (feeds/transcripts -> ~) counts as leading out. Each folder is
    resolved once: resolving every file's folder cost seconds at 10 000 files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real_root = root.resolve()
        self._checked: set[str] = set()  # folders, relative to root

    def path(self, relpath: str) -> Path:
        self.check(relpath)
        return self.root / relpath

    def check(self, relpath: str) -> None:
        """Raise unless relpath stays under root. Plain string checks (stricter than
        PurePosixPath, which drops "." and empty parts): this runs for every file a build
        writes or keeps."""
        parts = relpath.split("/")
        if not relpath or relpath[0] == "/" or any(p in ("..", ".", "") for p in parts):
            raise self._outside(self.root / relpath)
        folder = relpath.rpartition("/")[0]
        if folder not in self._checked:
            if not (self.root / folder).resolve().is_relative_to(self._real_root):
                raise self._outside(self.root / relpath)
            self._checked.add(folder)

    @staticmethod
    def _outside(path: Path) -> InvalidInput:
        return invalid(
            path,
            None,
            "refusing to write outside feeds/",
            "remove symlinks inside feeds/ (feeds/ itself may be one)",
        )


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether path is a regular file holding exactly data. One open, no stat of the path first:
    most targets of a cold build do not exist, and most of a rebuild's do. O_NONBLOCK: a FIFO
    put there must not hang the build."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        # One byte more than expected: a file that grew since the fstat is not the same.
        return os.read(fd, len(data) + 1) == data
    except OSError:
        return False
    finally:
        os.close(fd)


class Staging:
    """Files staged for an all-or-nothing update. Unchanged files are never touched (mtime kept).

    Temporary names are the target's name, a token drawn once per Staging and a counter, created
    with O_EXCL: mkstemp's random name per file, its Python file object (an isatty ioctl, an lseek)
    and a chmod by path cost ~0.1 ms a file, a tenth of a second per thousand."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, Path]] = []
        self._folders: set[Path] = set()  # known to exist
        self._new_folders: set[Path] = set()  # made by this staging: nothing in them to compare
        self._token = os.urandom(4).hex()
        self._count = 0
        self.unchanged = 0
        self._syncs: dict[str, _Fsync] = {}  # started early, by temporary name
        self._early_sync: threading.Thread | None = None
        self._reserved: _Reservations | None = None
        self._ahead: dict[Path, str] = {}  # temporary files made before the sync, by target
        # Staged folders: temporary name -> (the folder it becomes, the names of its files).
        self._staged_folders: dict[str, tuple[Path, list[str]]] = {}
        self._stamps: dict[str, FileStamp] = {}  # of files adopted into them, by temporary path
        self._writer: _Writer | None = None
        self._aside: list[_WrittenAside] = []  # closed by finish(), or by abort()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    @property
    def changed(self) -> list[Path]:
        return [path for _, path in self._pending]

    def add(self, path: Path, data: bytes) -> bool:
        """Stage data for path; returns False (and stages nothing) when the file already holds it."""
        folder = path.parent
        if folder not in self._new_folders and same_bytes(path, data):
            self.unchanged += 1
            return False
        fd, tmp = self._made_or_create(path)
        try:
            try:
                write_all(fd, data)
            finally:
                os.close(fd)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._pending.append((tmp, path))
        return True

    def _made_or_create(self, path: Path) -> tuple[int, str]:
        """The temporary file made ahead for path (open for writing), else a new one."""
        tmp = self._ahead.pop(path, None)
        if tmp is None and self._reserved is not None:
            tmp = self._reserved.take(path)
        if tmp is None:
            return self._create(path)
        try:
            return os.open(tmp, os.O_WRONLY), tmp
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def reserve(self, paths: list[Path]) -> None:
        """Have the temporary files of `paths`, in folders that do not exist yet, created on a
        thread of its own while the build goes on; add() then only writes into them. Creating
        a file took 0.1 to 0.8 ms on the benchmark's machine (ext4 mounted with `discard`, most
        after a folder of feeds was deleted): most of a cold build's write stage at 12 000
        files, a wait that can go on while the episodes are rendered and the feeds serialized."""
        folders = {path.parent for path in paths}
        if not folders or any(folder.exists() for folder in folders):
            return
        for folder in sorted(folders):
            self._make_folder(folder)
        self._reserved = _Reservations(paths, self._token)

    def _release(self) -> None:
        """Stop making reserved files, and delete those no add() took, and those made ahead
        of the sync that nothing was written into."""
        for tmp in self._ahead.values():
            Path(tmp).unlink(missing_ok=True)
        self._ahead = {}
        if self._reserved is not None:
            for tmp in self._reserved.stop():
                Path(tmp).unlink(missing_ok=True)
            self._reserved = None

    def stage_folder(self, folder: Path) -> str | None:
        """A new, empty folder that the commit renames to `folder` whole, for files other
        processes write into it (adopt() each); None when `folder` exists. One rename instead
        of one per file, and no temporary name to make for each: a cold build's 10 000
        transcripts are written by the processes that render them."""
        if os.path.lexists(folder):
            return None
        if folder.parent not in self._folders:
            self._make_folder(folder.parent)
        tmp = f"{folder.parent}/.{folder.name}.{self._token}{TEMP_SUFFIX}"
        os.mkdir(tmp)
        self._staged_folders[tmp] = (folder, [])
        return tmp

    def adopt(self, staged_folder: str, name: str, stamp: FileStamp | None = None) -> None:
        """Count a file written into a staged folder as staged: the commit publishes it.
        `stamp`: its size and mtime as written, for staged() (else it stats the file)."""
        self._staged_folders[staged_folder][1].append(name)
        if stamp is not None:
            self._stamps[f"{staged_folder}/{name}"] = stamp

    def open(self, path: Path, aside: bool = False) -> StagedFile:
        """A temporary file for path, to be written piece by piece and handed to finish(): a
        60 MB feed never has to be in memory whole. `aside`: its bytes are written by a thread
        of its own (one for every such file of this staging)."""
        fd, tmp = self._made_or_create(path)
        self._pending.append((tmp, path))  # until finish(): abort() removes it whatever happens
        if not aside:
            return StagedFile(os.fdopen(fd, "wb", buffering=1 << 20), tmp, path)
        if self._writer is None:
            self._writer = _Writer()
        handle = _WrittenAside(fd, self._writer)
        self._aside.append(handle)
        return StagedFile(handle, tmp, path)

    def finish(self, staged: StagedFile) -> bool:
        """Stage a written file; returns False (and drops it) when the target already holds
        exactly those bytes."""
        staged.handle.close()
        same = staged.path.parent not in self._new_folders and _same_file(staged.tmp, staged.path)
        if same:
            self._pending.remove((staged.tmp, staged.path))
            Path(staged.tmp).unlink(missing_ok=True)
            self.unchanged += 1
            return False
        self._sync_soon(staged.tmp)
        return True

    def _sync_soon(self, tmp: str) -> None:
        """Have a finished file written to disk while the build goes on: a rebuild's feeds are
        190 MB at 10 000 episodes, and waiting for all of them at the commit took a third of its
        time."""
        if len(self._pending) <= FSYNC_AT_MOST:
            self._syncs[tmp] = _Fsync(tmp)

    def sync_soon(self, ahead: Iterable[Path] = ()) -> None:
        """Start writing everything staged so far to disk, on a thread, while the build goes on
        (once): a cold build's 12 000 transcripts, flushed while its feeds are made, are not
        waited for at the commit.

        The temporary files of `ahead`, the files still to be staged, are made first, with
        their folders, for open() and add() to write into. While the sync writes a folder out,
        a name looked up or created in it waits for that write, queued behind the data: one
        such lookup held a cold build up for 0.09 to 0.65 s."""
        if self._early_sync is not None:
            return
        for path in ahead:
            if path not in self._ahead:
                fd, self._ahead[path] = self._create(path)
                os.close(fd)
        self._early_sync = threading.Thread(target=os.sync, name="castpub-sync", daemon=True)
        self._early_sync.start()

    def _make_folder(self, folder: Path) -> None:
        try:
            os.mkdir(folder)
            self._new_folders.add(folder)
        except FileNotFoundError:
            missing = []
            for ancestor in (folder, *folder.parents):
                if ancestor.exists():
                    break
                missing.append(ancestor)
            folder.mkdir(parents=True)
            self._new_folders.update(missing)
        except FileExistsError:
            if not folder.is_dir():
                raise
        self._folders.add(folder)

    def _create(self, path: Path) -> tuple[int, str]:
        """A new temporary file beside path (its folder made if need be), open for writing,
        with the mode the published file will have."""
        folder = path.parent
        if folder not in self._folders:
            self._make_folder(folder)
        while True:
            self._count += 1
            tmp = f"{folder}/.{path.name}.{self._token}{self._count}{TEMP_SUFFIX}"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # left by another run that drew the same token
            try:
                os.fchmod(fd, 0o644)
            except OSError:
                os.close(fd)
                Path(tmp).unlink(missing_ok=True)
                raise
            return fd, tmp

    def commit(self) -> list[Path]:
        """Make the staged bytes durable, then rename every file into place."""
        self._release()
        self._stop_writer()
        adopted = sum(len(names) for _, names in self._staged_folders.values())
        if not self._pending and not adopted:
            self._remove_staged_folders()
            return []
        # The data is on disk before any rename makes it visible. For many files one sync costs
        # far less than an fsync per file; for a few (a rebuild's feeds), an fsync each does not
        # also flush whatever else is waiting to be written (the caches of the last build).
        if len(self._pending) + adopted > FSYNC_AT_MOST:
            if self._early_sync is not None:
                self._early_sync.join()
            self._wait_for_syncs()
            os.sync()
        else:
            for tmp, _ in self._pending:
                started = self._syncs.pop(tmp, None)
                if started is None:
                    _fsync_file(tmp)
                else:
                    started.wait()
        done = []
        for tmp, path in self._pending:
            os.replace(tmp, path)
            done.append(path)
        folders = {os.path.dirname(tmp) for tmp, _ in self._pending}
        self._pending = []
        for tmp_folder, (target, names) in self._staged_folders.items():
            if not names:  # a folder with nothing in it is not published
                shutil.rmtree(tmp_folder, ignore_errors=True)
                continue
            self._place_folder(tmp_folder, target, names)
            done.extend(target / name for name in names)
            folders.add(str(target.parent))
        self._staged_folders = {}
        for folder in folders:
            _fsync_dir(folder)
        return done

    def _place_folder(self, tmp_folder: str, folder: Path, names: list[str]) -> None:
        """Rename a staged folder into place; file by file when `folder` has come to exist
        since it was staged (then files not adopted stay behind, and are deleted)."""
        try:
            os.rename(tmp_folder, folder)
            return
        except OSError:
            if not folder.is_dir():
                raise
        for name in names:
            os.replace(f"{tmp_folder}/{name}", folder / name)
        shutil.rmtree(tmp_folder, ignore_errors=True)

    def _remove_staged_folders(self) -> None:
        for tmp_folder in self._staged_folders:
            shutil.rmtree(tmp_folder, ignore_errors=True)
        self._staged_folders = {}

    def staged(self, under: Path) -> dict[str, FileStamp]:
        """(size, mtime_ns) of each file the commit will put in place, as it will have them
        there (a rename keeps both), by its path relative to `under`: as strings, which is
        what the records keep (12 000 Paths made and turned back into strings cost 0.06 s)."""
        prefix = f"{under}/"
        found = {}
        for tmp, path in self._pending:
            info = os.stat(tmp)
            found[str(path).removeprefix(prefix)] = (info.st_size, info.st_mtime_ns)
        for tmp_folder, (folder, names) in self._staged_folders.items():
            relative = str(folder).removeprefix(prefix)
            for name in names:
                tmp = f"{tmp_folder}/{name}"
                stamp = self._stamps.get(tmp)
                if stamp is None:
                    info = os.stat(tmp)
                    stamp = (info.st_size, info.st_mtime_ns)
                found[f"{relative}/{name}"] = stamp
        return found

    def _stop_writer(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None

    def abort(self) -> None:
        self._release()
        for handle in self._aside:
            with suppress(OSError):
                handle.close()
        self._aside = []
        self._stop_writer()
        for started in self._syncs.values():
            started.join()  # its file is deleted next
        self._syncs = {}
        for tmp, _ in self._pending:
            Path(tmp).unlink(missing_ok=True)
        self._pending = []
        self._remove_staged_folders()
        # Folders this staging made and nothing was put in: a failed build leaves no trace.
        for folder in sorted(self._new_folders, key=lambda p: len(p.parts), reverse=True):
            with suppress(OSError):
                os.rmdir(folder)
                self._folders.discard(folder)
        self._new_folders = set()

    def _wait_for_syncs(self) -> None:
        """Wait for the syncs started early, raising the first one's error."""
        syncs, self._syncs = self._syncs, {}
        for started in syncs.values():
            started.wait()


class _Reservations(threading.Thread):
    """Temporary files made ahead of Staging.add, one per path, in order."""

    def __init__(self, paths: list[Path], token: str) -> None:
        super().__init__(name="castpub-reserve", daemon=True)
        self.paths = paths
        self.token = token
        self.wanted = set(paths)
        self.made: dict[Path, str] = {}
        self.done = False
        self.stopping = False
        self.ready = threading.Condition()
        self.start()

    def run(self) -> None:
        try:
            for n, path in enumerate(self.paths):
                if self.stopping:
                    break
                tmp = f"{path.parent}/.{path.name}.{self.token}r{n}{TEMP_SUFFIX}"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    os.fchmod(fd, 0o644)
                finally:
                    os.close(fd)
                with self.ready:
                    self.made[path] = tmp
                    self.ready.notify()
        except OSError:
            pass  # add() makes the rest itself, and reports what fails then
        finally:
            with self.ready:
                self.done = True
                self.ready.notify()

    def take(self, path: Path) -> str | None:
        """The temporary file made for path (waiting for it), or None when none will be."""
        if path not in self.wanted:
            return None
        self.wanted.discard(path)  # a second add() of the path makes its own
        with self.ready:
            while path not in self.made and not self.done:
                self.ready.wait()
            return self.made.pop(path, None)

    def stop(self) -> list[str]:
        """Stop, and return the files made that no one took."""
        self.stopping = True
        self.join()
        return list(self.made.values())


class _Fsync(threading.Thread):
    """An fsync of one file on a thread of its own; wait() raises its error, if any."""

    def __init__(self, path: str) -> None:
        super().__init__(name="castpub-fsync", daemon=True)
        self.path = path
        self.error: OSError | None = None
        self.start()

    def run(self) -> None:
        try:
            _fsync_file(self.path)
        except OSError as error:
            self.error = error

    def wait(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error


class ByteSink(Protocol):
    """Where a staged file's bytes go: what feed writing needs of a binary file."""

    def write(self, data: bytes | bytearray | memoryview, /) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class _Writer(threading.Thread):
    """Writes the chunks of staged files handed to it, in order, on a thread of its own: the
    build makes the next items meanwhile. Copying 190 MB of feeds into the page cache took a
    sixth of a cold build's time after rendering, all of it in the build's own thread.

    A chunk is the list of the (immutable) pieces written, sent to the file with writev:
    copying each item into a buffer first cost the build 5-8 us an item, most of it waiting
    for this thread to let go of the buffers, 0.1-0.2 s of a cold build."""

    CHUNK = 4 << 20
    # Chunks on their way before the build waits for one to be written: the writes come in
    # bursts (a playlist's items copied from the main feed) and the page cache takes them
    # slowly at times. With two, a cold build waited 0.16-0.21 s for this thread; with eight,
    # 0.02 s (32 MB more held, once rendering is over: the peak is unchanged).
    IN_FLIGHT = 8

    def __init__(self) -> None:
        super().__init__(name="castpub-writer", daemon=True)
        self.chunks: queue.Queue[tuple[int, list[bytes]] | None] = queue.Queue(self.IN_FLIGHT)
        self.error: OSError | None = None
        self.start()

    def run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            fd, parts = chunk
            try:
                if self.error is None:
                    writev_all(fd, parts)
            except OSError as error:
                self.error = error
            finally:
                self.chunks.task_done()
        self.chunks.task_done()

    def put(self, fd: int, parts: list[bytes]) -> None:
        """Hand over a chunk; waits while IN_FLIGHT are on their way."""
        self.check()
        self.chunks.put((fd, parts))

    def wait(self) -> None:
        """Until every chunk handed over is written; raises the first write's error."""
        self.chunks.join()
        self.check()

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self.chunks.put(None)
        self.join()


class _WrittenAside:
    """A staged file whose bytes a _Writer writes, a chunk at a time. flush() returns once they
    are all in the file."""

    def __init__(self, fd: int, writer: _Writer) -> None:
        self.fd = fd
        self.writer = writer
        self.parts: list[bytes] = []
        self.size = 0
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        # Held until written: a bytearray or a view may change meanwhile, bytes cannot.
        part = data if type(data) is bytes else bytes(data)
        self.parts.append(part)
        self.size += len(part)
        if self.size >= self.writer.CHUNK:
            self._hand_over()
        return len(part)

    def _hand_over(self) -> None:
        self.writer.put(self.fd, self.parts)
        self.parts = []
        self.size = 0

    def flush(self) -> None:
        if self.parts:
            self._hand_over()
        self.writer.wait()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.flush()
            finally:
                os.close(self.fd)


def iov_max() -> int:
    """How many pieces one writev takes: the system's IOV_MAX (1024 on Linux), at least
    POSIX's minimum, 16, where the system does not say."""
    try:
        return max(16, os.sysconf("SC_IOV_MAX"))
    except (AttributeError, ValueError, OSError):  # no sysconf, or no such name here
        return 16


WRITEV_PIECES = iov_max()


def writev_all(fd: int, parts: list[bytes]) -> None:
    """Every byte of parts, in order, with as few writev calls as the system allows."""
    if not hasattr(os, "writev"):  # not POSIX
        for part in parts:
            write_all(fd, part)
        return
    for at in range(0, len(parts), WRITEV_PIECES):
        group = parts[at : at + WRITEV_PIECES]
        written = os.writev(fd, group)
        if written == sum(map(len, group)):
            continue
        for part in group:  # a short write: the rest, piece by piece
            if written >= len(part):
                written -= len(part)
                continue
            write_all(fd, memoryview(part)[written:])
            written = 0


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """os.write until every byte is written (a write may take fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class StagedFile:
    """A file being written under its temporary name (Staging.open); `handle` takes the bytes."""

    def __init__(self, handle: ByteSink, tmp: str, path: Path) -> None:
        self.handle = handle
        self.tmp = tmp
        self.path = path


def _same_file(new: str, old: Path, chunk: int = 1 << 20) -> bool:
    """Whether old (a regular file) holds the same bytes as new, compared a chunk at a time."""
    try:
        with open(new, "rb") as a, open(old, "rb", opener=_nonblocking) as b:
            info = os.fstat(b.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size != os.fstat(a.fileno()).st_size:
                return False
            while True:
                left, right = a.read(chunk), b.read(chunk)
                if left != right:
                    return False
                if not left:
                    return True
    except OSError:
        return False


def _nonblocking(path: str, flags: int) -> int:
    # A FIFO put where a feed was must not hang the build (as same_bytes).
    return os.open(path, flags | os.O_NONBLOCK)


def write_atomic(path: Path, data: bytes) -> bool:
    """Write one file atomically; returns True when it was (re)written."""
    with Staging() as staging:
        staging.add(path, data)
        return bool(staging.commit())


def write_cache_file(path: Path, data: bytes) -> bool:
    """Best-effort atomic write for castpub's own cache: a temporary file renamed into place, no
    fsync (losing an entry costs a re-render, never a wrong result) and no error if it fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # Not renamed over the old file: ext4 then allocates the new one's blocks there and then
        # (auto_da_alloc, for files replaced without an fsync), 5-20 ms a record. A crash in
        # between leaves no record, which costs the next build its shortcuts, never a wrong result.
        with suppress(FileNotFoundError):
            os.unlink(path)
        os.replace(tmp, path)
    except OSError:
        return False
    return True


# A record starts with what wrote it: marshal's format may change between Python versions.
RECORD_HEADER = (
    f"castpub record {marshal.version} {sys.version_info[0]}.{sys.version_info[1]}\n".encode()
)
# marshal's format 2 shares no objects: format 4 looks up every object held more than once (all
# of a build's, which the records share with the feeds) in a table, and wrote a one-episode
# rebuild's records in twice the time (0.15 s against 0.08 s at 10 000 episodes). A record
# written once and read often (the store's, the parse cache) is written sharing them: repeated
# strings written once read twice as fast.
UNSHARED, SHARED = 2, 4


def write_record(path: Path, value: Any, shared: bool = False) -> bool:
    """Save one of castpub's records of a build (plain lists, dicts, strings and numbers) as
    write_cache_file does. In marshal's format: written five to eight times faster than as JSON,
    a fifth of a second of a one-episode rebuild at 10 000 episodes, and read as fast. Only
    castpub reads them, and a record that does not load is no record."""
    return write_cache_file(path, record_bytes(value, shared))


def record_bytes(value: Any, shared: bool = False) -> bytes:
    """What write_record writes for value: with `shared`, an object held in several places (a
    repeated string) is written once."""
    return RECORD_HEADER + marshal.dumps(value, SHARED if shared else UNSHARED)


class LaterRecords:
    """Records made (and serialized) while a commit's files are still on their way to disk, and
    written once it is done: making them overlaps the wait, and a record never describes a
    feeds/ that was not committed."""

    def __init__(self) -> None:
        self._records: list[tuple[Path, bytes]] = []

    def add(self, path: Path, value: Any) -> None:
        self._records.append((path, record_bytes(value)))

    def write(self) -> None:
        for path, data in self._records:
            write_cache_file(path, data)
        self._records = []


def keep_record(path: Path, value: Any, later: LaterRecords | None) -> None:
    """Write a record now, or with `later` when there is one."""
    if later is None:
        write_record(path, value)
    else:
        later.add(path, value)


def read_record(path: Path) -> Any:
    """A record write_record saved; OSError when there is none, ValueError when it is damaged or
    was written by another Python."""
    data = path.read_bytes()
    if not data.startswith(RECORD_HEADER):
        raise ValueError(f"{path} is not a record of this castpub")
    try:
        return marshal.loads(memoryview(data)[len(RECORD_HEADER) :])
    except (EOFError, TypeError) as error:
        raise ValueError(f"{path} is damaged: {error}") from error


def remove_leftovers(directory: Path) -> None:
    """Delete temporary files and staged folders a killed run left behind."""
    if directory.is_dir():
        for tmp in list(directory.rglob(f"*{TEMP_SUFFIX}")):
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


def _fsync_file(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: str | Path) -> None:
    # Not every file system can fsync a folder; the renames are done either way.
    with suppress(OSError):
        _fsync_file(directory)
