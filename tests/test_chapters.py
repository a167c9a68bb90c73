"""Chapters from the store: feeds/chapters/<episode id>.json, <podcast:chapters> and the notes list."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from castpub.store import Chapter, Store, save_store
from castpub.transcripts import chapters_json
from conftest import run_castpub
from youtube_fakes import recorded

SCHEMA = json.loads(
    (Path(__file__).parent / "fixtures" / "json-chapters.schema.json").read_text(encoding="utf-8")
)
PODCAST = "https://podcastindex.org/namespace/1.0"
CONTENT = "http://purl.org/rss/1.0/modules/content/"


@pytest.fixture
def built(make_project: Callable[..., Path]) -> Path:
    root = make_project("youtube")
    store = Store()
    for vid in ("YE7VzlLtp-4", "M4gD1WSo5mA", "qVv6vCqciTM", "aqz-KE-bpKQ"):
        store.merge_video(recorded(vid), "2026-11-26T12:00:00+00:00")
    save_store(root / "data" / "youtube.json", store)
    result = run_castpub(root, "build")
    assert result.exit_code == 0, result.output
    return root


def item(root: Path, title: str) -> etree._Element:
    tree = etree.parse(str(root / "feeds" / "podcast.xml"))
    (found,) = [i for i in tree.iter("item") if i.findtext("title") == title]
    return found


def test_chapters_json_follows_the_podcasting_20_format(built: Path) -> None:
    data = json.loads((built / "feeds" / "chapters" / "2024-01-02-copyright.json").read_bytes())
    jsonschema.validate(data, SCHEMA)
    assert data == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Introduction"},
            {"startTime": 44, "title": "Dramatic works"},
            {"startTime": 281, "title": "Choreography"},
            {"startTime": 533, "title": "Pantomimes & <stage> directions"},
        ],
    }
    stream = json.loads((built / "feeds" / "chapters" / "2024-01-03-stream.json").read_bytes())
    jsonschema.validate(stream, SCHEMA)
    assert len(stream["chapters"]) == 13
    assert sorted(p.name for p in (built / "feeds" / "chapters").iterdir()) == [
        "2024-01-02-copyright.json",
        "2024-01-03-stream.json",
    ]


def test_items_link_their_chapters_and_only_those_with_chapters(built: Path) -> None:
    (link,) = item(built, "Copyright and choreography").iter(f"{{{PODCAST}}}chapters")
    assert dict(link.attrib) == {
        "url": "https://example.org/feeds/chapters/2024-01-02-copyright.json",
        "type": "application/json+chapters",
    }
    assert list(item(built, "Big Buck Bunny").iter(f"{{{PODCAST}}}chapters")) == []


def test_show_notes_list_the_chapters_as_timestamps(built: Path) -> None:
    notes = item(built, "Copyright and choreography").findtext(f"{{{CONTENT}}}encoded")
    assert notes is not None
    assert notes.endswith(
        "<h3>Chapters</h3><ul>"
        '<li><a href="https://www.youtube.com/watch?v=M4gD1WSo5mA&amp;t=0s">0:00</a> '
        "Introduction</li>"
        '<li><a href="https://www.youtube.com/watch?v=M4gD1WSo5mA&amp;t=44s">0:44</a> '
        "Dramatic works</li>"
        '<li><a href="https://www.youtube.com/watch?v=M4gD1WSo5mA&amp;t=281s">4:41</a> '
        "Choreography</li>"
        '<li><a href="https://www.youtube.com/watch?v=M4gD1WSo5mA&amp;t=533s">8:53</a> '
        "Pantomimes &amp; &lt;stage&gt; directions</li></ul>"
    )
    stream = item(built, "The stream").findtext(f"{{{CONTENT}}}encoded") or ""
    assert '&amp;t=3690s">1:01:30</a> Part 12</li>' in stream


def _as_json_dumps_writes(chapters: tuple[Chapter, ...]) -> bytes:
    data = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": _seconds(c.start), "title": c.title or f"Chapter {n}"}
            for n, c in enumerate(chapters, 1)
        ],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


@given(
    st.lists(
        st.builds(
            Chapter,
            st.floats(allow_nan=True, allow_infinity=True) | st.integers(0, 10**6).map(float),
            st.text(st.characters(exclude_categories=["Cs"])),
            st.none() | st.floats(min_value=0, max_value=1e6),
        ),
        max_size=4,
    ).map(tuple)
)
def test_chapters_json_is_what_json_dumps_writes(chapters: tuple[Chapter, ...]) -> None:
    assert chapters_json(chapters) == _as_json_dumps_writes(chapters)
