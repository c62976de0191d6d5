"""The start page. For now it greets and leads to what exists; the day at a glance follows the
capabilities into the back office (issue 14), with real figures only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.accounts.roles import ROLE_LABELS
from bot.web.guard import Staff, guarded
from bot.web.rendering import render


@guarded()
async def home(request: Request, staff: Staff) -> Response:
    return render(request, staff.translator, "home.html", staff=staff, role_labels=ROLE_LABELS)


ROUTES = [Route("/", home, methods=["GET"])]
