"""The store: yt-dlp info imported, versioned sorted JSON, merged never truncated."""

import json
from pathlib import Path

import jsonschema

from castpub.store import Store, load_store, save_store
from conftest import run_castpub

INFO = Path(__file__).parent / "fixtures" / "info"
SCHEMA = Path(__file__).parents[1] / "src" / "castpub" / "schemas" / "store.schema.json"


def import_all(root: Path) -> None:
    result = run_castpub(root, "import-info", *sorted(str(p) for p in INFO.glob("*.info.json")))
    assert result.exit_code == 0, result.output
    assert "imported 3 record(s) into" in result.stdout


def test_import_info_writes_schema_valid_sorted_store(make_project) -> None:
    root = make_project("varied")
    import_all(root)
    raw = (root / "data" / "youtube.json").read_text()
    data = json.loads(raw)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert raw == json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    video = data["videos"]["YE7VzlLtp-4"]
    assert (video["title"], video["duration"], video["upload_date"]) == (
        "Big Buck Bunny",
        597,
        "20080529",
    )
    assert "formats" not in video and "_version" not in video
    playlist = data["playlists"]["PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    assert [e["id"] for e in playlist["entries"]] == ["aqz-KE-bpKQ", "YE7VzlLtp-4"]


def test_import_again_changes_only_fetch_time(make_project) -> None:
    root = make_project("varied")
    import_all(root)
    first = json.loads((root / "data" / "youtube.json").read_text())
    import_all(root)
    second = json.loads((root / "data" / "youtube.json").read_text())
    for record in [*first["videos"].values(), *second["videos"].values()]:
        record.pop("fetched_at")
    assert first["videos"] == second["videos"]


def test_merge_keeps_fields_a_later_fetch_lacks() -> None:
    store = Store()
    store.merge_video(
        {"id": "YE7VzlLtp-4", "title": "Big Buck Bunny", "duration": 597},
        "2026-01-01T00:00:00+00:00",
    )
    store.merge_video(
        {"id": "YE7VzlLtp-4", "availability": "private", "duration": None},
        "2026-02-01T00:00:00+00:00",
    )
    record = store.videos["YE7VzlLtp-4"]
    assert record["duration"] == 597
    assert record["title"] == "Big Buck Bunny"
    assert record["availability"] == "private"


def test_not_an_info_file_is_a_clear_error(make_project, tmp_path: Path) -> None:
    root = make_project("varied")
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"title": "no id"}')
    result = run_castpub(root, "import-info", str(bogus))
    assert result.exit_code == 1
    assert (
        f"error: {bogus}: this is not a yt-dlp info file (no 'id'); pass files written by yt-dlp --write-info-json"
        in result.stderr
    )
    assert not (root / "data" / "youtube.json").exists()


def test_broken_store_is_refused_not_overwritten(make_project) -> None:
    root = make_project("varied")
    store = root / "data" / "youtube.json"
    store.parent.mkdir()
    store.write_text('{"version": 1, "videos": {')
    result = run_castpub(root, "build")
    assert result.exit_code == 1
    assert "the store is not valid JSON" in result.stderr
    assert "restore it from git" in result.stderr
    assert store.read_text() == '{"version": 1, "videos": {'


def test_save_is_skipped_when_nothing_changed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "youtube.json"
    store = Store()
    store.merge_video({"id": "YE7VzlLtp-4", "title": "T"}, "2026-01-01T00:00:00+00:00")
    assert save_store(path, store) is True
    assert save_store(path, load_store(path)) is False


def test_saving_removes_temporary_files_of_a_killed_run(tmp_path: Path) -> None:
    path = tmp_path / "data" / "youtube.json"
    path.parent.mkdir()
    leftover = path.parent / ".youtube.json.abc123.castpub-tmp"
    leftover.write_text('{"version": 1, "vid')
    store = Store()
    store.merge_video({"id": "YE7VzlLtp-4", "title": "T"}, "2026-01-01T00:00:00+00:00")
    save_store(path, store)
    assert sorted(p.name for p in path.parent.iterdir()) == ["youtube.json"]
