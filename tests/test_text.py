"""Text that XML can carry: what clean_text removes and xml_utf8 refuses, whichever way it
checks (a pass of str.isprintable() first, the search only when that one finds something)."""

from __future__ import annotations

import sys

import pytest

from castpub.text import NOT_XML, clean_text, xml_safe_utf8, xml_utf8, xml_utf8_bytes

FORBIDDEN = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF]


def test_every_character_xml_cannot_hold_is_removed_and_no_other() -> None:
    forbidden = set(FORBIDDEN)
    kept = [c for c in range(sys.maxunicode + 1) if clean_text(f"a{chr(c)}b") == f"a{chr(c)}b"]
    assert forbidden.isdisjoint(kept)
    assert len(kept) == sys.maxunicode + 1 - len(forbidden)


@pytest.mark.parametrize("text", ["Steve Hardy: TripleO", "naïve “quotes” ✓", "tab\tand\nlines"])
def test_text_xml_can_hold_is_kept_and_encoded(text: str) -> None:
    assert clean_text(text) == text
    assert xml_utf8(text) == text.encode()


@pytest.mark.parametrize("code", [0x00, 0x08, 0x1F, 0xD800, 0xFFFE, 0xFFFF])
def test_text_xml_cannot_hold_is_refused_as_lxml_refuses_it(code: int) -> None:
    with pytest.raises(ValueError, match=NOT_XML.split(":")[0]):
        xml_utf8(f"title {chr(code)}")
    assert clean_text(f"title {chr(code)}") == "title "


def test_show_notes_held_as_utf8_are_checked_as_their_text_is() -> None:
    """xml_utf8_bytes, on the bytes the renderer keeps, refuses what xml_utf8 refuses (lone
    surrogates included, as "surrogatepass" encodes them) and passes every other character."""
    for code in range(sys.maxunicode + 1):
        text = f"<p>a{chr(code)}b</p>"
        data = text.encode("utf-8", "surrogatepass")
        try:
            expected: bytes | None = xml_utf8(text)
        except ValueError:
            expected = None
        if expected is None:
            with pytest.raises(ValueError, match=NOT_XML.split(":")[0]):
                xml_utf8_bytes(data)
        else:
            assert xml_utf8_bytes(data) == expected


def test_utf8_is_safe_exactly_when_its_text_holds_nothing_clean_text_removes() -> None:
    for code in [*range(0x300), *range(0xD7F0, 0xD800), *range(0xE000, 0xE010), 0xFFFD, 0xFFFE]:
        text = f"x{chr(code)}y"
        assert xml_safe_utf8(text.encode()) == (clean_text(text) == text)
