"""Items written without feedgen are, byte for byte, what feedgen and lxml write (render_feed is
the reference): on the real RDO blog corpus, on generated items, and in what they refuse."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from castpub.archive import paginate
from castpub.build import load_project, prepare
from castpub.config import Show, load_show
from castpub.feeds import Copies, item_key, render_feed, serialize_feed
from castpub.items import item_fragments, renumbered
from castpub.model import Enclosure, Feed, FeedLink, Item
from castpub.page import page_link
from castpub.text import clean_text, xml_utf8
from conftest import PROJECTS

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "rdo-blog"
CORPUS_CONFIG = SHARED / "acceptance" / "rdo-blog.podcast.yaml"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def nothing_to_reuse(kind: str, key: str) -> bytes | None:
    return None


Memo = dict[tuple[str, str], bytes]


def lean(show: Show, feed: Feed, memo: Memo | None = None) -> tuple[bytes, bytes]:
    """The RSS and Atom serialize_feed writes when no earlier build left anything to copy."""
    keys = [item_key("test", item) for item in feed.items]
    rss, atom = serialize_feed(show, feed, keys, nothing_to_reuse, memo)
    return rss.data, atom.data


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Show, list[Feed]]:
    """The 306 posts of the RDO blog built as one show, as shared/acceptance/run.sh builds them."""
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    root = tmp_path_factory.mktemp("rdo") / "show"
    shutil.copytree(CORPUS, root / "episodes")
    shutil.copy(CORPUS_CONFIG, root / "podcast.yaml")
    project = load_project(root)
    result, _ = prepare(project, NOW)
    return project.show, result.feeds


def test_corpus_feed_equals_feedgen(corpus: tuple[Show, list[Feed]]) -> None:
    show, feeds = corpus
    main = replace(feeds[0], links=(*feeds[0].links, page_link(show)))
    assert len(main.items) > 250  # every published post, not a handful
    assert lean(show, main) == render_feed(show, main)


def test_corpus_archive_pages_equal_feedgen(corpus: tuple[Show, list[Feed]]) -> None:
    show, feeds = corpus
    pages = paginate(show, feeds[0], 40)
    assert len(pages) > 5 and pages[1].archived
    for page in pages:
        assert lean(show, page) == render_feed(show, page)


def test_corpus_memo_serves_every_feed_an_item_is_in(corpus: tuple[Show, list[Feed]]) -> None:
    """Archive pages hold the main feed's items again: with the memo none is written twice."""
    show, feeds = corpus
    memo: Memo = {}
    assert lean(show, feeds[0], memo) == render_feed(show, feeds[0])
    assert len(memo) == 2 * len(feeds[0].items)
    for page in paginate(show, feeds[0], 40)[1:]:
        assert lean(show, page, memo) == render_feed(show, page)
    assert len(memo) == 2 * len(feeds[0].items)


def test_corpus_items_one_by_one(corpus: tuple[Show, list[Feed]]) -> None:
    """Each post alone, so that a difference names the post that shows it."""
    show, feeds = corpus
    for item in feeds[0].items:
        feed = replace(feeds[0], items=(item,))
        assert lean(show, feed) == render_feed(show, feed), item.episode_id


def test_corpus_playlist_copies_its_items_from_the_main_feed_written(
    corpus: tuple[Show, list[Feed]], tmp_path: Path
) -> None:
    """A playlist's items, numbered or as they are, read back from the main feed's files."""
    show, feeds = corpus
    main = feeds[0]
    paths = (tmp_path / "podcast.xml", tmp_path / "atom.xml")
    keys = [item_key("test", item) for item in main.items]
    with paths[0].open("wb") as rss_out, paths[1].open("wb") as atom_out:
        rss, atom = serialize_feed(show, main, keys, nothing_to_reuse, out=(rss_out, atom_out))
    copies = Copies()
    copies.add(main.items, (str(paths[0]), rss), (str(paths[1]), atom))
    assert (paths[0].read_bytes(), paths[1].read_bytes()) == render_feed(show, main)
    chosen = main.items[::7]
    items = tuple(i.numbered(n) if i.number is None else i for n, i in enumerate(chosen))
    assert sum(i.number is None for i in chosen) > 20  # most are numbered in their playlist
    assert all(copies.fragments(item) == item_fragments(item) for item in items)
    playlist = replace(main, items=items, rss_path="playlists/p/podcast.xml")
    keys = [item_key("test", item) for item in items]
    rss, atom = serialize_feed(show, playlist, keys, nothing_to_reuse, copies=copies)
    assert (rss.data, atom.data) == render_feed(show, playlist)
    # Not the item written, nor that item numbered: made anew, not copied.
    assert copies.fragments(replace(chosen[0], title="another title")) is None
    assert copies.fragments(replace(chosen[0], number=None, season=3)) is None
    copies.close()


