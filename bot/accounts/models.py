"""The tables of staff accounts and their browser sessions.

Accounts are never deleted, only disabled, so the audit log can always name who did something.
A session row holds only a hash of its token: whoever reads the database (a backup, a dump)
cannot take over a staff member's session with it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Base32 secret of the one-time codes; it counts only once `totp_confirmed` (a first code was right).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The newest 30-second step a code was accepted for, so one code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16), default="de")
    created_at: Mapped[dt.datetime]
    password_changed_at: Mapped[dt.datetime]
    disabled_at: Mapped[dt.datetime | None]


class StaffChatLink(Base):
    """A staff chat account (one of `QB_STAFF_*_IDS`) that belongs to a staff account."""

    __tablename__ = "staff_chat_links"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    channel_user_id: Mapped[str] = mapped_column(String(255))


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    # SHA-256 of the random token in the cookie, hex.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    # False between the password and the one-time code: such a session opens nothing but the code's page.
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    revoked_at: Mapped[dt.datetime | None]
