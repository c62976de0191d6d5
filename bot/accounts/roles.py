"""Roles and what each may do: one table, read by the back office's routes and by the tests.

Rights are named after the office's work, not after screens, so a new screen picks the right
that fits its work and the table stays short.
"""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_


class Right(StrEnum):
    CONTENT = "content"  # offers, events, Sprechstunde hours, surveys
    DESK = "desk"  # the Sprechstunde desk
    QUESTIONS = "questions"  # residents' questions
    FIGURES = "figures"  # anonymous figures for the city's controlling
    PERSONAL_EXPORTS = "personal_exports"  # exports with personal data
    ACCOUNTS = "accounts"  # staff accounts
    AUDIT = "audit"  # reading the audit log


LEITUNG, TEAM, REDAKTION = "leitung", "team", "redaktion"
ROLES: tuple[str, ...] = (LEITUNG, TEAM, REDAKTION)
ROLE_LABELS: dict[str, str] = {LEITUNG: N_("Management"), TEAM: N_("Team"), REDAKTION: N_("Editorial")}

RIGHTS: dict[str, frozenset[Right]] = {
    LEITUNG: frozenset(Right),
    TEAM: frozenset({Right.CONTENT, Right.DESK, Right.QUESTIONS, Right.FIGURES}),
    REDAKTION: frozenset({Right.CONTENT}),
}
# Leitung reaches accounts and personal data: a stolen password alone must not be enough.
ROLES_NEEDING_TOTP = frozenset({LEITUNG})


def may(role: str, right: Right) -> bool:
    return right in RIGHTS.get(role, frozenset())