def test_spans_name_each_item(corpus: tuple[Show, list[Feed]]) -> None:
    """Spans follow the keys' order and run from an item's opening line to the next one's."""
    show, feeds = corpus
    feed = replace(feeds[0], items=feeds[0].items[:3])
    keys = ["a", "b", "c"]
    rss, atom = serialize_feed(show, feed, keys, nothing_to_reuse)
    for written, opening, closing, tail in (
        (rss, b"    <item>\n", b"    </item>\n", b"  </channel>\n</rss>\n"),
        (atom, b"  <entry>\n", b"  </entry>\n", b"</feed>\n"),
    ):
        assert [key for key, _, _ in written.items] == keys
        starts = [start for _, start, _ in written.items]
        ends = [end for _, _, end in written.items]
        assert starts[0] == written.data.index(opening)
        assert starts[1:] == ends[:-1]
        assert written.data[ends[-1] :] == tail
        for (_, start, end), item in zip(written.items, feed.items, strict=True):
            fragment = written.data[start:end]
            assert fragment.startswith(opening) and fragment.endswith(closing)
            assert fragment.count(opening) == 1
            assert item.guid.encode() in fragment


# The seed show's channel: items are what varies below.
SHOW = load_show(PROJECTS / "seed")
BASE = "https://www.rdoproject.org/feeds/"

# Text that exercises escaping: markup characters, quotes, whitespace that parsers would
# normalize, CDATA's end, non-BMP and non-ASCII characters, line separators.
SPECIAL = st.sampled_from(
    ["&", "<", ">", '"', "'", "\r", "\n", "\t", "\r\n", "]]>", "&amp;", "𝕐", "é", "\u2028", "\x85"]
)
# What XML cannot hold: C0 controls, U+FFFE/U+FFFF, lone surrogates.
FORBIDDEN = st.sampled_from(
    ["\x00", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff"]
)


def texts(forbidden: bool) -> st.SearchStrategy[str]:
    pieces = st.one_of(st.text(max_size=6), SPECIAL, *([FORBIDDEN] if forbidden else []))
    joined = st.lists(pieces, max_size=5).map("".join)
    return joined if forbidden else joined.map(clean_text)


dates = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.builds(
        timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
    ),
)


@st.composite
def items(draw: st.DrawFn, forbidden: bool = False) -> Item:
    text = texts(forbidden)
    optional = st.none() | text
    numbers = st.none() | st.integers(min_value=-3, max_value=10**6) | st.just(0)
    image = st.builds(lambda s, suffix: s + suffix, text, st.sampled_from([".jpg", ".png"]))
    if forbidden:  # also what feedgen's setters refuse
        image = image | text
    return Item(
        episode_id=draw(text),
        guid=draw(text if forbidden else text.map(lambda s: s or "g")),
        guid_is_link=draw(st.booleans()),
        title=draw(text if forbidden else text.map(lambda s: s or "t")),
        link=draw(text),
        date=draw((dates | st.datetimes()) if forbidden else dates),
        summary=draw(text),
        notes=draw(text).encode("utf-8", "surrogatepass"),
        transcript_url=draw(text),
        author=draw(optional),
        tags=tuple(draw(st.lists(text, max_size=3))),
        video_id=draw(optional),
        duration=draw(numbers),
        image=draw(st.none() | image),
        chapters_url=draw(optional),
        enclosure=draw(
            st.none() | st.builds(Enclosure, text, st.integers(min_value=0, max_value=10**12), text)
        ),
        episode_type=draw(st.sampled_from(["full", "trailer", "bonus", *(["other"] * forbidden)])),
        season=draw(numbers),
        number=draw(numbers),
        explicit=draw(st.none() | st.booleans()),
    )


