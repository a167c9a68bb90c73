"""A loopback HTTP server for media tests: real bytes, Range requests, redirects, failures.

YouTube is unreachable from tests, so yt-dlp's generic extractor and requests talk to this server
instead. Each path's behaviour is set per test through `MediaServer.files` and its flags.
"""

from __future__ import annotations

import io
import socket
import struct
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real, playable mono WAV file of a quiet tone."""
    frames = bytes((128 + (i % 16)) for i in range(int(seconds * rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


@dataclass
class Served:
    body: bytes
    type: str = "audio/wav"
    send_length: bool = True  # False: answer without Content-Length (chunked-like close)
    die_after: int | None = None  # send this many bytes of a GET, then drop the connection
    die_on_get: int = 2  # which GET dies (yt-dlp's generic extractor probes with the first)
    gets: int = 0
    # Faults for tests/hostile/test_network_faults.py; each applies to every GET of the path.
    length: int | None = None  # the Content-Length to announce instead of the true one
    head_length: bool = True  # False: HEAD names no length (some CDNs), so castpub counts a GET
    reset_after: int | None = None  # send this many bytes, then reset the connection (RST)
    drip: float | None = None  # seconds between single bytes of the body (headers go at once)


@dataclass
class MediaServer:
    port: int = 0
    files: dict[str, Served] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)  # path -> error status to answer
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)  # ends drips at shutdown
    drip_limit: float = 20.0  # a drip stops itself after this many seconds whatever happens

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(server: MediaServer, resets: set[int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, head: bool) -> None:
            path = self.path.split("?", 1)[0]
            server.requests.append((self.command, path, self.headers.get("Range")))
            if path in server.redirects:
                self.send_response(302)
                self.send_header("Location", server.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            served = server.files.get(path)
            if path in server.status or served is None:
                self._error(server.status.get(path, 404))
                return
            start = self._range_start(len(served.body))
            body = served.body[start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", served.type)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", "Thu, 26 Nov 2026 10:00:00 GMT")
            if start:
                total = len(served.body)
                self.send_header("Content-Range", f"bytes {start}-{total - 1}/{total}")
            if served.send_length:
                length = len(body) if served.length is None else served.length
                if served.head_length or not head:
                    self.send_header("Content-Length", str(length))
            if not served.send_length or served.length is not None:
                # No length, or a lying one: the connection ends with the body.
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if head:
                return
            served.gets += 1
            if served.die_after is not None and served.gets == served.die_on_get:
                self.wfile.write(body[: served.die_after])
                self.wfile.flush()
                self.close_connection = True
                server.status[path] = 503  # stays down until the test brings it back
                return
            if served.reset_after is not None:
                self._reset(body[: served.reset_after])
            elif served.drip is not None:
                self._drip(body, served.drip)
            else:
                self.wfile.write(body)

        def _reset(self, sent: bytes) -> None:
            self.wfile.write(sent)
            self.wfile.flush()
            # Linger on, zero seconds: close() sends RST, not FIN, as a crashed peer or proxy does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            resets.add(self.connection.fileno())
            self.close_connection = True

        def _drip(self, body: bytes, interval: float) -> None:
            # Bounded by the body, by drip_limit and by shutdown: the server always stops itself.
            give_up = time.monotonic() + server.drip_limit
            for n in range(len(body)):
                if server.closing.is_set() or time.monotonic() > give_up:
                    break
                self.wfile.write(body[n : n + 1])
                self.wfile.flush()
                server.closing.wait(interval)
            self.close_connection = True

        def _range_start(self, size: int) -> int:
            value = self.headers.get("Range", "")
            if value.startswith("bytes=") and value[6:].split("-")[0].isdigit():
                start = int(value[6:].split("-")[0])
                return start if start < size else 0
            return 0

        def _error(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    resets: set[int]  # connections to end with RST: closed without the usual FIN first

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        if request.fileno() in self.resets:
            self.resets.discard(request.fileno())
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        # yt-dlp's extractor hangs up after probing the first bytes: not a test failure.
        pass


@contextmanager
def media_server() -> Iterator[MediaServer]:
    """Serve on 127.0.0.1, on a free port, in a thread, for the length of the block."""
    state = MediaServer()
    resets: set[int] = set()
    httpd = _QuietServer(("127.0.0.1", 0), _handler(state, resets))
    httpd.resets = resets
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.closing.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()
