"""``assess serve``: the local web page for people who never open a terminal."""

from __future__ import annotations

import click

from .common import console, handles_errors


@click.command("serve")
@click.option("--port", default=8765, show_default=True, help="First port to try.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but this computer (loopback) prints a warning: the "
    "page has no login.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@click.option(
    "--store",
    envvar="ASSESS_STORE",
    help="Assessment history for the 'Keep it' page (default: your data folder).",
)
@handles_errors
def serve_cmd(port: int, host: str, no_browser: bool, store: str | None) -> None:
    """Open a local web page to check, score and report an export without a terminal.

    \b
    Everything stays on this computer: uploads go to a private temporary folder that is
    deleted when you stop the page with Ctrl-C.

    \b
    Example:
      assess serve
    """
    from ..web.server import serve

    c = console()
    serve(
        host,
        port,
        open_browser=not no_browser,
        store=store,
        echo=lambda text: c.print(text, markup=False, highlight=False),
    )


def register(cli: click.Group) -> None:
    """Add ``assess serve`` to the ``assess`` group."""
    cli.add_command(serve_cmd)
