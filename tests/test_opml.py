"""feeds/feeds.opml lists every subscription feed the build writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from lxml import etree

from castpub.opml import rfc822_gmt
from conftest import run_castpub
from publishing import add_episodes, configure


def test_opml_lists_main_and_playlist_feeds_in_both_formats(make_project) -> None:
    root: Path = make_project()
    add_episodes(root, 5)
    configure(root, "limit: 2")  # archive pages are reached from the feeds, not listed
    assert run_castpub(root, "build").exit_code == 0
    opml = etree.parse(str(root / "feeds" / "feeds.opml")).getroot()
    assert opml.get("version") == "2.0"
    assert opml.findtext("head/title") == "RDO Video Interviews"
    assert opml.findtext("head/dateModified") == "Mon, 03 Feb 2020 09:00:00 GMT"
    urls = [o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")]
    base = "https://www.rdoproject.org/feeds/"
    assert urls == [
        base + "podcast.xml",
        base + "playlists/ptg-atlanta-2017/podcast.xml",
        base + "atom.xml",
        base + "playlists/ptg-atlanta-2017/atom.xml",
    ]
    written = {
        p.relative_to(root / "feeds").as_posix()
        for p in (root / "feeds").rglob("*.xml")
        if "archive" not in p.parts
    }
    assert {u.removeprefix(base) for u in urls} == written


@pytest.mark.parametrize(
    "date",
    [
        datetime(2017, 4, 4, 10, 30, tzinfo=timezone(timedelta(hours=2))),  # CEST
        datetime(2017, 4, 4, 2, 0, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),  # IST
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-8))),
        datetime(999, 1, 5, 0, 0, tzinfo=UTC),
    ],
)
def test_date_modified_is_written_as_email_utils_writes_it(date: datetime) -> None:
    assert rfc822_gmt(date) == format_datetime(date.astimezone(UTC), usegmt=True)
