"""Flow state in the database: one row per resident and flow, loaded and saved per message.

Handlers get plain dicts and mutate them; only flows whose dict changed are written back, so
a message that only reads costs no write for the flows it did not touch.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationState


class FlowStates:
    def __init__(self, session: AsyncSession, resident_id: int, now: dt.datetime,
                 rows: list[ConversationState]) -> None:
        """`rows` are the resident's stored states, loaded together with the resident."""
        self._session = session
        self._resident_id = resident_id
        self._now = now
        self._rows: dict[str, ConversationState] = {}
        self._loaded: dict[str, dict[str, Any]] = {}
        self._current: dict[str, dict[str, Any]] = {}
        for row in rows:
            self._rows[row.flow] = row
            self._loaded[row.flow] = copy.deepcopy(row.data)
            self._current[row.flow] = copy.deepcopy(row.data)

    def get(self, flow: str) -> dict[str, Any]:
        """The flow's state, created empty on first use; mutate it in place."""
        return self._current.setdefault(flow, {})

    def reset(self) -> None:
        """Forget this message's changes (the handler gave up half-way)."""
        self._current = copy.deepcopy(self._loaded)

    def clear(self, flow: str) -> None:
        self._current[flow] = {}

    async def save(self) -> None:
        for flow, data in self._current.items():
            if data == self._loaded.get(flow, {}) and (flow in self._rows or not data):
                continue
            row = self._rows.get(flow)
            if not data:
                if row is not None:
                    await self._session.execute(
                        delete(ConversationState).where(
                            ConversationState.resident_id == self._resident_id,
                            ConversationState.flow == flow,
                        )
                    )
                    del self._rows[flow]
                continue
            if row is None:
                row = ConversationState(resident_id=self._resident_id, flow=flow, data={})
                self._session.add(row)
                self._rows[flow] = row
            row.data = copy.deepcopy(data)
            row.updated_at = self._now
            self._loaded[flow] = copy.deepcopy(data)