def feeds(item_strategy: st.SearchStrategy[Item]) -> st.SearchStrategy[Feed]:
    links = st.lists(
        st.builds(
            FeedLink,
            st.sampled_from(["current", "prev-archive", "next-archive", "hub"]),
            st.just(BASE + "archive/1/podcast.xml"),
            st.none() | st.just(BASE + "archive/1/atom.xml"),
            st.none() | st.just("application/rss+xml"),
        ),
        max_size=3,
    )
    return st.builds(
        Feed,
        rss_path=st.just("podcast.xml"),
        atom_path=st.just("atom.xml"),
        rss_url=st.just(BASE + "podcast.xml"),
        atom_url=st.just(BASE + "atom.xml"),
        title=st.just("RDO & friends <video>"),
        description=st.just("Interviews"),
        items=st.lists(item_strategy, max_size=3).map(tuple),
        updated=dates,
        podcast_guid=st.just("9557483c-07cb-580b-9242-8d69aa9a7725"),
        page_url=st.none() | st.just(BASE + "index.html"),
        links=links.map(tuple),
        archived=st.booleans(),
    )


EMPTY = Item("e", "g", False, "t", "", datetime(2017, 4, 4, tzinfo=UTC), "", b"", "")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feeds(items()))
@example(Feed("p.xml", "a.xml", BASE, BASE, "T", "D", (EMPTY,), EMPTY.date, "g"))
def test_generated_items_equal_feedgen(feed: Feed) -> None:
    assert lean(SHOW, feed) == render_feed(SHOW, feed)


def outcome(write: Callable[[Show, Feed], tuple[bytes, bytes]], feed: Feed) -> object:
    try:
        return write(SHOW, feed)
    except ValueError:
        return ValueError


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feeds(items(forbidden=True)))
@example(Feed("p.xml", "a.xml", BASE, BASE, "T", "D", (replace(EMPTY, notes=b"\x0c"),), NOW, "g"))
@example(Feed("p.xml", "a.xml", BASE, BASE, "T", "D", (replace(EMPTY, title=""),), NOW, "g"))
@example(Feed("p.xml", "a.xml", BASE, BASE, "T", "D", (replace(EMPTY, image="a.gif"),), NOW, "g"))
def test_refuses_what_feedgen_refuses(feed: Feed) -> None:
    """Text that slipped past clean_text, and values feedgen's setters reject, raise ValueError
    in both writers, never come out as XML a reader would reject."""
    expected = outcome(render_feed, feed)
    event("refused" if expected is ValueError else "written")
    assert outcome(lean, feed) == expected


@given(items(), st.integers(min_value=0, max_value=10**6))
def test_renumbered_is_the_numbered_item(item: Item, number: int) -> None:
    unnumbered = item.numbered(None)
    rss, atom = item_fragments(unnumbered)
    assert (renumbered(rss, number), atom) == item_fragments(unnumbered.numbered(number))


def test_xml_utf8_refuses_exactly_what_lxml_refuses() -> None:
    element = etree.Element("a")
    disagree = []
    for code in range(0x110000):
        text = f"a{chr(code)}bc"
        try:
            element.text = text
            lxml_takes = True
        except ValueError:
            lxml_takes = False
        try:
            xml_utf8(text)
            castpub_takes = True
        except ValueError:
            castpub_takes = False
        if lxml_takes != castpub_takes or castpub_takes != (clean_text(text) == text):
            disagree.append(hex(code))
    assert disagree == []


def test_memo_writes_an_item_once_across_feeds() -> None:
    item = replace(EMPTY, notes=b"<p>shared</p>")
    main = Feed("podcast.xml", "atom.xml", BASE, BASE, "T", "D", (item,), NOW, "g")
    playlist = replace(main, rss_path="playlists/p.xml", atom_path="playlists/p.atom")
    memo: Memo = {}
    assert lean(SHOW, main, memo) == render_feed(SHOW, main)
    key = item_key("test", item)
    assert set(memo) == {("rss", key), ("atom", key)}
    # What the memo holds is what the playlist gets: nothing is written a second time.
    marked = {k: v.replace(b"shared", b"marked") for k, v in memo.items()}
    assert all(b"marked" in data for data in lean(SHOW, playlist, marked))
    assert lean(SHOW, playlist, memo) == render_feed(SHOW, playlist)


def test_copied_fragments_stay_out_of_the_memo() -> None:
    item = replace(EMPTY, notes=b"old")
    feed = Feed("podcast.xml", "atom.xml", BASE, BASE, "T", "D", (item,), NOW, "g")
    rss, atom = serialize_feed(SHOW, feed, ["k"], nothing_to_reuse)
    old = {"rss": rss.data[rss.items[0][1] : rss.items[0][2]]}
    old["atom"] = atom.data[atom.items[0][1] : atom.items[0][2]]
    memo: Memo = {}
    again = serialize_feed(SHOW, feed, ["k"], lambda kind, key: old[kind], memo)
    assert (again[0].data, again[1].data) == (rss.data, atom.data)
    assert memo == {}
