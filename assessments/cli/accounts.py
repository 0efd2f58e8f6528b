"""``assess accounts``: the network's agencies and people, from the command line (the first
administrator is made here; then the administrator's page does the rest)."""

from __future__ import annotations

import json

import click

from .common import console, handles_errors, json_option
from .history import open_history, store_option


@click.group("accounts")
def accounts_group() -> None:
    """The people and agencies of a network page (assess serve --accounts).

    \\b
    Example:
      assess accounts invite admin@network.example --role admin --store postgresql://db/network
      assess accounts agency "Harbor House" --store postgresql://db/network
    """


def _accounts(store: str | None):  # type: ignore[no-untyped-def]
    from ..accounts import Accounts

    return Accounts(open_history(store, create=True))


@accounts_group.command("agency")
@click.argument("name")
@store_option
@handles_errors
def agency_cmd(name: str, store: str | None) -> None:
    """Add an agency (its name is the organization its waves are kept under).

    \\b
    Example:
      assess accounts agency "Harbor House"
    """
    _accounts(store).create_agency(name)
    console().print(f"added the agency {name!r}", markup=False)


@accounts_group.command("invite")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "analyst", "agency"]), required=True)
@click.option("--agency", help="The agency of an agency user.")
@click.option("--public-url", default="", help="The page's address, to print the whole link.")
@store_option
@json_option
@handles_errors
def invite_cmd(
    email: str, role: str, agency: str | None, public_url: str, store: str | None, as_json: bool
) -> None:
    """Invite a person: prints the link that sets their password (once, within 72 hours).
    Send it to them yourself.

    \\b
    Example:
      assess accounts invite admin@network.example --role admin
    """
    token = _accounts(store).invite(email, role, agency=agency)
    link = f"{public_url.rstrip('/')}/invite/{token}"
    if as_json:
        click.echo(json.dumps({"ok": True, "email": email, "role": role, "link": link}))
        return
    console().print(f"invitation link for {email} (works once, for 72 hours):\n{link}",
                    markup=False)  # fmt: skip


@accounts_group.command("list")
@store_option
@json_option
@handles_errors
def list_cmd(store: str | None, as_json: bool) -> None:
    """The agencies and people of the network.

    \\b
    Example:
      assess accounts list
    """
    a = _accounts(store)
    users = a.users()
    if as_json:
        click.echo(json.dumps({"ok": True, "agencies": a.agencies(), "users": users}))
        return
    c = console()
    c.print("agencies: " + (", ".join(a.agencies()) or "none"), markup=False)
    for u in users:
        state = "disabled" if u["disabled"] else "active" if u["active"] else "invited"
        c.print(f"{u['email']}  {u['role']}  {u['agency'] or ''}  {state}", markup=False)


def register(cli: click.Group) -> None:
    """Add ``assess accounts`` to the ``assess`` group."""
    cli.add_command(accounts_group)
