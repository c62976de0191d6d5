"""Every table of the bot, for Alembic and for the check that models and migrations agree.

Capabilities keep their tables in their own package (`bot/<capability>/models.py`); importing
this module registers all of them on the one shared `Base.metadata`.
"""

from __future__ import annotations

import bot.accounts.models
import bot.audit.models
import bot.db.models  # noqa: F401
from bot.db.base import Base

metadata = Base.metadata
