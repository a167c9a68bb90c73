"""Episode dates: YAML timestamps, strings with zone abbreviations, or the file name's date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from dateutil import parser as dateparser

# Abbreviations seen in real blogs. IST is India here (the RDO blog's authors were in Bangalore and
# Pune); podcast.yaml `timezones:` overrides any of these.
ABBREVIATIONS: dict[str, timedelta] = {
    "UTC": timedelta(0),
    "GMT": timedelta(0),
    "Z": timedelta(0),
    "UT": timedelta(0),
    "CET": timedelta(hours=1),
    "CEST": timedelta(hours=2),
    "WET": timedelta(0),
    "WEST": timedelta(hours=1),
    "EET": timedelta(hours=2),
    "EEST": timedelta(hours=3),
    "BST": timedelta(hours=1),
    "IST": timedelta(hours=5, minutes=30),
    "EST": timedelta(hours=-5),
    "EDT": timedelta(hours=-4),
    "CST": timedelta(hours=-6),
    "CDT": timedelta(hours=-5),
    "MST": timedelta(hours=-7),
    "MDT": timedelta(hours=-6),
    "PST": timedelta(hours=-8),
    "PDT": timedelta(hours=-7),
    "JST": timedelta(hours=9),
    "KST": timedelta(hours=9),
    "AEST": timedelta(hours=10),
    "AEDT": timedelta(hours=11),
}
# Abbreviations that name more than one zone; a date using one gets a warning unless overridden.
AMBIGUOUS = {
    "IST": "India, Ireland or Israel",
    "BST": "British Summer or Bangladesh",
    "CST": "US Central, China or Cuba",
}

FILE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:-|$)")
ZONE_SUFFIX = re.compile(r"\s+([A-Za-z]{1,5})$")


@dataclass(frozen=True)
class ParsedDate:
    value: datetime
    ambiguous_zone: str | None = None


class DateError(ValueError):
    pass


def parse_date(raw: object, default_tz: tzinfo, overrides: dict[str, timedelta]) -> ParsedDate:
    """Turn a front-matter date into an aware datetime; naive ones are in the show's timezone."""
    if isinstance(raw, datetime):
        return ParsedDate(_aware(raw, default_tz))
    if isinstance(raw, date):
        return ParsedDate(datetime.combine(raw, time(0), default_tz))
    if not isinstance(raw, str) or not raw.strip():
        raise DateError(f"date {raw!r} is not a date")
    text = raw.strip()
    zones = ABBREVIATIONS | overrides
    ambiguous = None
    m = ZONE_SUFFIX.search(text)
    tz: tzinfo | None = None
    if m and m.group(1).upper() in zones:
        abbr = m.group(1).upper()
        tz = timezone(zones[abbr])
        text = text[: m.start()]
        if abbr in AMBIGUOUS and abbr not in overrides:
            ambiguous = abbr
    elif m and not re.search(r"\d", m.group(1)):
        raise DateError(f"unknown time-zone abbreviation {m.group(1)!r} in date {raw!r}")
    try:
        parsed = dateparser.isoparse(text)
    except ValueError:
        # dateutil fills missing parts from "today": only accept text that names its year.
        if not re.search(r"\b\d{4}\b", text):
            raise DateError(f"date {raw!r} is not understood") from None
        try:
            parsed = dateparser.parse(text, default=datetime(2000, 1, 1))
        except (ValueError, OverflowError):
            raise DateError(f"date {raw!r} is not understood") from None
    if tz is not None:
        if parsed.tzinfo is not None:
            raise DateError(f"date {raw!r} gives two time zones")
        parsed = parsed.replace(tzinfo=tz)
    return ParsedDate(_aware(parsed, default_tz), ambiguous)


def _aware(value: datetime, default_tz: tzinfo) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=default_tz)
    return value


def date_from_filename(name: str, default_tz: tzinfo) -> datetime | None:
    m = FILE_DATE.match(name)
    if not m:
        return None
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=default_tz)
    except ValueError:
        return None
