"""Show notes: Markdown to sanitized HTML, embeds as links, speaker turns, summaries."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from castpub.notes import _turns, render_notes, summarize
from castpub.store import Chapter, VideoInfo
from castpub.text import clean_text, xml_safe_utf8, xml_utf8_bytes

BUNNY = VideoInfo(id="YE7VzlLtp-4", title="Big Buck Bunny", duration=597)


def test_embed_becomes_link_with_thumbnail_when_video_known() -> None:
    body = '<iframe width="560" src="https://www.youtube.com/embed/YE7VzlLtp-4?list=PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" allowfullscreen></iframe>\n'
    notes = render_notes(body, BUNNY)
    tree = lxml_html.fragment_fromstring(notes.html.decode(), create_parent="div")
    assert not tree.xpath("//iframe")
    links = tree.xpath("//a/@href")
    assert (
        links[0]
        == "https://www.youtube.com/watch?v=YE7VzlLtp-4&list=PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    )
    assert tree.xpath("//img/@src") == ["https://i.ytimg.com/vi/YE7VzlLtp-4/hqdefault.jpg"]
    assert "Watch “Big Buck Bunny” on YouTube" in tree.text_content()


def test_embed_without_store_is_a_plain_link() -> None:
    notes = render_notes(
        '<iframe src="https://www.youtube-nocookie.com/embed/XAWLm3jP7Mg"></iframe>\n', None
    )
    tree = lxml_html.fragment_fromstring(notes.html.decode(), create_parent="div")
    assert tree.xpath("//a/@href") == ["https://www.youtube.com/watch?v=XAWLm3jP7Mg"]
    assert not tree.xpath("//img")


def test_sanitizes_scripts_styles_handlers_and_javascript_urls() -> None:
    body = (
        "Hello <script>alert(1)</script><style>p{}</style>\n\n"
        '<a href="javascript:alert(1)" onclick="x()">bad</a> <img src=x onerror=alert(1)>\n\n'
        "[md](javascript:alert(2))\n"
    )
    notes = render_notes(body, None)
    tree = lxml_html.fragment_fromstring(notes.html.decode(), create_parent="div")
    assert not tree.xpath("//script|//style")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on")
            assert not value.strip().lower().startswith("javascript:")


def test_speaker_turns_stand_out() -> None:
    body = "Intro line.\n\nSteve: My name is Steve.\n\nRich Bowen: Thanks!\n\nPlain paragraph.\n"
    notes = render_notes(body, None)
    assert "<p><strong>Steve:</strong> My name is Steve.</p>" in notes.html.decode()
    assert "<p><strong>Rich Bowen:</strong> Thanks!</p>" in notes.html.decode()
    assert "<cite>Steve:</cite>\n<p>My name is Steve.</p>" in notes.transcript.decode()
    assert "<cite>Rich Bowen:</cite>\n<p>Thanks!</p>" in notes.transcript.decode()
    assert "<p>Plain paragraph.</p>" in notes.transcript.decode()


def test_summary_is_first_paragraph_not_the_embed() -> None:
    body = '<iframe src="https://www.youtube.com/embed/YE7VzlLtp-4"></iframe>\n\nThe *real* intro &amp; more.\n\nSecond.\n'
    assert render_notes(body, BUNNY).summary == "The real intro & more."


def test_front_matter_description_wins() -> None:
    assert render_notes("First paragraph.\n", None, description="Given.").summary == "Given."


def test_summary_cut_on_word_boundary_within_4000_bytes() -> None:
    text = "word é " * 1000
    summary = summarize(text)
    assert len(summary.encode()) <= 4000
    assert summary.endswith("…")
    assert summary[:-1].endswith(("word", "é"))


def test_chapters_listed_as_timestamps() -> None:
    chapters = (Chapter(0, "Intro"), Chapter(257, "Choreography"), Chapter(3725, "Late <b>"))
    notes = render_notes("Text.\n", BUNNY, chapters)
    assert (
        '<a href="https://www.youtube.com/watch?v=YE7VzlLtp-4&amp;t=257s">4:17</a> Choreography'
        in notes.html.decode()
    )
    assert "1:02:05</a> Late &lt;b&gt;" in notes.html.decode()


def test_turns_in_notes_and_transcript_exactly() -> None:
    body = (
        "Steve: First *turn*\nwraps.\n\nnot a turn: lowercase.\n\nSteve:no space.\n\n"
        "- Amy: loose list item\n\n- Two\n\n> Rich Bowen Jr Sr: four words.\n\n"
        "Dr. Who's-Next: last <br> one.\n"
    )
    notes = render_notes(body, None)
    assert notes.html.decode() == (
        "<p><strong>Steve:</strong> First <em>turn</em>\nwraps.</p>\n"
        "<p>not a turn: lowercase.</p>\n<p>Steve:no space.</p>\n"
        "<ul>\n<li>\n<p><strong>Amy:</strong> loose list item</p>\n</li>\n"
        "<li>\n<p>Two</p>\n</li>\n</ul>\n"
        "<blockquote>\n<p>Rich Bowen Jr Sr: four words.</p>\n</blockquote>\n"
        "<p><strong>Dr. Who's-Next:</strong> last <br> one.</p>\n"
    )
    assert notes.transcript.decode() == (
        "<cite>Steve:</cite>\n<p>First <em>turn</em>\nwraps.</p>\n"
        "<p>not a turn: lowercase.</p>\n<p>Steve:no space.</p>\n"
        "<ul>\n<li>\n<cite>Amy:</cite>\n<p>loose list item</p>\n</li>\n"
        "<li>\n<p>Two</p>\n</li>\n</ul>\n"
        "<blockquote>\n<p>Rich Bowen Jr Sr: four words.</p>\n</blockquote>\n"
        "<cite>Dr. Who's-Next:</cite>\n<p>last <br> one.</p>\n"
    )


def test_body_without_turns_is_its_own_transcript() -> None:
    notes = render_notes("Just *prose*.\n\nmore: prose.\n", None)
    assert (
        notes.html.decode()
        == notes.transcript.decode()
        == "<p>Just <em>prose</em>.</p>\n<p>more: prose.</p>\n"
    )


def test_turn_runs_to_the_first_closing_tag_and_needs_one() -> None:
    # Sanitized notes always close their paragraphs; the turn finder must not rely on it.
    fragment = "<p>Amy: a <p>Rich: b</p> c</p><p>Steve: open"
    assert _turns(fragment) == (
        "<p><strong>Amy:</strong> a <p>Rich: b</p> c</p><p>Steve: open",
        "<cite>Amy:</cite>\n<p>a <p>Rich: b</p> c</p><p>Steve: open",
    )


@pytest.mark.parametrize(
    ("src", "href"),
    [
        ("https://www.youtube.com/embed/YE7VzlLtp-4", "watch?v=YE7VzlLtp-4"),
        (
            "//www.youtube-nocookie.com/embed/YE7VzlLtp-4?list=PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "watch?v=YE7VzlLtp-4&amp;list=PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ),
        # Forms the quick path leaves to parse_video_url: same links.
        (
            "https://www.youtube.com/embed/YE7VzlLtp-4?list=PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&amp;index=2",
            "watch?v=YE7VzlLtp-4&amp;list=PLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ),
        ("https://WWW.YOUTUBE.COM/embed/YE7VzlLtp-4?list=short", "watch?v=YE7VzlLtp-4"),
        ("https://youtu.be/YE7VzlLtp-4", "watch?v=YE7VzlLtp-4"),
    ],
)
def test_embed_forms_become_the_same_watch_link(src: str, href: str) -> None:
    notes = render_notes(f'<iframe src="{src}"></iframe>\n', BUNNY)
    assert f'<a href="https://www.youtube.com/{href}"' in notes.html.decode()
    assert "Watch “Big Buck Bunny” on YouTube" in notes.html.decode()


def test_character_references_to_what_xml_cannot_hold_are_dropped() -> None:
    """cmark decodes "&#1;" to its character, and so does the sanitizer in raw HTML: the notes,
    the transcript and the summary hold none that XML cannot carry, and keep the rest."""
    body = (
        "Rich: A &#1;start, a &#x0B;tab &#12;and &#8217;quotes&#8217;.\n\n"
        "<p>Raw &#2;HTML &#x1F;too.</p>\n"
    )
    notes = render_notes(body, None)
    for text in (notes.html, notes.transcript, notes.summary.encode()):
        assert xml_safe_utf8(text)
    assert "A start, a tab and ’quotes’." in notes.summary
    assert "Raw HTML too." in notes.html.decode()
    assert "<strong>Rich:</strong> A start" in notes.html.decode()
    assert "<cite>Rich:</cite>" in notes.transcript.decode()


_REFERENCES = st.integers(min_value=0, max_value=0x110000).flatmap(
    lambda n: st.sampled_from([f"&#{n};", f"&#x{n:X};", f"&#{n}"])
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Rich: ", "\n\n", "<p>", "</p>", "<a href='http://e.org/", "'>", "`", "# "]
        )
        | _REFERENCES
        | st.text(max_size=8)
    )
)
def test_notes_hold_only_what_xml_can_carry(parts: list[str]) -> None:
    """What the build writes into feeds without searching it again (feeds' notes_checked), for
    any body as parsing leaves it (clean_text) and any character reference in it."""
    notes = render_notes(clean_text("".join(parts)), None)
    for text in (notes.html, notes.transcript, notes.summary.encode("utf-8", "surrogatepass")):
        assert xml_utf8_bytes(text) == text
