"""The parse cache: an episode taken from .castpub-cache/episodes.marshal is the episode a fresh
parse gives, field for field, and anything that could make it differ is a miss."""

from __future__ import annotations

import json
import marshal
from dataclasses import replace
from pathlib import Path

import pytest

from castpub.build import Project, load_project
from castpub.episodes import Episode
from castpub.output import RECORD_HEADER, read_record, write_record
from castpub.parsecache import ParseCache, load_store_cached
from castpub.store import load_store
from castpub.unchanged import content_hash, read_inputs
from conftest import write_episode

# Front matter of the kinds the real blogs use, each stored and read back.
TRICKY = {
    "2021-03-28-dst-gap.md": "title: Gap\ndate: 2021-03-28 02:30:00",  # not a Paris wall time
    "2021-10-31-dst-fold.md": "title: Fold\ndate: 2021-10-31 02:30:00",  # twice a Paris time
    "2021-05-05-offset.md": "title: Offset\ndate: 2021-05-05 10:00:00 +05:30",
    "2021-05-06-ist.md": "title: IST\ndate: 2021-05-06 10:00 IST",  # warns: ambiguous zone
    "2021-05-07-from-name.md": "title: From name\nauthor: [rbowen, Someone Else]",
    "2021-05-08-extra.md": "title: Extra\nfoo: {a: [1, 2]}\nwhen: 2021-05-08\nseason: 2",
    "2021-05-09-media.md": "title: M\nmedia: {url: 'https://e.org/a.mp3', length: 5}",
    "2021-05-10-control.md": "title: Control\npublished: false",
}


def _project(root: Path, cache: ParseCache) -> Project:
    return load_project(root, read_inputs(root), cache)


def _fields(episode: Episode) -> tuple[object, ...]:
    # Equal datetimes may still differ in wall time and offset, which feeds and URLs show.
    return (episode, episode.date.isoformat(), episode.date.tzinfo and episode.date.utcoffset())


def _show(make_project) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_project("varied")
    config = root / "podcast.yaml"
    lines = config.read_text().splitlines(keepends=True)
    config.write_text("".join(x for x in lines if not x.startswith("timezone:")))
    config.write_text(config.read_text() + "timezone: Europe/Paris\n")
    for name, front in TRICKY.items():
        body = "Intro.\n\nSteve: a \x07bell and <b>bold</b>.\n" if "control" in name else "Hi.\n"
        write_episode(root, name, front, body)
    return root


def test_cached_episodes_equal_parsed_ones(make_project) -> None:
    root = _show(make_project)
    config = read_inputs(root).config
    first = ParseCache.for_show(root, config)
    fresh = _project(root, first)
    assert not first.entries
    first.save()
    second = ParseCache.for_show(root, config)
    cached = _project(root, second)
    # A date among unknown keys has no exact JSON form: that one file is parsed every time.
    names = {e.path.name for e in fresh.episodes} - {"2021-05-08-extra.md"}
    assert set(second.kept) == names
    # Parsed files come without their bodies (the renderer reads them again); a hit cuts the body
    # from the bytes read, and it is the body read_episode gives.
    reference = load_project(root)
    assert all(e.body is None for e in fresh.episodes)
    assert all((e.body is not None) == (e.path.name in names) for e in cached.episodes)
    assert [_fields(e) for e in cached.episodes] == [
        _fields(r if e.body is not None else replace(r, body=None))
        for e, r in zip(cached.episodes, reference.episodes, strict=True)
    ]
    assert [_fields(e) for e in fresh.episodes] == [
        _fields(replace(r, body=None)) for r in reference.episodes
    ]
    assert [str(w) for w in cached.warnings] == [str(w) for w in fresh.warnings]
    assert any("IST" in str(w) for w in cached.warnings)


