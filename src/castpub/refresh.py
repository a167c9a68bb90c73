"""`castpub refresh`: decide what the store lacks, ask YouTube politely, merge what came back.

Playlists come first (one flat request each gives ids, titles, durations and order), then a full
request for each video the store still needs (never fully fetched, or older than its max age).
The store is saved after every batch, so an interrupted refresh keeps what it got, and a failed
fetch never removes or overwrites what the store knew. Offline, timeouts and rate limits stop the
run: asking again would fail the same way, and asking a rate-limiting YouTube again makes it worse.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from castpub.config import Show
from castpub.episodes import Episode, find_episode_files, read_episode
from castpub.fetch import FetchFailed, Reason
from castpub.store import Store, save_store


class Fetcher(Protocol):
    def video(self, video_id: str) -> dict[str, Any]: ...

    def playlist(self, playlist_id: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Outcome:
    kind: str  # "video" or "playlist"
    id: str
    status: str  # "updated", "unchanged", "failed" or "skipped" (not asked: the run stopped)
    failure: FetchFailed | None = None


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    fresh: int = 0  # records the store already had recently enough: not asked
    stopped_by: FetchFailed | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failures(self) -> Counter[str]:
        return Counter(o.failure.reason.value for o in self.outcomes if o.failure)

    @property
    def stale(self) -> bool:
        """Some record could not be refreshed for a reason that may pass (not a private video)."""
        return any(
            o.status == "skipped" or (o.failure and o.failure.reason is not Reason.UNAVAILABLE)
            for o in self.outcomes
        )

    def line(self) -> str:
        failed = self.count("failed")
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.failures.items()))
        text = (
            f"refresh: {self.count('updated')} updated, {self.count('unchanged')} unchanged, "
            f"{self.fresh} already fresh, {failed} failed" + (f" ({reasons})" if failed else "")
        )
        skipped = self.count("skipped")
        return text + (f", {skipped} not asked" if skipped else "")


def read_episodes(show: Show) -> list[Episode]:
    """Every episode that reads; broken ones are the build's and check's business, not refresh's."""
    found = []
    for path in find_episode_files(show):
        episode = read_episode(path, show).episode
        if episode is not None:
            found.append(episode)
    return found


def referenced(show: Show, episodes: Iterable[Episode]) -> tuple[list[str], list[str]]:
    """(video ids, playlist ids) the episodes and podcast.yaml reference, in a stable order."""
    videos: dict[str, None] = {}
    playlists: dict[str, None] = dict.fromkeys(show.followed_playlists)
    for episode in episodes:
        if episode.video is not None:
            videos[episode.video.video_id] = None
        for ref in (episode.video, *episode.videos):
            if ref is not None and ref.playlist_id:
                playlists[ref.playlist_id] = None
    return list(videos), list(playlists)


def is_fresh(record: Mapping[str, Any] | None, max_age: timedelta, now: datetime) -> bool:
    if not record or not isinstance(record.get("fetched_at"), str):
        return False
    try:
        fetched = datetime.fromisoformat(record["fetched_at"])
    except ValueError:
        return False
    fetched = fetched if fetched.tzinfo else fetched.replace(tzinfo=UTC)
    return now - fetched <= max_age


@dataclass(frozen=True)
class Plan:
    playlists: list[str]
    videos: list[str]
    fresh: int


def plan(show: Show, store: Store, episodes: Iterable[Episode], now: datetime, force: bool) -> Plan:
    """What to ask YouTube: every record missing, older than its max age, or all with --all."""
    video_ids, playlist_ids = referenced(show, episodes)
    settings = show.youtube
    playlists = [
        p
        for p in playlist_ids
        if force or not is_fresh(store.playlists.get(p), settings.playlist_max_age, now)
    ]
    videos = [
        v
        for v in video_ids
        if force or not is_fresh(store.videos.get(v), settings.video_max_age, now)
    ]
    fresh = len(video_ids) + len(playlist_ids) - len(videos) - len(playlists)
    return Plan(playlists, videos, fresh)


