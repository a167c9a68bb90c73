"""Per-episode files: the transcript page (podcast namespace HTML form) and JSON chapters."""

from __future__ import annotations

import html
import json

from castpub.store import Chapter


def transcript_page(title: str, language: str, body: bytes, link: str) -> bytes:
    """A standalone HTML transcript: speaker turns as <cite> then <p>, readable on a phone;
    body is the UTF-8 of Notes.transcript."""
    head = f"""<!DOCTYPE html>
<html lang="{html.escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transcript: {html.escape(title)}</title>
<style>
body{{max-width:42em;margin:auto;padding:1em;font:1.05em/1.5 sans-serif}}
cite{{display:block;font-style:normal;font-weight:bold;margin-top:1em}}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>
"""
    return b"".join((head.encode(), body, b"\n</body>\n</html>\n"))


def chapters_json(chapters: tuple[Chapter, ...]) -> bytes:
    """Podcasting 2.0 JSON chapters (version 1.2.0)."""
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
