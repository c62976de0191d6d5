"""Every table of the shared database in one metadata: the core's and each capability's.

A capability keeps its tables in `bot/<capability>/models.py`; importing this module loads them all,
so that Alembic compares the whole schema and the app's mappers find every table a foreign key names.
A new capability adds its models module here.
"""

from __future__ import annotations

import bot.accounts.models
import bot.activity.models
import bot.audit.models
import bot.db.models
import bot.events.models
import bot.offers.models
import bot.outbox.models
import bot.questions.models
import bot.queue.models
import bot.surveys.models  # noqa: F401
from bot.db.base import Base

metadata = Base.metadata
