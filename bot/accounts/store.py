"""Everything done to staff accounts, for the command line and the back office alike.

Each function changes one account inside the caller's transaction and writes its audit entry
there too. Disabling an account, resetting its password and changing its role end all its
sessions at once, so a person who left or lost a device is out everywhere. The last active
Leitung account cannot be disabled or lose its role, so the office cannot lock itself out of
its own accounts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts import passwords, totp
from bot.accounts.models import StaffAccount, StaffChatLink
from bot.accounts.roles import LEITUNG, ROLES
from bot.accounts.sessions import revoke_all
from bot.audit.log import Actor, record
from bot.config import Settings
from bot.i18n import N_

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
STAFF_LANGUAGES = ("de", "en")
OBJECT = "staff_account"


class AccountError(ValueError):
    """A change that is refused; the message is an English msgid the caller translates."""


def normalise_name(name: str) -> str:
    return name.strip().lower()


def snapshot(account: StaffAccount, links: Sequence[StaffChatLink] = ()) -> dict[str, Any]:
    """What the audit log keeps of an account: never the password hash or the one-time-code secret."""
    data: dict[str, Any] = {"name": account.name, "role": account.role, "language": account.language,
                            "one_time_codes": account.totp_confirmed, "disabled": account.disabled_at is not None}
    if links:
        data["chat_accounts"] = sorted(f"{link.channel}:{link.channel_user_id}" for link in links)
    return data


async def find(session: AsyncSession, name: str) -> StaffAccount | None:
    return await session.scalar(select(StaffAccount).where(StaffAccount.name == normalise_name(name)))


async def list_accounts(session: AsyncSession) -> Sequence[StaffAccount]:
    return (await session.scalars(select(StaffAccount).order_by(StaffAccount.name))).all()


async def links_of(session: AsyncSession, account_id: int) -> Sequence[StaffChatLink]:
    return (await session.scalars(select(StaffChatLink).where(StaffChatLink.account_id == account_id)
                                  .order_by(StaffChatLink.channel, StaffChatLink.channel_user_id))).all()


async def create_account(session: AsyncSession, name: str, role: str, password: str, now: dt.datetime,
                         actor: Actor) -> StaffAccount:
    name = normalise_name(name)
    if not NAME.fullmatch(name):
        raise AccountError(N_("A name has 2 to 64 small letters, digits, dots, hyphens or underscores."))
    _check_role(role)
    if await find(session, name) is not None:
        raise AccountError(N_("An account with this name exists already."))
    account = StaffAccount(name=name, role=role, password_hash=_hash(password), totp_confirmed=False,
                           language="de", created_at=now, password_changed_at=now)
    session.add(account)
    await session.flush()
    record(session, now, actor, "account.create", OBJECT, account.id, after=snapshot(account))
    return account


async def disable_account(session: AsyncSession, account: StaffAccount, now: dt.datetime, actor: Actor) -> int:
    """Disable and end every session; returns how many sessions were ended."""
    if account.disabled_at is not None:
        return 0
    await _keep_one_leitung(session, account)
    before = snapshot(account)
    account.disabled_at = now
    ended = await revoke_all(session, account.id, now)
    record(session, now, actor, "account.disable", OBJECT, account.id, before=before, after=snapshot(account))
    return ended


async def enable_account(session: AsyncSession, account: StaffAccount, now: dt.datetime, actor: Actor) -> None:
    if account.disabled_at is None:
        return
    before = snapshot(account)
    account.disabled_at = None
    record(session, now, actor, "account.enable", OBJECT, account.id, before=before, after=snapshot(account))


async def reset_password(session: AsyncSession, account: StaffAccount, password: str, now: dt.datetime,
                         actor: Actor) -> int:
    """A new password set by someone else; the one-time codes go too (the usual reason is a lost phone).

    Every session ends. Returns how many.
    """
    before = snapshot(account)
    account.password_hash = _hash(password)
    account.password_changed_at = now
    account.totp_secret, account.totp_confirmed, account.totp_last_step = None, False, None
    ended = await revoke_all(session, account.id, now)
    record(session, now, actor, "account.reset", OBJECT, account.id, before=before, after=snapshot(account))
    return ended


async def change_role(session: AsyncSession, account: StaffAccount, role: str, now: dt.datetime,
                      actor: Actor) -> None:
    _check_role(role)
    if role == account.role:
        return
    if account.role == LEITUNG:
        await _keep_one_leitung(session, account)
    before = snapshot(account)
    account.role = role
    await revoke_all(session, account.id, now)  # the new rights apply from the next login
    record(session, now, actor, "account.role", OBJECT, account.id, before=before, after=snapshot(account))


async def change_own_password(session: AsyncSession, account: StaffAccount, current: str, new: str,
                              now: dt.datetime, keep_session: str | None = None) -> None:
    """The staff member's own change: needs the current password; ends their other sessions."""
    right, _ = passwords.verify(account.password_hash, current)
    if not right:
        raise AccountError(N_("The current password is not right."))
    account.password_hash = _hash(new)
    account.password_changed_at = now
    await revoke_all(session, account.id, now, keep=keep_session)
    record(session, now, Actor(account.name, account.id), "account.password", OBJECT, account.id)


