"""The waiting room's screen (a TV in the Quartiersladen), reached by its secret link instead of a login,
and the page where Leitung makes, renews or switches off that link.

The screen shows the numbers called and to which desk, the next numbers, and one line in the residents'
languages; with no Sprechstunde open, the next dates. It holds nothing personal and no id: numbers as
read out, desks, times. It fetches its live part every 1.5 seconds (`static/live.js`); `static/screen.js`
plays a short tone at a new call once someone has switched the sound on (browsers allow sound only after
a tap). A wrong link gets 404, and an address trying many wrong links is paused (429); a screen with the
right link asking every few seconds is never counted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.accounts.roles import Right
from bot.audit.log import record
from bot.i18n import Translator
from bot.languages import BY_CODE
from bot.queue import screen_link
from bot.queue.board import (
    DESK,
    NEXT_DATES,
    NEXT_NUMBERS,
    NO_DATES,
    NOTHING_OPEN,
    NOW_CALLED,
    SCREEN_LANGUAGES,
    WAIT_LINE,
    Board,
    board,
)
from bot.queue.schedule import Slot
from bot.web.guard import Staff, guarded, public
from bot.web.rendering import fragment, render, staff_translator
from bot.web.security import with_own_scripts

# Asked often enough that a number called shows within two seconds; the page is a few indexed reads.
EVERY_MS = 1500
WRONG_LINKS = parse("30/10 minutes")  # per client address; a screen with its right link is never counted


class ScreenThrottle:
    """Wrong screen links per client address, in this process's memory, like the login throttle."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allowed(self, address: str) -> bool:
        return self._limiter.test(WRONG_LINKS, "screen", address)

    def failed(self, address: str) -> None:
        self._limiter.hit(WRONG_LINKS, "screen", address)


@dataclass(frozen=True)
class Line:
    code: str
    text: str
    right_to_left: bool


def wait_lines(zone: ZoneInfo, message: str = WAIT_LINE) -> list[Line]:
    """One message in each of the screen's languages, each marked with its language and direction."""
    return [Line(code, Translator.for_language(code, zone).gettext(message), BY_CODE[code].right_to_left)
            for code in SCREEN_LANGUAGES]


def _both(zone: ZoneInfo, message: str) -> str:
    """A heading in German and English: the numbers and arrows say the rest."""
    german, english = Translator.for_language("de", zone).gettext(message), message
    return german if german == english else f"{german} · {english}"


def _view(request: Request, shown: Board) -> dict[str, Any]:
    web = request.app.state.web.app
    zone = web.settings.zone
    german = Translator.for_language("de", zone)

    def slot_line(slot: Slot) -> str:
        day = german.local(slot.starts_at)
        languages = ", ".join(BY_CODE[code].native_name if code in BY_CODE else code for code in slot.languages)
        text = (f"{german.weekday(day.weekday())}, {german.date(day.date())}, "
                f"{german.time(slot.starts_at)}–{german.time(slot.ends_at)}")
        return f"{text} ({languages})" if languages else text

    calls = [call for hours in shown.open for call in hours.calls]
    return {"board": shown, "now_called": _both(zone, NOW_CALLED), "next_numbers": _both(zone, NEXT_NUMBERS),
            "desk_label": lambda desk: german.gettext(DESK).format(desk=desk), "time": german.time,
            "slot_line": slot_line, "lines": wait_lines(zone, WAIT_LINE if shown.open else NOTHING_OPEN),
            "clock": german.time(web.clock.now()), "next_dates": german.gettext(NEXT_DATES),
            "no_dates": german.gettext(NO_DATES),
            "calls": ",".join(hashlib.sha256(f"{call.number}|{call.desk}|{call.called_at.isoformat()}".encode())
                              .hexdigest()[:12] for call in calls)}


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _board_for(request: Request) -> Board | Response:
    """The board of the quarter whose link this is; or the refusal, with nothing that says why."""
    web = request.app.state.web
    address = _address(request)
    if not web.screen_throttle.allowed(address):
        return PlainTextResponse("Too many requests.", status_code=429, headers={"retry-after": "600"})
    now = web.app.clock.now()
    async with web.app.sessions() as db, db.begin():
        quarter = await screen_link.quarter_of(db, request.path_params["token"], now)
        if quarter is None:
            web.screen_throttle.failed(address)
            return PlainTextResponse("Not found.", status_code=404)
        return await board(db, quarter, now, web.app.settings.zone)


