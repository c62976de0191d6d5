"""Leitung reads the audit log: newest first, fifty a page, filtered by action, kind and person."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.audit.log import AuditFilter, known_values, read
from bot.web.guard import Staff, guarded
from bot.web.rendering import render


def _as_text(data: dict[str, Any] | None) -> str:
    return "" if data is None else json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)


@guarded(Right.AUDIT)
async def audit_log(request: Request, staff: Staff) -> Response:
    query = request.query_params
    where = AuditFilter(action=query.get("action", "")[:64], object_type=query.get("type", "")[:40],
                        actor=query.get("actor", "")[:64])
    try:
        page_number = int(query.get("page", "1"))
    except ValueError:
        page_number = 1
    page = await read(staff.db, where, page_number)
    actions, types = await known_values(staff.db)
    return render(request, staff.translator, "audit.html", staff=staff, page=page, where=where, actions=actions,
                  types=types, as_text=_as_text)


ROUTES = [Route("/audit", audit_log, methods=["GET"])]
