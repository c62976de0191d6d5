"""Flow state in the database: one row per resident and flow, loaded and saved per message.

Handlers get plain dicts and mutate them; only flows whose dict changed are written back, so
a message that only reads costs no write. Changes are detected against a JSON snapshot taken
at load, which is much cheaper than deep copies of the state.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConversationState


def _snapshot(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


class FlowStates:
    def __init__(self, session: AsyncSession, resident_id: int, now: dt.datetime,
                 rows: list[ConversationState]) -> None:
        """`rows` are the resident's stored states, loaded together with the resident."""
        self._session = session
        self._resident_id = resident_id
        self._discarded = False
        self._now = now
        self._rows = {row.flow: row for row in rows}
        self._loaded = {row.flow: _snapshot(row.data) for row in rows}
        # Fresh objects: mutating the ORM's own loaded value would hide the change from it.
        self._current: dict[str, dict[str, Any]] = {
            flow: json.loads(snapshot) for flow, snapshot in self._loaded.items()
        }

    def get(self, flow: str) -> dict[str, Any]:
        """The flow's state, created empty on first use; mutate it in place."""
        return self._current.setdefault(flow, {})

    def reset(self) -> None:
        """Forget this message's changes (the handler gave up half-way)."""
        self._current = {flow: json.loads(snapshot) for flow, snapshot in self._loaded.items()}

    def clear(self, flow: str) -> None:
        self._current[flow] = {}

    @property
    def discarded(self) -> bool:
        return self._discarded

    def discard(self) -> None:
        """The resident was erased in this transaction: there is nothing left to save states for."""
        self._discarded = True

    async def save(self) -> None:
        if self._discarded:
            return
        for flow, data in self._current.items():
            snapshot = _snapshot(data)
            if snapshot == self._loaded.get(flow, "{}"):
                continue
            row = self._rows.get(flow)
            if not data:
                await self._session.execute(
                    delete(ConversationState).where(ConversationState.resident_id == self._resident_id,
                                                    ConversationState.flow == flow)
                )
                self._rows.pop(flow, None)
            else:
                if row is None:
                    row = ConversationState(resident_id=self._resident_id, flow=flow)
                    self._session.add(row)
                    self._rows[flow] = row
                row.data = json.loads(snapshot)  # a new object, so the ORM sees the change
                row.updated_at = self._now
            self._loaded[flow] = snapshot