def _live(request: Request, view: dict[str, Any]) -> tuple[Markup, str]:
    inner = fragment(request, staff_translator("de", request.app.state.web.app.settings.zone), "_screen_live.html",
                     **view)
    return Markup(inner), hashlib.sha256(inner.encode()).hexdigest()[:16]  # our own template's output, escaped


@public
async def screen(request: Request) -> Response:
    shown = await _board_for(request)
    if isinstance(shown, Response):
        return shown
    view = _view(request, shown)
    live, version = _live(request, view)
    token = request.path_params["token"]
    return with_own_scripts(render(
        request, staff_translator("de", request.app.state.web.app.settings.zone), "screen.html", live=live,
        version=version, layout="screen", live_url=f"/screen/{token}/live", every=EVERY_MS, **view))


@public
async def screen_live(request: Request) -> Response:
    shown = await _board_for(request)
    if isinstance(shown, Response):
        return shown
    view = _view(request, shown)
    live, version = _live(request, view)
    return render(request, staff_translator("de", request.app.state.web.app.settings.zone), "_live.html",
                  live=live, version=version, layout="screen", live_url=f"/screen/{request.path_params['token']}/live",
                  calls=view["calls"], every=EVERY_MS)


async def _admin_page(request: Request, staff: Staff, *, link: str | None = None, renewed: bool = False,
                      status_code: int = 200) -> Response:
    row = await screen_link.current(staff.db, request.app.state.web.app.settings.quarter)
    return render(request, staff.translator, "desk_screen.html", status_code=status_code, staff=staff, row=row,
                  link=link, renewed=renewed, done=request.query_params.get("done"),
                  unused_days=screen_link.UNUSED_DAYS)


@guarded(Right.ACCOUNTS)
async def link_page(request: Request, staff: Staff) -> Response:
    return await _admin_page(request, staff)


@guarded(Right.ACCOUNTS)
async def renew(request: Request, staff: Staff) -> Response:
    """A new link, shown once: only its hash is kept. The old link stops at once."""
    if (await request.form()).get("renew") != "yes":
        return await _admin_page(request, staff, status_code=400)
    web = request.app.state.web.app
    now = web.clock.now()
    before = await screen_link.current(staff.db, web.settings.quarter)
    token = await screen_link.renew(staff.db, web.settings.quarter, now)
    row = await screen_link.current(staff.db, web.settings.quarter)
    assert row is not None
    record(staff.db, now, staff.actor, "screen.link.renew" if before else "screen.link.create", "waiting_room_screen",
           row.id)
    base = web.settings.web_base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return await _admin_page(request, staff, link=f"{base}/screen/{token}", renewed=before is not None)


@guarded(Right.ACCOUNTS)
async def switch_off(request: Request, staff: Staff) -> Response:
    if (await request.form()).get("off") != "yes":
        return await _admin_page(request, staff, status_code=400)
    web = request.app.state.web.app
    row = await screen_link.current(staff.db, web.settings.quarter)
    if row is not None and await screen_link.switch_off(staff.db, web.settings.quarter):
        record(staff.db, web.clock.now(), staff.actor, "screen.link.off", "waiting_room_screen", row.id)
    return RedirectResponse("/desk/screen?done=off", status_code=303)


ROUTES = [
    Route("/screen/{token}", screen, methods=["GET"]),
    Route("/screen/{token}/live", screen_live, methods=["GET"]),
    Route("/desk/screen", link_page, methods=["GET"]),
    Route("/desk/screen", renew, methods=["POST"]),
    Route("/desk/screen/off", switch_off, methods=["POST"]),
]
