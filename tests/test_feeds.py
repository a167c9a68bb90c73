"""The feeds as podcast apps and feed readers read them (feedparser, podcastparser, lxml)."""

import io
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from castpub.assemble import podcast_guid
from conftest import run_castpub
from test_store import import_all

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
PLAYLIST = "PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("feeds") / "show"
    shutil.copytree(Path(__file__).parent / "projects" / "varied", root)
    import_all(root)
    result = run_castpub(root, "build", "--now", "2026-01-01T00:00:00+00:00")
    assert result.exit_code == 0, result.output
    return root


def rss(built: Path, rel: str = "podcast.xml") -> etree._Element:
    return etree.parse(str(built / "feeds" / rel)).getroot()


def test_podcast_guid_matches_namespace_spec_example() -> None:
    # The example given by the podcast namespace's own documentation.
    assert (
        podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml")
        == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )


def test_channel_has_every_psp1_element(built: Path) -> None:
    channel = rss(built).find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Varied Show"
    assert channel.findtext("link") == "https://example.org/"
    assert channel.findtext("language") == "en"
    assert (
        channel.findtext("description")
        == "Interviews with people who build things, with transcripts."
    )
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert (
        self_link is not None and self_link.get("href") == "https://example.org/feeds/podcast.xml"
    )
    assert self_link.get("type") == "application/rss+xml"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.find("itunes:image", NS).get("href") == "https://example.org/art.jpg"
    assert channel.findtext("itunes:author", namespaces=NS) == "Example Crew"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "crew@example.org"
    categories = [
        (c.get("text"), [s.get("text") for s in c]) for c in channel.findall("itunes:category", NS)
    ]
    assert categories == [("Technology", []), ("Society & Culture", ["Documentary"])]
    assert channel.findtext("podcast:locked", namespaces=NS) == "yes"
    assert channel.findtext("podcast:guid", namespaces=NS) == podcast_guid(
        "https://example.org/feeds/podcast.xml"
    )


def test_items_newest_first_without_drafts(built: Path) -> None:
    titles = [i.findtext("title") for i in rss(built).iter("item")]
    assert titles == [
        "Windows line ends and a BOM",
        "The date comes from the file name",
        "A date without a zone",
        "Five talks from the meetup",
        "Blog roundup",
        "Blog roundup",
        "Release notes with a watch link",
        "Grace Hopper: compilers, from the summit in Boston",
    ]


def test_item_elements(built: Path) -> None:
    item = next(i for i in rss(built).iter("item") if i.findtext("title", "").startswith("Grace"))
    link = "https://example.org/blog/2017/04/04/cest-interview/"
    assert item.findtext("link") == link
    assert item.findtext("guid") == link
    assert item.find("guid").get("isPermaLink") == "true"
    assert (
        parsedate_to_datetime(item.findtext("pubDate")).isoformat() == "2017-04-04T19:26:24+02:00"
    )
    assert item.findtext("description") == "Grace Hopper talks about compilers at the summit."
    notes = item.findtext("content:encoded", namespaces=NS)
    assert "<strong>Grace:</strong>" in notes and "<iframe" not in notes
    assert item.findtext("itunes:duration", namespaces=NS) == "597"
    assert (
        item.find("itunes:image", NS).get("href")
        == "https://i.ytimg.com/vi/YE7VzlLtp-4/maxresdefault.jpg"
    )
    assert [c.text for c in item.findall("category")] == ["compilers", "history", "summit"]
    assert item.findtext("itunes:author", namespaces=NS) == "Ada Lovelace"
    transcript = item.find("podcast:transcript", NS)
    assert (
        transcript.get("url")
        == "https://example.org/feeds/transcripts/2017-04-04-cest-interview.html"
    )
    assert transcript.get("type") == "text/html"


def test_webp_thumbnail_falls_back_to_show_artwork(built: Path) -> None:
    item = next(i for i in rss(built).iter("item") if i.findtext("title", "").startswith("Release"))
    assert item.find("itunes:image", NS).get("href") == "https://example.org/art.jpg"
    assert (
        item.find("podcast:chapters", NS).get("url")
        == "https://example.org/feeds/chapters/2017-05-10-ist-watch-link.json"
    )