def test_changed_file_or_config_is_a_miss(make_project) -> None:
    root = _show(make_project)
    cache = ParseCache.for_show(root, read_inputs(root).config)
    _project(root, cache)
    cache.save()
    path = root / "episodes" / "2021-05-05-offset.md"
    path.write_text(path.read_text().replace("title: Offset", "title: Changed"))
    again = ParseCache.for_show(root, read_inputs(root).config)
    titles = {e.id: e.title for e in _project(root, again).episodes}
    assert titles["2021-05-05-offset"] == "Changed"
    assert "2021-05-05-offset.md" in again.kept  # parsed again and kept for the next build
    config = root / "podcast.yaml"
    config.write_text(config.read_text().replace("Europe/Paris", "America/New_York"))
    moved = ParseCache.for_show(root, read_inputs(root).config)
    assert moved.entries == {}
    dates = {e.id: e.date for e in _project(root, moved).episodes}
    assert dates["2021-05-06-ist"].utcoffset() is not None
    assert str(dates["2021-03-28-dst-gap"].tzinfo) == "America/New_York"


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b'{"salt": "x"}',
        RECORD_HEADER + b"\xfb\x00",
        RECORD_HEADER + marshal.dumps({"salt": "x", "episodes": []}),
        RECORD_HEADER + marshal.dumps([1]),
        RECORD_HEADER.replace(b"castpub record", b"castpub record 0") + b"{}",
        None,
    ],
    ids=["empty", "json", "truncated", "foreign", "wrong-shape", "other-python", "bad-entry"],
)
def test_corrupt_cache_is_only_a_miss(make_project, damage: bytes | None) -> None:
    root = _show(make_project)
    config = read_inputs(root).config
    cache = ParseCache.for_show(root, config)
    fresh = _project(root, cache)
    cache.save()
    assert cache.path is not None
    if damage is None:
        data = read_record(cache.path)
        for n, row in enumerate(data["episodes"]):
            entry = marshal.loads(row[2])
            entry["date"] = "not a date"
            # An entry that does not decode, or decodes to an episode that cannot be.
            row[2] = row[2][: len(row[2]) // 2] if n % 2 else marshal.dumps(entry)
        write_record(cache.path, data)
    else:
        cache.path.write_bytes(damage)
    again = _project(root, ParseCache.for_show(root, config))
    assert [_fields(e) for e in again.episodes] == [_fields(e) for e in fresh.episodes]


def test_files_with_problems_are_never_cached(make_project) -> None:
    root = _show(make_project)
    write_episode(root, "2021-06-01-broken.md", "title: Broken\nseason: zero")
    cache = ParseCache.for_show(root, read_inputs(root).config)
    with pytest.raises(Exception, match="season"):
        _project(root, cache)
    assert "2021-06-01-broken.md" not in cache.kept


def _write_store(path: Path, title: str) -> bytes:
    video = {"id": "T8xLm1c9rHf", "title": title, "duration": 61, "chapters": []}
    data = {"version": 1, "videos": {video["id"]: video}, "playlists": {}, "media": {}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path.read_bytes()


def test_store_record_answers_only_for_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data" / "youtube.json"
    record = tmp_path / ".castpub-cache" / "store.marshal"
    raw = _write_store(path, "First")
    first = load_store_cached(tmp_path, path, raw, content_hash(raw))
    assert first == load_store(path) and record.is_file()
    path.unlink()  # the record answers for the same hash: neither the file nor bytes needed
    assert load_store_cached(tmp_path, path, None, content_hash(raw)) == first

    raw = _write_store(path, "Second")
    second = load_store_cached(tmp_path, path, raw, content_hash(raw))
    assert second == load_store(path) != first
    assert second.video("T8xLm1c9rHf").title == "Second"  # type: ignore[union-attr]

    record.write_bytes(b"\x00garbage")  # a damaged record is only a miss, then made again
    assert load_store_cached(tmp_path, path, raw, content_hash(raw)) == second
    assert read_record(record)["hash"] == content_hash(raw)


def test_store_record_is_not_made_when_caching_is_off(tmp_path: Path) -> None:
    path = tmp_path / "data" / "youtube.json"
    raw = _write_store(path, "First")
    assert load_store_cached(tmp_path, path, raw, content_hash(raw), enabled=False) == (
        load_store(path)
    )
    assert not (tmp_path / ".castpub-cache").exists()


def test_store_record_read_lazily_gives_the_same_store(tmp_path: Path) -> None:
    path = tmp_path / "data" / "youtube.json"
    raw = _write_store(path, "First")
    made = load_store_cached(tmp_path, path, raw, content_hash(raw))
    lazy = load_store_cached(tmp_path, path, raw, content_hash(raw), lazy=True)
    eager = load_store_cached(tmp_path, path, raw, content_hash(raw))
    assert lazy == eager == made == load_store(path)
    assert lazy.video("T8xLm1c9rHf") == made.video("T8xLm1c9rHf")
    assert lazy.video("nosuchvideo") is None
    assert sorted(lazy.videos) == ["T8xLm1c9rHf"] and len(lazy.videos) == 1
    lazy.videos["other"] = {"id": "other"}  # a store read lazily takes merges as any other
    del lazy.videos["T8xLm1c9rHf"]
    assert list(lazy.videos) == ["other"] and "T8xLm1c9rHf" not in lazy.videos


def test_store_record_with_a_damaged_entry_is_only_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "data" / "youtube.json"
    record = tmp_path / ".castpub-cache" / "store.marshal"
    raw = _write_store(path, "First")
    load_store_cached(tmp_path, path, raw, content_hash(raw))
    data = read_record(record)
    parts = data["videos"][1]
    (n,) = [n for n, part in enumerate(parts) if b"First" in part]
    parts[n] = parts[n].replace(b"First", b"Fired")
    write_record(record, data)
    lazy = load_store_cached(tmp_path, path, raw, content_hash(raw), lazy=True)
    assert lazy.video("T8xLm1c9rHf").title == "First"  # type: ignore[union-attr]
    assert b"First" in read_record(record)["videos"][1][n]  # made again
