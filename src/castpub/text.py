"""Text that XML can carry."""

from __future__ import annotations

import re

# XML 1.0 forbids C0 controls except tab/newline/CR, lone surrogates and U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Remove characters XML cannot hold (feedgen raises on them)."""
    return _FORBIDDEN.sub("", text)