def test_feedparser_reads_rss_and_atom(built: Path) -> None:
    for name in ("podcast.xml", "atom.xml"):
        parsed = feedparser.parse((built / "feeds" / name).read_bytes())
        assert not parsed.bozo, parsed.bozo_exception
        assert len(parsed.entries) == 8
        for entry in parsed.entries:
            assert entry.id and entry.title and entry.published_parsed


def test_atom_content_is_html_with_summary(built: Path) -> None:
    atom = etree.parse(str(built / "feeds" / "atom.xml")).getroot()
    entry = atom.find("atom:entry", NS)
    assert entry.find("atom:content", NS).get("type") == "html"
    assert entry.findtext("atom:summary", namespaces=NS)
    assert (
        atom.find("atom:link[@rel='self']", NS).get("href") == "https://example.org/feeds/atom.xml"
    )
    assert atom.findtext("atom:updated", namespaces=NS) == "2017-12-01T10:00:00-05:00"


def test_podcastparser_reads_every_item(built: Path) -> None:
    data = (built / "feeds" / "podcast.xml").read_bytes()
    parsed = podcastparser.parse("https://example.org/feeds/podcast.xml", io.BytesIO(data))
    assert len(parsed["episodes"]) == 8
    for episode in parsed["episodes"]:
        assert episode["guid"] and episode["title"] and episode["published"] > 0
    durations = {e["title"]: e["total_time"] for e in parsed["episodes"]}
    assert durations["Grace Hopper: compilers, from the summit in Boston"] == 597


def test_playlist_feed_by_configured_slug_and_position(built: Path) -> None:
    root = rss(built, "playlists/season-one/podcast.xml")
    channel = root.find("channel")
    assert channel.findtext("title") == "Varied Show: Season One"
    assert channel.findtext("link") == f"https://www.youtube.com/playlist?list={PLAYLIST}"
    items = list(root.iter("item"))
    # The CEST interview embeds the list; the meetup's first video is not in it.
    assert [i.findtext("title") for i in items] == [
        "Grace Hopper: compilers, from the summit in Boston"
    ]
    assert items[0].findtext("itunes:episode", namespaces=NS) == "2"
    assert items[0].findtext("podcast:episode", namespaces=NS) == "2"
    assert (built / "feeds" / "playlists" / "season-one" / "atom.xml").is_file()
    guid = channel.findtext("podcast:guid", namespaces=NS)
    assert guid == podcast_guid("https://example.org/feeds/playlists/season-one/podcast.xml")


def test_membership_from_store_entries(make_project) -> None:
    root = make_project("varied")
    import_all(root)
    # Move the meetup's video into the playlist by choosing aqz-KE-bpKQ, an entry of the store's list.
    path = root / "episodes" / "2017-09-12-five-videos.markdown"
    path.write_text(path.read_text().replace("tags: meetup", "tags: meetup\nyoutube: aqz-KE-bpKQ"))
    assert run_castpub(root, "build", "--now", "2026-01-01T00:00:00Z").exit_code == 0
    items = rss(root, "playlists/season-one/podcast.xml").iter("item")
    numbered = {i.findtext("title"): i.findtext("itunes:episode", namespaces=NS) for i in items}
    assert numbered == {
        "Five talks from the meetup": "1",
        "Grace Hopper: compilers, from the summit in Boston": "2",
    }


def test_transcript_page_uses_cite_and_p(built: Path) -> None:
    page = (built / "feeds" / "transcripts" / "2017-04-04-cest-interview.html").read_text()
    assert "<cite>Grace:</cite>\n<p>My name is Grace Hopper." in page
    assert "<cite>Ada Lovelace:</cite>\n<p>What changed this year?</p>" in page
    assert page.startswith("<!DOCTYPE html>")


def test_chapters_json(built: Path) -> None:
    import json

    data = json.loads((built / "feeds" / "chapters" / "2017-05-10-ist-watch-link.json").read_text())
    assert data["version"] == "1.2.0"
    assert data["chapters"] == [
        {"startTime": 0, "title": "Introduction"},
        {"startTime": 13, "title": "Drama"},
        {"startTime": 257, "title": "Choreography"},
        {"startTime": 574.5, "title": "Pantomime & <moves>"},
    ]
