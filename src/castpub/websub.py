"""WebSub (W3C): feeds name their hub, and a build that changed a feed tells the hub, which pushes
the news to subscribers at once instead of waiting for them to poll.

The only network a build does, and only with podcast.yaml `websub_hub`. A hub that is down costs a
few retries and a warning, never the build: the feeds are already in place and correct.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from castpub.model import Feed, FeedLink

if TYPE_CHECKING:
    import requests

ATTEMPTS = 3
BACKOFF_SECONDS = 1.0  # doubled after each failed attempt
TIMEOUT_SECONDS = 10.0
USER_AGENT = "castpub (WebSub publisher)"


def hub_links(hub: str | None) -> tuple[FeedLink, ...]:
    return (FeedLink("hub", hub),) if hub else ()


def changed_feed_urls(feeds: list[Feed], written: list[Path], feeds_dir: Path) -> list[str]:
    """Public URLs of the subscription feeds (not archive pages) whose file this build wrote."""
    changed = {path.relative_to(feeds_dir).as_posix() for path in written}
    urls = []
    for feed in feeds:
        if feed.archived:
            continue
        for relpath, url in ((feed.rss_path, feed.rss_url), (feed.atom_path, feed.atom_url)):
            if relpath in changed:
                urls.append(url)
    return urls


@dataclass
class Notifier:
    """Posts hub.mode=publish for each URL; retries server errors and network trouble."""

    hub: str
    attempts: int = ATTEMPTS
    backoff: float = BACKOFF_SECONDS
    timeout: float = TIMEOUT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=lambda: _requests().Session())

    def notify(self, urls: list[str]) -> list[str]:
        """Announce every URL; returns a warning per URL the hub did not take."""
        failures = []
        attempts = self.attempts
        for url in urls:
            problem = self._announce(url, attempts)
            if problem:
                failures.append(f"WebSub hub {self.hub} was not told about {url}: {problem}")
                # A hub that failed every retry is down: one try each for the other feeds, so a
                # dead hub costs the build seconds, not minutes.
                attempts = 1
        return failures

    def _announce(self, url: str, attempts: int) -> str | None:
        problem: str | None = "no attempt made"
        for attempt in range(attempts):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            problem, retry = self._post(url)
            if not problem or not retry:
                return problem
        return problem

    def _post(self, url: str) -> tuple[str | None, bool]:
        """(problem or None, whether another attempt may help)."""
        try:
            response = self.session.post(
                self.hub,
                data={"hub.mode": "publish", "hub.url": url},
                headers={"User-Agent": USER_AGENT},
                timeout=self.timeout,
            )
        except _requests().RequestException as exc:
            return _reason(exc), True
        if response.ok:
            return None, False
        # 429 and 5xx are the hub's passing trouble; any other 4xx is a refusal that repeats.
        retry = response.status_code == 429 or response.status_code >= 500
        return f"HTTP {response.status_code}", retry


def _requests() -> Any:
    """requests, imported when a hub is configured: the import costs a fifth of a second, more
    than a whole rebuild with nothing changed may take."""
    import requests

    return requests


def _reason(exc: requests.RequestException) -> str:
    """requests' messages nest three exceptions deep; the errno text is the part a person needs."""
    found = re.search(r"\[Errno -?\d+\] [^\"')]+", str(exc))
    return f"{type(exc).__name__}: {found.group(0) if found else str(exc)[:200]}"


def announce(hub: str | None, feeds: list[Feed], written: list[Path], feeds_dir: Path) -> list[str]:
    """Tell the hub about the subscription feeds a build changed; warnings for what failed."""
    urls = changed_feed_urls(feeds, written, feeds_dir) if hub else []
    # The backoff is read here, at call time, so a test can shorten it.
    return Notifier(hub, backoff=BACKOFF_SECONDS).notify(urls) if hub and urls else []
