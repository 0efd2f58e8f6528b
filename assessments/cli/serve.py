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
@click.option(
    "--keep-days",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Keep each assessment (uploads, choices, reports) this many days after its last "
    "change, in your data folder; 0 keeps nothing after the page stops.",
)
@click.option(
    "--accounts",
    is_flag=True,
    help="Network mode: people sign in, and each agency sees only its own waves (needs --store; "
    "PostgreSQL for a network). Make the first administrator with assess accounts invite.",
)
@click.option(
    "--public-url",
    help="Network mode behind a TLS reverse proxy: the address people open, e.g. "
    "https://assess.network.example (its host and origin are then accepted).",
)
@handles_errors
def serve_cmd(
    port: int,
    host: str,
    no_browser: bool,
    store: str | None,
    keep_days: float,
    accounts: bool,
    public_url: str | None,
) -> None:
    """Open a local web page to check, score and report an export without a terminal.

    \b
    Everything stays on this computer: your assessments are kept in a private folder of
    your data folder until you delete them on the start page or they have not changed for
    --keep-days days (0: a temporary folder deleted when you stop the page with Ctrl-C).

    \b
    Example:
      assess serve
      assess serve --accounts --store postgresql://assess@db/network --public-url https://assess.example.org
    """
    from ..errors import Problem, ResponseError
    from ..web.server import serve

    if accounts and not store:
        raise ResponseError(
            Problem(
                "missing-option",
                "network mode keeps its accounts in the history store: give --store",
                hint="--store postgresql://user@host/database (or ASSESS_STORE)",
            )
        )
    c = console()
    serve(
        host,
        port,
        open_browser=not no_browser and not accounts,
        store=store,
        keep_days=keep_days,
        accounts=accounts,
        public_url=public_url,
        echo=lambda text: c.print(text, markup=False, highlight=False),
    )


def register(cli: click.Group) -> None:
    """Add ``assess serve`` to the ``assess`` group."""
    cli.add_command(serve_cmd)
