"""A deterministic synthetic show for the benchmark, shaped like the seed episode.

Each episode has front matter, an intro, a YouTube embed (most with a playlist's list=) and a ~5 KB
interview transcript with speaker turns, links and emphasis. The store holds every video with a
duration (some with chapters) and every playlist with its entries, so a build needs no network.
Same N and seed, same bytes: the benchmark compares runs, so its input must never drift.
"""

from __future__ import annotations

import argparse
import json
import random
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

PLAYLISTS = 6
SPARE = 10  # store records for episodes the add-one step creates: the store stays warm
FIRST_DATE = datetime(2012, 1, 2, 9, 0, tzinfo=UTC)
NOW = "2026-11-26T00:00:00+00:00"  # the bench builds with --now so the corpus never ages
_VOCABULARY = (
    "the a we our cloud release deployment upgrade service node cluster team project upstream "
    "community operators containers network storage compute scheduler api testing gate review "
    "patch design summit cycle feature work that this with for from about which really think "
    "basically important new big next more people what when where how also just"
)
WORDS = _VOCABULARY.split()
NAMES = ("Rich", "Steve", "Emilien", "Lance", "Haïkel", "Julia", "Amy", "Thierry", "Doug", "Mo")
PODCAST_YAML = """\
title: Synthetic Interviews
description: A generated show for castpub's benchmark.
link: https://example.org/
feed_url: https://example.org/feeds/
language: en
author: Bench Community
owner:
  name: Bench Community
  email: bench@example.org
image: https://example.org/cover.png
categories:
  - Technology
explicit: false
episode_url: "https://example.org/blog/{year}/{month}/{slug}/"
timezone: UTC
authors:
  rbowen: Rich Bowen
"""


def video_id(n: int) -> str:
    """An 11-character YouTube-like id, unique per n (a digest's prefix would collide rarely)."""
    alphabet = string.ascii_letters + string.digits + "-_"
    value = (n * 0x9E3779B97F4A7C15 + 0x5851F42D4C957F2D) % 64**11
    chars = []
    for _ in range(11):
        value, rest = divmod(value, 64)
        chars.append(alphabet[rest])
    return "".join(chars)


def playlist_id(p: int) -> str:
    return f"PLbench{p:02d}" + "x" * 27


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    roll = rng.random()
    if roll < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://docs.example.org/{words[i]}/{rng.randint(1, 999)})"
    elif roll < 0.30:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    elif roll < 0.36:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    return " ".join(words).capitalize() + rng.choice(".?.")


def title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize()


def transcript(rng: random.Random, host: str, guest: str, size: int = 5000) -> str:
    turns: list[str] = []
    total = 0
    speaker = host
    while total < size:
        turn = f"{speaker}: " + " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))
        turns.append(turn)
        total += len(turn)
        speaker = guest if speaker == host else host
        if rng.random() < 0.2:  # a continuation paragraph without a speaker
            extra = " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
            turns.append(extra)
            total += len(extra)
    return "\n\n".join(turns)


def episode_playlist(n: int) -> int | None:
    """Most episodes belong to one playlist; every seventh to none."""
    return None if n % 7 == 0 else n % PLAYLISTS


def episode_name(n: int, date: datetime) -> str:
    return f"{date:%Y-%m-%d}-interview-number-{n:05d}.html.md"


def episode_date(n: int) -> datetime:
    return FIRST_DATE + timedelta(hours=13 * n, minutes=n % 60)


def episode_text(n: int, edit: int = 0) -> str:
    """The Markdown file of episode n; `edit` changes its transcript deterministically."""
    rng = random.Random(n * 7919 + edit)
    guest = NAMES[1 + n % (len(NAMES) - 1)]
    date = episode_date(n)
    p = episode_playlist(n)
    src = f"https://www.youtube.com/embed/{video_id(n)}" + (
        f"?list={playlist_id(p)}" if p is not None else ""
    )
    tags = ",".join(sorted({rng.choice(WORDS[4:20]) for _ in range(3)}))
    return (
        "---\n"
        f"title: '{guest}: {title(rng)} (part {n})'\n"
        "author: rbowen\n"
        f"date: {date:%Y-%m-%d %H:%M:%S} +00:00\n"
        f"tags: {tags}\n"
        "published: true\n"
        "---\n\n"
        f"{guest} talks about {sentence(rng)}\n\n"
        f'<iframe width="560" height="315" src="{src}" frameborder="0" allowfullscreen>'
        "</iframe>\n\n" + transcript(rng, "Rich", guest) + "\n"
    )


def video_record(n: int) -> dict[str, object]:
    rng = random.Random(n)
    vid = video_id(n)
    duration = rng.randint(300, 3600)
    record: dict[str, object] = {
        "id": vid,
        "title": f"Interview number {n}",
        "duration": duration,
        "upload_date": f"{episode_date(n):%Y%m%d}",
        "thumbnail": f"https://i.ytimg.com/vi/{vid}/maxresdefault.jpg",
        "availability": "public",
        "live_status": "not_live",
        "fetched_at": "2026-11-20T00:00:00+00:00",
    }
    if n % 5 == 0:
        step = duration // 4
        record["chapters"] = [
            {"start_time": i * step, "end_time": (i + 1) * step, "title": f"Part {i + 1}"}
            for i in range(4)
        ]
    return record


def store(count: int) -> dict[str, object]:
    videos = {video_id(n): video_record(n) for n in range(count)}
    playlists = {}
    for p in range(PLAYLISTS):
        members = [n for n in range(count) if episode_playlist(n) == p]
        playlists[playlist_id(p)] = {
            "id": playlist_id(p),
            "title": f"Conference {p + 1}",
            "entries": [{"id": video_id(n), "duration": 600} for n in members],
            "fetched_at": "2026-11-20T00:00:00+00:00",
        }
    return {"version": 1, "videos": videos, "playlists": playlists, "media": {}}


def write_store(root: Path, count: int) -> None:
    """Write data/youtube.json for `count` episodes (the add-one step extends it)."""
    data = json.dumps(store(count), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data" / "youtube.json").write_text(data, encoding="utf-8")


def write_episode(root: Path, n: int, edit: int = 0) -> Path:
    path = root / "episodes" / episode_name(n, episode_date(n))
    path.write_text(episode_text(n, edit), encoding="utf-8")
    return path


def generate(root: Path, count: int) -> None:
    """A show of `count` episodes in root (podcast.yaml, episodes/, data/youtube.json)."""
    (root / "episodes").mkdir(parents=True, exist_ok=True)
    (root / "podcast.yaml").write_text(PODCAST_YAML, encoding="utf-8")
    for n in range(count):
        write_episode(root, n)
    write_store(root, count + SPARE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("-n", "--episodes", type=int, default=1000)
    args = parser.parse_args()
    generate(args.root, args.episodes)


if __name__ == "__main__":
    main()
