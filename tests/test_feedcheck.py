"""castpub check --feeds: PSP-1 findings on hand-made broken feeds (tests/fixtures/feeds)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from castpub.feedcheck import check_feed
from conftest import run_castpub

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def findings(name: str) -> list[tuple[int | None, str]]:
    return [(p.line, p.what) for p in check_feed(FEEDS / name)]


def test_a_complete_feed_has_no_findings() -> None:
    assert findings("complete.xml") == []


def test_channel_findings_name_their_lines() -> None:
    assert findings("broken-channel.xml") == [
        (3, "the channel has no <language> (PSP-1 requires it)"),
        (3, "the channel has no <itunes:image> (PSP-1 requires it)"),
        (4, "title is 272 characters, more than 255"),
        (6, "description is 4154 bytes, more than 4000"),
        (15, "lastBuildDate '2017-05-10T08:00:00Z' is not an RFC 2822 date"),
        (24, "itunes:explicit is 'yes', not true or false"),
        (26, "podcast:guid 'rdo-video-interviews' is not a UUIDv5"),
    ]


def test_item_findings_name_their_lines() -> None:
    guid = "https://www.rdoproject.org/blog/2017/05/emilien-macchi-puppet/"
    url = "https://media.rdoproject.org/audio/ban0Z7Cojfg.m4a"
    assert findings("broken-items.xml") == [
        (38, "enclosure length 'None' is not a number of bytes"),
        (38, "enclosure type 'm4a' is not a MIME type"),
        (44, "itunes:episode '0' is not a non-zero whole number"),
        (60, f"GUID '{guid}' is also used on line 37"),
        (61, f"enclosure URL '{url}' is also used on line 38"),
        (62, "pubDate 'Wed, 04 Apr 2017 19:26:24 +0000' is not an RFC 2822 date"),  # a Tuesday
        (65, "itunes:duration '9:56.5' is not seconds"),
    ]


def test_missing_and_unknown_length_enclosures() -> None:
    assert findings("no-enclosure.xml") == [
        (38, "enclosure length is 0: the file's size in bytes is not known"),
        (52, "the item has no <enclosure> (PSP-1 requires it)"),
    ]


def test_a_feed_that_is_not_xml_is_one_finding() -> None:
    [(line, what)] = findings("not-xml.xml")
    assert line == 71 and what.startswith("not well-formed XML")


@pytest.mark.parametrize("name", ["broken-channel.xml", "broken-items.xml"])
def test_check_feeds_prints_file_line_messages_and_exits_1(
    make_project: Callable[..., Path], name: str
) -> None:
    root = make_project("audio")
    assert run_castpub(root, "build").exit_code == 0
    shutil.copy(FEEDS / name, root / "feeds" / "podcast.xml")
    result = run_castpub(root, "check", "--feeds")
    assert result.exit_code == 1
    expected = [f"{root / 'feeds' / 'podcast.xml'}:{line}: {what}" for line, what in findings(name)]
    assert [line for line in result.stdout.splitlines() if "/feeds/" in line] == expected
    assert f"1 feed(s) checked against PSP-1: {len(expected)} finding(s)" in result.stdout


def test_check_feeds_before_any_build(make_project: Callable[..., Path]) -> None:
    root = make_project("audio")
    result = run_castpub(root, "check", "--feeds")
    assert result.exit_code == 1
    assert "podcast.xml: no such feed; run castpub build first" in result.stdout


def test_check_feeds_covers_playlist_feeds(make_project: Callable[..., Path]) -> None:
    root = make_project("seed")
    assert run_castpub(root, "build").exit_code == 0
    result = run_castpub(root, "check", "--feeds")
    assert "playlists/ptg-atlanta-2017/podcast.xml:30: the item has no <enclosure>" in result.stdout
    assert "2 feed(s) checked against PSP-1: 2 finding(s)" in result.stdout
