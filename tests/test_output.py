"""The atomic writer: staged files appear only at commit, whole, readable by everyone; unchanged
files are not touched; nothing is left behind when staging fails or is abandoned."""

from __future__ import annotations

import os
import resource
import signal
import stat
from pathlib import Path

import pytest

from castpub.output import (
    FSYNC_AT_MOST,
    TEMP_SUFFIX,
    WRITEV_PIECES,
    Staging,
    iov_max,
    remove_leftovers,
    same_bytes,
    writev_all,
)


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob(f"*{TEMP_SUFFIX}")]


def test_files_appear_at_commit_whole_and_world_readable(tmp_path: Path) -> None:
    old_umask = os.umask(0o077)
    try:
        with Staging() as staging:
            assert staging.add(tmp_path / "a.xml", b"A")
            assert staging.add(tmp_path / "new" / "deep" / "b.html", b"B")
            assert not (tmp_path / "a.xml").exists()
            assert len(temporaries(tmp_path)) == 2
            done = staging.commit()
    finally:
        os.umask(old_umask)
    assert sorted(done) == sorted([tmp_path / "a.xml", tmp_path / "new" / "deep" / "b.html"])
    assert (tmp_path / "new" / "deep" / "b.html").read_bytes() == b"B"
    assert stat.S_IMODE((tmp_path / "a.xml").stat().st_mode) == 0o644
    assert temporaries(tmp_path) == []


def test_unchanged_file_is_not_touched(tmp_path: Path) -> None:
    target = tmp_path / "same.xml"
    target.write_bytes(b"same")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    with Staging() as staging:
        assert not staging.add(target, b"same")
        assert staging.add(tmp_path / "other.xml", b"new")
        staging.commit()
        assert staging.unchanged == 1
    assert target.stat().st_mtime_ns == 1_000_000_000


def test_abandoned_or_failed_staging_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "kept.xml").write_bytes(b"old")
    with Staging() as staging:
        staging.add(tmp_path / "kept.xml", b"new")
        with pytest.raises(TypeError):
            staging.add(tmp_path / "bad.xml", "not bytes")  # type: ignore[arg-type]
    assert temporaries(tmp_path) == []
    assert (tmp_path / "kept.xml").read_bytes() == b"old"
    assert not (tmp_path / "bad.xml").exists()


def test_a_sync_started_early_still_commits_all_or_nothing(tmp_path: Path) -> None:
    many = FSYNC_AT_MOST + 10  # past the count where the commit syncs everything at once
    with Staging() as staging:
        for n in range(many):
            staging.add(tmp_path / "t" / f"{n}.html", b"%d" % n)
        staging.sync_soon()
        staging.sync_soon()  # once is all it does
        feed = staging.open(tmp_path / "feed.xml")
        feed.handle.write(b"<rss/>")
        staging.finish(feed)
        assert not (tmp_path / "feed.xml").exists()
        assert len(staging.commit()) == many + 1
    assert [(tmp_path / "t" / f"{n}.html").read_bytes() for n in (0, many - 1)] == [
        b"0",
        b"%d" % (many - 1),
    ]
    assert (tmp_path / "feed.xml").read_bytes() == b"<rss/>"
    assert temporaries(tmp_path) == []
    with Staging() as staging:
        staging.add(tmp_path / "t" / "0.html", b"changed")
        staging.sync_soon()
    assert (tmp_path / "t" / "0.html").read_bytes() == b"0"  # not committed: nothing changed
    assert temporaries(tmp_path) == []


