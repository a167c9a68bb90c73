"""Text that XML can carry."""

from __future__ import annotations

import re

# XML 1.0 forbids C0 controls except tab/newline/CR, lone surrogates and U+FFFE/U+FFFF: exactly
# the characters lxml refuses.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# The same characters once in UTF-8 (surrogates cannot be encoded at all): checking bytes is
# several times faster than searching long non-ASCII text. A byte below 0x20 is always that
# control character in UTF-8: translate() makes each of them a NUL (itself one of them), which
# is then one memchr away; deleting them instead took three times as long.
_CONTROLS_TO_NUL = bytes(0 if b < 0x20 and b not in b"\t\n\r" else b for b in range(256))
_NONCHARACTER_START = b"\xef\xbf"  # U+F000-U+FFFF: one search, rarely a second look
_NONCHARACTERS = re.compile(b"\xef\xbf[\xbe\xbf]")
# A lone surrogate as the "surrogatepass" error handler encodes it (U+D800-U+DFFF).
_SURROGATE_START = b"\xed"  # also the start of U+D000-U+D7FF: a second look tells
_SURROGATES = re.compile(b"\xed[\xa0-\xbf]")

# lxml's words, so text that slips past clean_text fails the same way with or without feedgen.
NOT_XML = (
    "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
)


def clean_text(text: str) -> str:
    """Remove characters XML cannot hold (feedgen raises on them)."""
    # Every character the search removes is one isprintable() refuses (categories Cc, Cs, Cn):
    # a title, a tag or a URL is most often checked by that one pass in C.
    return text if text.isprintable() else _FORBIDDEN.sub("", text)


def xml_utf8(text: str) -> bytes:
    """The UTF-8 of text that XML can carry; ValueError, as lxml raises, for text that clean_text
    would have changed."""
    if text.isprintable():  # as in clean_text: nothing to refuse
        return text.encode()
    try:
        data = text.encode()
    except UnicodeEncodeError:
        raise ValueError(NOT_XML) from None
    if not xml_safe_utf8(data):
        raise ValueError(NOT_XML)
    return data


def xml_safe_utf8(data: bytes) -> bool:
    """Whether UTF-8 bytes hold none of the characters clean_text removes (for valid UTF-8:
    surrogates cannot be encoded in it)."""
    return b"\0" not in data.translate(_CONTROLS_TO_NUL) and not (
        _NONCHARACTER_START in data and _NONCHARACTERS.search(data)
    )


def xml_utf8_bytes(data: bytes) -> bytes:
    """xml_utf8 of a text from its UTF-8 ("surrogatepass", as show notes are held): the same
    bytes, or the same ValueError, without decoding and encoding it again."""
    if not xml_safe_utf8(data) or (_SURROGATE_START in data and _SURROGATES.search(data)):
        raise ValueError(NOT_XML)
    return data
