"""Text that XML can carry."""

from __future__ import annotations

import re

# XML 1.0 forbids C0 controls except tab/newline/CR, lone surrogates and U+FFFE/U+FFFF: exactly
# the characters lxml refuses.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# The same characters once in UTF-8 (surrogates cannot be encoded at all): checking bytes is
# several times faster than searching long non-ASCII text.
_CONTROLS = bytes(range(0x20)).translate(None, b"\t\n\r")
_NONCHARACTER_START = b"\xef\xbf"  # U+F000-U+FFFF: one search, rarely a second look
_NONCHARACTERS = re.compile(b"\xef\xbf[\xbe\xbf]")

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
    return len(data.translate(None, _CONTROLS)) == len(data) and not (
        _NONCHARACTER_START in data and _NONCHARACTERS.search(data)
    )