def test_files_made_ahead_of_the_sync_are_written_into_or_removed(tmp_path: Path) -> None:
    """sync_soon(ahead) makes the temporary files of the files still to come before the sync
    starts; open() and add() write into them, and those nothing was written into are gone at
    the commit, as everything is when the staging is abandoned."""
    (tmp_path / "same.xml").write_bytes(b"same")
    ahead = [tmp_path / "feed.xml", tmp_path / "p" / "feed.xml", tmp_path / "same.xml"]
    ahead.append(tmp_path / "never.xml")
    with Staging() as staging:
        staging.add(tmp_path / "t" / "0.html", b"0")
        staging.sync_soon(ahead)
        assert (tmp_path / "p").is_dir()  # made before the sync, with its file
        made = set(temporaries(tmp_path))
        assert len(made) == 5
        feed = staging.open(tmp_path / "p" / "feed.xml")
        feed.handle.write(b"<rss/>")
        staging.finish(feed)
        assert staging.add(tmp_path / "feed.xml", b"<feed/>")
        assert not staging.add(tmp_path / "same.xml", b"same")
        assert set(temporaries(tmp_path)) == made  # nothing made anew
        done = staging.commit()
    assert sorted(done) == sorted([tmp_path / "t" / "0.html", *ahead[:2]])
    assert (tmp_path / "p" / "feed.xml").read_bytes() == b"<rss/>"
    assert (tmp_path / "feed.xml").read_bytes() == b"<feed/>"
    assert not (tmp_path / "never.xml").exists()
    assert temporaries(tmp_path) == []
    with Staging() as staging:
        staging.sync_soon([tmp_path / "q" / "feed.xml"])
        assert len(temporaries(tmp_path)) == 1
    assert temporaries(tmp_path) == []
    assert not (tmp_path / "q").exists()  # a folder made for nothing is removed too


def test_same_bytes_only_for_a_regular_file_with_exactly_those_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f"
    assert not same_bytes(path, b"")
    path.write_bytes(b"abc")
    assert same_bytes(path, b"abc")
    assert not same_bytes(path, b"abd")
    assert not same_bytes(path, b"ab")
    assert not same_bytes(path, b"abcd")
    assert not same_bytes(tmp_path, b"")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert not same_bytes(fifo, b"")  # and does not wait for a writer
    with Staging() as staging:
        assert staging.add(fifo, b"")
        staging.commit()
    assert fifo.is_file()


def test_an_existing_folder_is_compared_and_a_file_in_it_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "x.html").write_bytes(b"old")
    (folder / "y.html").write_bytes(b"same")
    with Staging() as staging:
        assert staging.add(folder / "x.html", b"new")
        assert not staging.add(folder / "y.html", b"same")
        staging.commit()
    assert (folder / "x.html").read_bytes() == b"new"


def written_elsewhere(folder: str, name: str, data: bytes) -> None:
    """A file written into a staged folder by another process (a renderer)."""
    Path(folder, name).write_bytes(data)


def test_a_staged_folder_appears_whole_at_commit(tmp_path: Path) -> None:
    target = tmp_path / "feeds" / "transcripts"
    with Staging() as staging:
        folder = staging.stage_folder(target)
        assert folder is not None and Path(folder).is_dir()
        for name in ("a.html", "b.html"):
            written_elsewhere(folder, name, name.encode())
        staging.adopt(folder, "a.html")
        # As the process that wrote it saw it: taken as it is, not looked up again.
        staging.adopt(folder, "b.html", (6, 1234))
        staging.add(tmp_path / "feeds" / "podcast.xml", b"<rss/>")
        assert not target.exists()
        staged = staging.staged(tmp_path / "feeds")
        a = (Path(folder) / "a.html").stat()
        assert staged["transcripts/a.html"] == (a.st_size, a.st_mtime_ns)
        assert staged["transcripts/b.html"] == (6, 1234)
        assert staged["podcast.xml"][0] == len(b"<rss/>")
        assert len(staged) == 3
        done = staging.commit()
    assert sorted(done) == [
        tmp_path / "feeds" / "podcast.xml",
        target / "a.html",
        target / "b.html",
    ]
    assert sorted(p.name for p in target.iterdir()) == ["a.html", "b.html"]
    assert (target / "b.html").read_bytes() == b"b.html"
    assert temporaries(tmp_path) == []


def test_an_existing_folder_is_not_staged_whole(tmp_path: Path) -> None:
    (tmp_path / "transcripts").mkdir()
    with Staging() as staging:
        assert staging.stage_folder(tmp_path / "transcripts") is None


def test_an_abandoned_staged_folder_leaves_nothing(tmp_path: Path) -> None:
    with Staging() as staging:
        folder = staging.stage_folder(tmp_path / "feeds" / "transcripts")
        assert folder is not None
        written_elsewhere(folder, "a.html", b"A")
        staging.adopt(folder, "a.html")
    assert list(tmp_path.iterdir()) == []  # not even feeds/, which it made