async def set_language(session: AsyncSession, account: StaffAccount, code: str, now: dt.datetime) -> None:
    if code not in STAFF_LANGUAGES:
        raise AccountError(N_("This language is not offered for the back office."))
    if code == account.language:
        return
    before = snapshot(account)
    account.language = code
    record(session, now, Actor(account.name, account.id), "account.language", OBJECT, account.id,
           before=before, after=snapshot(account))


def begin_totp(account: StaffAccount) -> str:
    """A new secret, kept unconfirmed until a first code proves the app has it. Codes in use stay valid."""
    if account.totp_confirmed and account.totp_secret:
        raise AccountError(N_("One-time codes are already set up."))
    if not account.totp_secret:
        account.totp_secret = totp.new_secret()
    return account.totp_secret


async def confirm_totp(session: AsyncSession, account: StaffAccount, code: str, now: dt.datetime) -> bool:
    if account.totp_secret is None or account.totp_confirmed:
        return False
    step = totp.accepted_step(account.totp_secret, code, now, account.totp_last_step)
    if step is None:
        return False
    before = snapshot(account)
    account.totp_confirmed, account.totp_last_step = True, step
    record(session, now, Actor(account.name, account.id), "account.totp", OBJECT, account.id,
           before=before, after=snapshot(account))
    return True


async def set_up_totp_in_person(session: AsyncSession, account: StaffAccount, now: dt.datetime,
                                actor: Actor) -> str:
    """A new secret, confirmed at once: the administrator shows its QR code to the staff member in person."""
    before = snapshot(account)
    account.totp_secret, account.totp_confirmed, account.totp_last_step = totp.new_secret(), True, None
    record(session, now, actor, "account.totp", OBJECT, account.id, before=before, after=snapshot(account))
    return account.totp_secret


def check_code(account: StaffAccount, code: str, now: dt.datetime) -> bool:
    """A login's one-time code; an accepted code's step is remembered so it cannot be used again."""
    if not (account.totp_confirmed and account.totp_secret):
        return False
    step = totp.accepted_step(account.totp_secret, code, now, account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


async def link_chat(session: AsyncSession, account: StaffAccount, channel: str, channel_user_id: str,
                    settings: Settings, now: dt.datetime, actor: Actor) -> None:
    """Link a staff chat account; only ids configured in QB_STAFF_*_IDS are staff on their channel."""
    if channel_user_id not in settings.staff_ids(channel):
        raise AccountError(N_("This chat account is not among the configured staff chat accounts "
                              "(QB_STAFF_*_IDS)."))
    taken = await session.scalar(select(StaffChatLink).where(StaffChatLink.channel == channel,
                                                             StaffChatLink.channel_user_id == channel_user_id))
    if taken is not None:
        raise AccountError(N_("This chat account is linked to a staff account already."))
    before = snapshot(account, await links_of(session, account.id))
    session.add(StaffChatLink(account_id=account.id, channel=channel, channel_user_id=channel_user_id))
    await session.flush()
    record(session, now, actor, "account.link", OBJECT, account.id, before=before,
           after=snapshot(account, await links_of(session, account.id)))


def _hash(password: str) -> str:
    try:
        return passwords.hash_password(password)
    except passwords.PasswordRejected as error:
        raise AccountError(str(error)) from None


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(N_("Unknown role."))


async def _keep_one_leitung(session: AsyncSession, account: StaffAccount) -> None:
    if account.role != LEITUNG or account.disabled_at is not None:
        return
    others = await session.scalar(select(func.count(StaffAccount.id)).where(
        StaffAccount.role == LEITUNG, StaffAccount.disabled_at.is_(None), StaffAccount.id != account.id))
    if not others:
        raise AccountError(N_("This is the last active management account; create another one first."))
