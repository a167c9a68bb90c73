"""feeds/index.html: the show's page for people, escaped, newest first, checked in a real browser."""

from __future__ import annotations

import shutil
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from castpub.config import load_show
from castpub.model import Enclosure, Feed, Item
from castpub.page import duration_text, show_page
from conftest import run_castpub, write_episode
from publishing import add_episodes, atom_links, configure

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _page(root: Path) -> etree._Element:
    """The page read as XML: castpub writes well-formed markup, so any parser can check it."""
    text = (root / "feeds" / "index.html").read_bytes()
    assert text.startswith(b"<!DOCTYPE html>\n")
    return etree.fromstring(text.split(b"\n", 1)[1])


def test_page_lists_every_episode_newest_first_with_its_links(make_project) -> None:
    root: Path = make_project()
    add_episodes(root, 3)
    assert run_castpub(root, "build").exit_code == 0
    page = _page(root)
    titles = page.xpath("//li[@class='episode']/h3/a/text()")
    assert titles[:3] == ["Episode 002", "Episode 001", "Episode 000"]
    assert titles[3].startswith("Steve Hardy")
    first = page.xpath("//li[@class='episode']")[0]
    hrefs = first.xpath(".//a/@href")
    assert "https://www.youtube.com/watch?v=vid00000002" in hrefs
    assert any(h.endswith("/transcripts/2020-01-20-episode-002.html") for h in hrefs)
    assert first.xpath(".//time/@datetime") == ["2020-01-20T09:00:00+00:00"]
    assert page.xpath("//meta[@name='viewport']")
    assert not page.xpath("//script")


def test_page_offers_feed_and_app_subscribe_links(make_project) -> None:
    root: Path = make_project()
    assert run_castpub(root, "build").exit_code == 0
    hrefs = _page(root).xpath("//ul[@class='subscribe']//a/@href")
    assert "https://www.rdoproject.org/feeds/podcast.xml" in hrefs
    assert "https://www.rdoproject.org/feeds/atom.xml" in hrefs
    assert "podcast://www.rdoproject.org/feeds/podcast.xml" in hrefs
    assert "pktc://subscribe/www.rdoproject.org/feeds/podcast.xml" in hrefs
    assert (
        "overcast://x-callback-url/add?url=https%3A%2F%2Fwww.rdoproject.org%2Ffeeds%2Fpodcast.xml"
        in hrefs
    )


def test_user_text_is_escaped(make_project) -> None:
    root: Path = make_project()
    write_episode(
        root,
        "2021-01-01-evil.md",
        "title: '<script>alert(1)</script> & \"quotes\"'\ndate: 2021-01-01 10:00 UTC\n"
        "description: '<img src=x onerror=alert(1)>'",
    )
    assert run_castpub(root, "build").exit_code == 0
    raw = (root / "feeds" / "index.html").read_text()
    assert "<script>" not in raw and "<img src=x" not in raw
    page = _page(root)
    assert page.xpath("//li[@class='episode']/h3/a/text()")[0] == (
        '<script>alert(1)</script> & "quotes"'
    )


def test_every_feed_links_the_page(make_project) -> None:
    root: Path = make_project()
    assert run_castpub(root, "build").exit_code == 0
    page = "https://www.rdoproject.org/feeds/index.html"
    feeds = root / "feeds"
    for rss in (feeds / "podcast.xml", feeds / "playlists/ptg-atlanta-2017/podcast.xml"):
        assert atom_links(rss)["related"] == page
    assert atom_links(feeds / "atom.xml", in_rss=False)["related"] == page


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_page_renders_every_episode_in_headless_chromium(make_project, tmp_path: Path) -> None:
    root: Path = make_project()
    add_episodes(root, 40)
    configure(root, "limit: 10")  # the page lists every episode, archived ones too
    assert run_castpub(root, "build").exit_code == 0
    url = (root / "feeds" / "index.html").as_uri()
    dom = _chromium(tmp_path / "profile", "--dump-dom", url).stdout
    parsed = etree.fromstring(dom.encode(), etree.HTMLParser())
    assert len(parsed.xpath("//li[@class='episode']")) == 41
    shot = tmp_path / "phone.png"
    _chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=390,844", url)
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])  # the PNG IHDR chunk
    assert (width, height) == (390, 844)


def test_durations_read_like_a_clock() -> None:
    assert [duration_text(s) for s in (None, 59, 600, 3599, 3600, 5025)] == [
        "",
        "0:59",
        "10:00",
        "59:59",
        "1:00:00",
        "1:23:45",
    ]


def test_an_item_duration_and_audio_are_on_the_page(make_project) -> None:
    root: Path = make_project()
    show = load_show(root)
    item = Item(
        episode_id="e",
        guid="g",
        guid_is_link=False,
        title="Timed",
        link="https://example.org/e/",
        date=datetime(2024, 5, 6, 7, 8, tzinfo=UTC),
        summary="",
        notes=b"",
        transcript_url="https://example.org/t.html",
        duration=5025,
        enclosure=Enclosure("https://example.org/e.m4a", 10, "audio/x-m4a"),
    )
    feed = Feed(
        "podcast.xml",
        "atom.xml",
        "https://f/p.xml",
        "https://f/a.xml",
        "T",
        "D",
        (item,),
        item.date,
        "guid",
    )
    page = etree.fromstring(show_page(show, feed, []).split(b"\n", 1)[1])
    assert "1:23:45" in "".join(page.xpath("//p[@class='meta']/text()"))
    assert "https://example.org/e.m4a" in page.xpath("//li[@class='episode']//a/@href")