def test_a_staged_folder_made_meanwhile_is_filled_file_by_file(tmp_path: Path) -> None:
    target = tmp_path / "transcripts"
    with Staging() as staging:
        folder = staging.stage_folder(target)
        assert folder is not None
        written_elsewhere(folder, "a.html", b"A")
        staging.adopt(folder, "a.html")
        written_elsewhere(folder, "stray.html", b"never adopted")
        target.mkdir()
        (target / "other.html").write_bytes(b"someone else's")
        assert staging.commit() == [target / "a.html"]
    assert sorted(p.name for p in target.iterdir()) == ["a.html", "other.html"]
    assert temporaries(tmp_path) == []


def test_leftovers_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    staged = tmp_path / "transcripts" / f"x.html.0123abcd1{TEMP_SUFFIX}"
    folder = tmp_path / f".chapters.0123abcd{TEMP_SUFFIX}"
    staged.parent.mkdir()
    staged.write_bytes(b"half")
    folder.mkdir()
    (folder / "a.json").write_bytes(b"{}")
    (tmp_path / "kept.xml").write_bytes(b"<rss/>")
    remove_leftovers(tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept.xml", "transcripts"]


def test_a_file_written_aside_holds_every_byte_in_order(tmp_path: Path) -> None:
    pieces = [bytes([n % 251]) * (7000 + n % 13) for n in range(1500)]  # past two chunks
    with Staging() as staging:
        staged = staging.open(tmp_path / "feed.xml", aside=True)
        for piece in pieces[:700]:
            staged.handle.write(piece)
        staged.handle.flush()  # everything so far is in the file, for a reader to copy
        assert Path(staged.tmp).read_bytes() == b"".join(pieces[:700])
        for piece in pieces[700:]:
            staged.handle.write(piece)
        staging.finish(staged)
        staging.commit()
    assert (tmp_path / "feed.xml").read_bytes() == b"".join(pieces)
    assert temporaries(tmp_path) == []


def test_a_buffer_written_aside_is_written_as_it_was(tmp_path: Path) -> None:
    """The pieces are written later, by another thread: a bytearray or a view that changes
    after write() returns must not change what the file holds."""
    buffer = bytearray(b"first")
    with Staging() as staging:
        staged = staging.open(tmp_path / "feed.xml", aside=True)
        staged.handle.write(buffer)
        staged.handle.write(memoryview(buffer)[:2])
        buffer[:] = b"XXXXX"
        staging.finish(staged)
        staging.commit()
    assert (tmp_path / "feed.xml").read_bytes() == b"firstfi"


def test_writev_all_writes_every_piece_in_order_past_short_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More pieces than one writev takes, and writes the kernel cuts short (a signal, a full
    pipe): every byte once, in order."""
    pieces = [bytes([65 + n % 26]) * (1 + n % 7) for n in range(WRITEV_PIECES * 2 + 5)]
    real = os.writev

    def short(fd: int, buffers: list[bytes]) -> int:
        return os.write(fd, b"".join(buffers)[:10])  # at most 10 bytes a call

    path = tmp_path / "out"
    for writev in (real, short):
        monkeypatch.setattr(os, "writev", writev)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            writev_all(fd, pieces)
        finally:
            os.close(fd)
        assert path.read_bytes() == b"".join(pieces)


def test_writev_takes_posix_minimum_where_the_system_does_not_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unknown(name: str) -> int:
        raise ValueError(f"unrecognized configuration name {name!r}")

    monkeypatch.setattr(os, "sysconf", unknown)
    assert iov_max() == 16
    monkeypatch.setattr(os, "sysconf", lambda name: -1)  # indeterminate
    assert iov_max() == 16


def test_a_write_that_fails_aside_fails_the_staging(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"published")
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails, EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, limit[1]))
    try:
        with Staging() as staging:
            staged = staging.open(tmp_path / "feed.xml", aside=True)
            with pytest.raises(OSError):
                for _ in range(10):
                    staged.handle.write(b"x" * (1 << 20))
                staging.finish(staged)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)
    assert (tmp_path / "feed.xml").read_bytes() == b"published"
    assert temporaries(tmp_path) == []
