"""`quartiersbot staff`: back-office accounts for the server's administrator.

The same functions as the back office's account pages (bot/accounts/store.py), so a change here
is checked, takes effect and is audit-logged exactly as one made in the browser. Passwords are
asked twice on a terminal and never echoed; a script gives one on the first line of standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.accounts import store, totp
from bot.accounts.passwords import MIN_LENGTH
from bot.accounts.roles import ROLES, ROLES_NEEDING_TOTP
from bot.app import create_app
from bot.audit.log import Actor
from bot.config import Settings

CHANNELS = ("telegram", "matrix", "console")


def add_parser(commands: Any) -> None:
    staff = commands.add_parser("staff", help="back-office accounts: add, list, disable, enable, reset")
    actions = staff.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new account; the password is asked for (or read from standard input)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--totp", action="store_true", help="set up one-time codes now and show their QR code")
    add.add_argument("--link", action="append", default=[], metavar="CHANNEL:ID",
                     help="link a staff chat account of QB_STAFF_*_IDS, e.g. telegram:123456789 (repeatable)")
    actions.add_parser("list", help="all accounts with role, one-time codes and state")
    for name, text in (("disable", "disable an account and end its sessions"), ("enable", "enable it again")):
        actions.add_parser(name, help=text).add_argument("name")
    reset = actions.add_parser("reset", help="a new password; removes the one-time codes and ends all sessions")
    reset.add_argument("name")
    reset.add_argument("--role", choices=ROLES, help="also change the role")
    reset.add_argument("--totp", action="store_true", help="set up new one-time codes now and show their QR code")


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"New password (at least {MIN_LENGTH} characters): ")
        if getpass.getpass("The same again: ") != first:
            raise store.AccountError("The two passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    app = await create_app(settings)
    actor = Actor.command_line()
    try:
        async with app.sessions() as session, session.begin():
            now = app.clock.now()
            if arguments.action == "list":
                for account in await store.list_accounts(session):
                    codes = "one-time codes" if account.totp_confirmed else "no one-time codes"
                    state = f"disabled {account.disabled_at:%Y-%m-%d}" if account.disabled_at else "active"
                    links = ", ".join(f"{link.channel}:{link.channel_user_id}"
                                      for link in await store.links_of(session, account.id))
                    print(f"{account.name:24} {account.role:10} {codes:18} {state}" + (f"  {links}" if links else ""))
                return 0
            if arguments.action == "add":
                links = [_parse_link(text) for text in arguments.link]
                account = await store.create_account(session, arguments.name, arguments.role, read_password(), now,
                                                     actor)
                for channel, user_id in links:
                    await store.link_chat(session, account, channel, user_id, settings, now, actor)
                print(f"Account {account.name} ({account.role}) created.")
            else:
                found = await store.find(session, arguments.name)
                if found is None:
                    print(f"There is no account {arguments.name}.", file=sys.stderr)
                    return 1
                account = found
                if arguments.action == "disable":
                    ended = await store.disable_account(session, account, now, actor)
                    print(f"Account {account.name} disabled; {ended} session(s) ended.")
                elif arguments.action == "enable":
                    await store.enable_account(session, account, now, actor)
                    print(f"Account {account.name} enabled.")
                else:
                    if arguments.role:
                        await store.change_role(session, account, arguments.role, now, actor)
                    ended = await store.reset_password(session, account, read_password(), now, actor)
                    print(f"New password set for {account.name}; one-time codes removed; {ended} session(s) ended.")
            if arguments.action in {"add", "reset"}:
                if arguments.totp:
                    _show_totp(account.name, await store.set_up_totp_in_person(session, account, now, actor))
                elif account.role in ROLES_NEEDING_TOTP:
                    print("At the first login the back office asks to set up one-time codes (an authenticator app).")
    except store.AccountError as error:
        print(f"Nothing was changed: {error}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    return 0


def _parse_link(text: str) -> tuple[str, str]:
    channel, _, user_id = text.partition(":")
    if channel not in CHANNELS or not user_id:
        raise store.AccountError(f"--link {text}: write CHANNEL:ID with CHANNEL one of {', '.join(CHANNELS)}.")
    return channel, user_id


def _show_totp(name: str, secret: str) -> None:
    uri = totp.provisioning_uri(secret, name)
    print("Scan this with an authenticator app on the staff member's phone (or type the key below):")
    print(totp.qr_terminal(uri))
    print(f"Key: {secret}")