class Pacer:
    """At least `interval` seconds between the starts of two requests, across all threads.

    Waiting on the stop event ends the wait at once when another thread hit a rate limit.
    """

    def __init__(
        self,
        interval: float,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.stop = stop
        self.clock = clock
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.stop.wait(start - now)


def fetched_at_text(now: datetime) -> str:
    return now.astimezone(UTC).replace(microsecond=0).isoformat()


def _without_time(record: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (record or {}).items() if k != "fetched_at"}


@dataclass
class Refresh:
    """One run: the store is merged in this (the main) thread only; workers just fetch."""

    show: Show
    store: Store
    fetcher: Fetcher
    now: datetime
    on_outcome: Callable[[Outcome], None] = lambda outcome: None
    stop: threading.Event = field(default_factory=threading.Event)
    summary: Summary = field(default_factory=Summary)
    dirty: bool = False  # merged something not yet saved

    def run(self, work: Plan, wanted_videos: Iterable[str] = ()) -> Summary:
        self.summary.fresh = work.fresh
        pacer = Pacer(self.show.youtube.sleep, self.stop)
        size = self.show.youtube.concurrency
        wanted = set(wanted_videos)
        with ThreadPoolExecutor(max_workers=size) as pool:
            for kind, ids in (("playlist", work.playlists), ("video", work.videos)):
                for batch in _batches(ids, size):
                    fetch = self._fetch_function(kind, pacer)
                    for item_id, result in zip(batch, pool.map(fetch, batch), strict=True):
                        self._merge(kind, item_id, result, wanted)
                    if self.dirty:  # an offline run leaves the store file as it was, even absent
                        save_store(self.show.store_path, self.store)
                        self.dirty = False
        return self.summary

    def _fetch_function(
        self, kind: str, pacer: Pacer
    ) -> Callable[[str], dict[str, Any] | FetchFailed | None]:
        ask = self.fetcher.playlist if kind == "playlist" else self.fetcher.video

        def fetch(item_id: str) -> dict[str, Any] | FetchFailed | None:
            if self.stop.is_set():
                return None
            pacer.wait()
            if self.stop.is_set():
                return None
            try:
                return ask(item_id)
            except FetchFailed as failure:
                if failure.reason.network:
                    self.stop.set()
                return failure

        return fetch

    def _merge(
        self, kind: str, item_id: str, result: dict[str, Any] | FetchFailed | None, wanted: set[str]
    ) -> None:
        if result is None:
            outcome = Outcome(kind, item_id, "skipped")
        elif isinstance(result, FetchFailed):
            outcome = self._failed(kind, item_id, result)
        else:
            outcome = self._merged(kind, item_id, result, wanted)
        self.summary.outcomes.append(outcome)
        self.on_outcome(outcome)

    def _failed(self, kind: str, item_id: str, failure: FetchFailed) -> Outcome:
        if failure.reason.network and self.summary.stopped_by is None:
            self.summary.stopped_by = failure
        if kind == "video" and failure.availability:
            # YouTube answered: keep the last known info, only mark that it is gone.
            record = {"id": item_id, "availability": failure.availability}
            self.store.merge_video(record, fetched_at_text(self.now))
            self.dirty = True
        return Outcome(kind, item_id, "failed", failure)

    def _merged(self, kind: str, item_id: str, info: dict[str, Any], wanted: set[str]) -> Outcome:
        info = {**info, "id": item_id}
        records = self.store.playlists if kind == "playlist" else self.store.videos
        known = len(records.get(item_id, {}).get("entries") or [])
        if kind == "playlist" and known and not info.get("entries"):
            # More likely a YouTube hiccup than a playlist emptied: never let it empty the feeds.
            failure = FetchFailed(
                Reason.ERROR, f"YouTube listed no videos; the store keeps the {known} it knew"
            )
            return Outcome(kind, item_id, "failed", failure)
        before = _without_time(records.get(item_id))
        if kind == "playlist":
            self.store.merge_playlist(info, fetched_at_text(self.now))
            fill_from_entries(self.store, info.get("entries") or [], wanted)
        else:
            self.store.merge_video(info, fetched_at_text(self.now))
        self.dirty = True
        changed = _without_time(records.get(item_id)) != before
        return Outcome(kind, item_id, "updated" if changed else "unchanged")


def fill_from_entries(store: Store, entries: Iterable[Any], wanted: set[str]) -> None:
    """Give wanted videos the title and duration a playlist entry carries when the store has none,
    so feeds have durations even when the videos' own requests fail. Such records carry no
    fetched_at: they still count as never fetched."""
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("id") not in wanted:
            continue
        record = store.videos.setdefault(str(entry["id"]), {"id": str(entry["id"])})
        for key in ("title", "duration"):
            if record.get(key) is None and entry.get(key) is not None:
                record[key] = entry[key]


def _batches(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def prepare(show: Show, store: Store, now: datetime, force: bool) -> tuple[Plan, list[str]]:
    """(what to ask, the videos episodes reference) for one run."""
    episodes = read_episodes(show)
    video_ids, _ = referenced(show, episodes)
    return plan(show, store, episodes, now, force), video_ids


def advice(failure: FetchFailed, show: Show) -> str:
    """What stopped the run, and what the person can do about it."""
    if failure.reason is Reason.RATE_LIMITED:
        cookies = (
            "youtube.cookies is set; a fresher cookies file may help"
            if show.youtube.cookies
            else "setting youtube.cookies in podcast.yaml to a cookies.txt exported from a "
            "signed-in browser helps"
        )
        return (
            f"YouTube is rate-limiting this machine ({failure.message}); stopped asking for the "
            f"rest of this run. Try again in an hour or more; {cookies}."
        )
    if failure.reason is Reason.TIMEOUT:
        return (
            f"YouTube did not answer within youtube.socket_timeout "
            f"({show.youtube.socket_timeout:g} s): {failure.message}; stopped asking. "
            "Run castpub refresh again later."
        )
    return (
        f"offline: YouTube cannot be reached ({failure.message}); stopped asking. "
        "Run castpub refresh again when online."
    )
