"""Who is staff: configured per channel by account id, so nobody can become staff by what they type."""

from __future__ import annotations

from bot.config import Settings


def is_staff(settings: Settings, channel: str, user_id: str) -> bool:
    return user_id in settings.staff_ids(channel)
