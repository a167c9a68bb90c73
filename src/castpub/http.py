"""The requests adapter: learn the byte length and MIME type of media an author hosts.

A HEAD request (following redirects) is enough for most hosts. Some answer HEAD without a
Content-Length; then the body is streamed and counted, never stored, because an enclosure's
length must be exact.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
from urllib3.exceptions import ReadTimeoutError

from castpub.fetch import STALL_FACTOR, FetchFailed, Learnt, Reason, watched

__all__ = ["learn_media"]

USER_AGENT = "castpub (podcast feed builder; learns enclosure sizes)"
CHUNK = 64 * 1024


def learn_media(url: str, session: requests.Session, timeout: float) -> Learnt:
    """Length and type of the file at url; raise FetchFailed (classified) when it fails."""

    def learn(alive: Callable[[], None]) -> Learnt:
        head = session.head(url, allow_redirects=True, timeout=timeout, headers=_headers())
        _raise_for(head, url)
        length = _length(head)
        if length is None:
            length = _counted(session, url, timeout, alive)
        return Learnt(url, length, _type(head))

    # requests bounds each read, not the transfer: a server dripping bytes would hold it for ever.
    try:
        return watched(learn, STALL_FACTOR * timeout, url)
    except requests.RequestException as exc:
        raise _classified(url, exc) from None


def _classified(url: str, exc: requests.RequestException) -> FetchFailed:
    # requests reports a read timeout while streaming as a ConnectionError wrapping urllib3's.
    if isinstance(exc, requests.Timeout) or any(isinstance(a, ReadTimeoutError) for a in exc.args):
        return FetchFailed(Reason.TIMEOUT, f"{url}: timed out ({exc})")
    if isinstance(exc, requests.ConnectionError):
        return FetchFailed(Reason.OFFLINE, f"{url}: cannot connect ({exc})")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        # Reset or cut off mid-body ("Connection broken"): network trouble, not a missing file.
        return FetchFailed(Reason.OFFLINE, f"{url}: connection broken mid-body ({exc})")
    return FetchFailed(Reason.UNAVAILABLE, f"{url}: {exc}")


def _headers() -> dict[str, str]:
    # identity: a gzip-encoded answer's Content-Length is not the file's length.
    return {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}


def _raise_for(response: requests.Response, url: str) -> None:
    status = response.status_code
    if status == 429:
        raise FetchFailed(Reason.RATE_LIMITED, f"{url}: HTTP 429 Too Many Requests")
    if status >= 500:
        raise FetchFailed(Reason.SERVER_ERROR, f"{url}: HTTP {status} {response.reason}")
    if status >= 400:
        raise FetchFailed(Reason.UNAVAILABLE, f"{url}: HTTP {status} {response.reason}")


def _length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _type(response: requests.Response) -> str | None:
    value = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    # A generic type says nothing; the file name's extension says more.
    return value if value and value not in ("application/octet-stream", "text/plain") else None


def _counted(session: requests.Session, url: str, timeout: float, alive: Callable[[], None]) -> int:
    with session.get(url, stream=True, timeout=timeout, headers=_headers()) as response:
        _raise_for(response, url)
        count = 0
        for chunk in response.iter_content(CHUNK):
            count += len(chunk)
            alive()
        return count
