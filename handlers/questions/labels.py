"""Button labels of "Ask the team" that other screens show too (the menu, the help, the offer search)."""

from __future__ import annotations

from bot.i18n import N_

ASK_PAYLOAD = "ask:home"
ASK_LABEL = N_("💬 Ask the team")
NOT_FOUND_LABEL = N_("💬 Not what you need? Ask the team")
MY_QUESTIONS_LABEL = N_("📋 My questions")
