"""Commands for publishing: `castpub serve`. Registered in cli.py."""

from __future__ import annotations

import threading

import click

from castpub.cli_common import Context, now_option, parse_now, user_errors, wait_option
from castpub.errors import CastpubError, InvalidInput


def _rebuild(obj: Context, now_text: str | None, wait_seconds: float) -> None:
    """One build for the preview; a mistake is reported and the last good feeds stay served."""
    from castpub.build import build
    from castpub.lock import project_lock

    try:
        with project_lock(obj.root, wait_seconds):
            result = build(obj.root, parse_now(now_text))
    except InvalidInput as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("not rebuilt; still serving the previous feeds", err=True)
        return
    except CastpubError as exc:
        click.echo(f"error: {exc}", err=True)
        return
    click.echo(
        f"rebuilt: {len(result.written)} file(s) written, {len(result.removed)} removed",
    )


@click.command()
@click.option(
    "--port", default=8000, show_default=True, help="Port to listen on (0: any free one)."
)
@click.option(
    "--bind",
    "host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default keeps the preview on this machine.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="How often to look for changed episodes, podcast.yaml and the store.",
)
@now_option
@wait_option
@click.pass_obj
def serve(
    obj: Context, port: int, host: str, interval: float, now_text: str | None, wait_seconds: float
) -> None:
    """Preview feeds/ over HTTP, rebuilding when an episode file changes. Ctrl-C stops it."""
    from castpub.config import load_show
    from castpub.serve import Watcher, make_server

    with user_errors():
        show = load_show(obj.root)
    _rebuild(obj, now_text, wait_seconds)
    show.feeds_dir.mkdir(parents=True, exist_ok=True)
    server = make_server(show.feeds_dir, host, port, obj.detail)
    watcher = Watcher(obj.root, lambda: _rebuild(obj, now_text, wait_seconds))
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop, interval), daemon=True)
    thread.start()
    click.echo(f"serving {show.feeds_dir} at http://{host}:{server.server_port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        stop.set()
        server.server_close()
