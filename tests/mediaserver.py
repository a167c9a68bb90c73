"""A loopback HTTP server for media tests: real bytes, Range requests, redirects, failures.

YouTube is unreachable from tests, so yt-dlp's generic extractor and requests talk to this server
instead. Each path's behaviour is set per test through `MediaServer.files` and its flags.
"""

from __future__ import annotations

import io
import threading
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


@dataclass
class MediaServer:
    port: int = 0
    files: dict[str, Served] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)  # path -> error status to answer
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(server: MediaServer) -> type[BaseHTTPRequestHandler]:
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
                self.send_header("Content-Length", str(len(body)))
            else:
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
            self.wfile.write(body)

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

    def handle_error(self, request: object, client_address: object) -> None:
        # yt-dlp's extractor hangs up after probing the first bytes: not a test failure.
        pass


@contextmanager
def media_server() -> Iterator[MediaServer]:
    """Serve on 127.0.0.1, on a free port, in a thread, for the length of the block."""
    state = MediaServer()
    httpd = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
