"""Staff keep the Sprechstunde hours in the browser: times, settings, titles and closed dates.

Each test works on a database of its own (`own`): it changes the quarter's only Sprechstunde.
The moment is Tuesday 24 November 2026, 10:30, during the Tuesday hours (10:00–13:00).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.clock import FixedClock
from bot.content.exporter import export_folder
from bot.content.importer import import_folder
from bot.outbox.models import OutboxMessage
from bot.queue.models import UNSERVED, Consultation, QueueSession, QueueTicket
from tests.support.chat import Chat
from tests.support.databases import BERLIN
from tests.support.queue import take_number
from tests.support.web import Browser, audit, browser, make_account

VERSION = re.compile(r'name="version" value="([^"]+)"')


async def consultation(app: App) -> Consultation:
    async with app.sessions() as session:
        row = await session.scalar(select(Consultation).where(Consultation.quarter == app.settings.quarter))
        assert row is not None
        return row


def hours_form(page: str, **changes: str) -> dict[str, str]:
    """The form as the Quartiersladen's example fills it, with `changes`; the version as the page carries it."""
    found = VERSION.search(page.split('<h2 id="hours">', 1)[-1])  # not a "checked" button's version above it
    assert found, "the page has no hours form"
    titles = {"de": "Offene Sprechstunde im Quartiersladen", "en": "Walk-in consultation at the Quartiersladen"}
    data = {"version": found.group(1), "rows": "3",
            "weekly-0-day": "tue", "weekly-0-start": "10:00", "weekly-0-end": "13:00", "weekly-0-languages": "de, ro",
            "weekly-1-day": "thu", "weekly-1-start": "14:00", "weekly-1-end": "18:00", "weekly-1-languages": "de, ar",
            "weekly-2-day": "", "weekly-2-start": "", "weekly-2-end": "", "weekly-2-languages": "",
            "desks": "2", "numbers_before_minutes": "30", "no_show_minutes": "5", "late_minutes": "60",
            "minutes_per_person": "15", **{f"title-{code}": text for code, text in titles.items()}}
    return {**data, **changes}


async def post_form(page: Browser, path: str, data: dict[str, Any]) -> Any:
    """POST with repeated fields (the topic checkboxes), with the CSRF token of the page last fetched."""
    return await page.client.post(path, data={"csrftoken": page.token(), **data})


async def round_trip(app: App, tmp_path: Path) -> dict[str, int]:
    await export_folder(app.sessions, tmp_path / "export", app.settings.quarter)
    report = await import_folder(app.sessions, tmp_path / "export", app.settings.quarter, app.clock)
    return {name: count for name, count in report.counts.items() if name.startswith("sprechstunden.")}


async def test_a_team_member_changes_the_weekly_hours_and_the_export_round_trips(own: App, tmp_path: Path,
                                                                                  clock: FixedClock) -> None:
    team, _ = await make_account(own, "team")
    row = await consultation(own)
    clock.advance(dt.timedelta(minutes=5))
    async with browser(own) as page:
        await page.login(team.name)
        listing = await page.get("/sprechstunden")
        assert "Offene Sprechstunde im Quartiersladen" in listing.text and "Dienstag 10:00–13:00" in listing.text
        await page.get(f"/sprechstunden/{row.id}")
        data = hours_form(page.page, **{"weekly-2-day": "fri", "weekly-2-start": "09:00", "weekly-2-end": "11:30",
                                        "weekly-2-languages": "de pl", "desks": "3", "title-tr": "Danışma saati"})
        saved = await post_form(page, f"/sprechstunden/{row.id}", {**data, "topics": ["housing", "work"]})
        assert saved.status_code == 303 and saved.headers["location"] == f"/sprechstunden/{row.id}?done=saved"
        shown = await page.get(f"/sprechstunden/{row.id}", done="saved")
        assert "Gespeichert." in shown.text and "Freitag 09:00–11:30 (de, pl)" in shown.text

    changed = await consultation(own)
    assert changed.weekly[2] == {"weekday": 4, "start": "09:00", "end": "11:30", "languages": ["de", "pl"]}
    assert changed.desks == 3 and changed.topics == ["housing", "work"]
    assert changed.titles == {"de": "Offene Sprechstunde im Quartiersladen",
                              "en": "Walk-in consultation at the Quartiersladen", "tr": "Danışma saati"}
    assert changed.updated_at == clock.now() > row.updated_at and changed.content_hash != row.content_hash
    [entry] = await audit(own, "sprechstunde.update")
    assert entry.actor == team.name and entry.object_id == str(row.id)
    assert entry.before is not None and entry.after is not None
    assert entry.before["desks"] == 2 and entry.after["desks"] == 3 and "place" not in entry.after
    assert len(entry.after["weekly"]) == 3 and len(entry.before["weekly"]) == 2
    assert await round_trip(own, tmp_path) == {"sprechstunden.unchanged": 1}


async def test_mistakes_are_named_next_to_their_fields_and_nothing_is_saved(own: App) -> None:
    team, _ = await make_account(own, "redaktion")
    row = await consultation(own)
    async with browser(own) as page:
        await page.login(team.name)
        await page.get(f"/sprechstunden/{row.id}")
        data = hours_form(page.page, **{"desks": "0", "no_show_minutes": "fünf", "weekly-0-start": "abc",
                                        "weekly-2-day": "thu", "weekly-2-start": "09:00", "weekly-2-end": "08:00",
                                        "title-de": ""})
        refused = await post_form(page, f"/sprechstunden/{row.id}", data)
        assert refused.status_code == 400
        assert "Bitte geben Sie eine ganze Zahl von 1 bis 20 ein." in refused.text
        assert "Bitte geben Sie eine ganze Zahl von 1 bis 60 ein." in refused.text
        assert "Bitte geben Sie eine Uhrzeit ein" in refused.text and 'value="abc"' in refused.text
        assert "Bitte wählen Sie mindestens ein Thema." in refused.text
        assert "Der deutsche Titel ist nötig" in refused.text
        assert 'value="fünf"' in refused.text  # what was typed stays

        schema = await post_form(page, f"/sprechstunden/{row.id}", {
            **hours_form(page.page, **{"weekly-1-languages": "de, xx1", "weekly-2-day": "fri",
                                       "weekly-2-start": "09:00", "weekly-2-end": "08:00", "title-en": "E" * 121}),
            "topics": ["housing"]})
        assert schema.status_code == 400
        for message in ("Das Ende muss nach dem Beginn liegen.", "Unbekanntes Sprachkürzel", "Höchstens 120 Zeichen."):
            assert message in schema.text, message
        assert 'aria-invalid="true" aria-describedby="error-title-en"' in schema.text
        overlap = await post_form(page, f"/sprechstunden/{row.id}", {
            **hours_form(page.page, **{"weekly-2-day": "tue", "weekly-2-start": "12:00", "weekly-2-end": "14:00"}),
            "topics": ["housing"]})
        assert overlap.status_code == 400 and "Diese Zeiten überschneiden sich" in overlap.text
        assert 'aria-describedby="error-weekly-2-start"' in overlap.text
    unchanged = await consultation(own)
    assert unchanged.content_hash == row.content_hash and unchanged.desks == 2
    assert await audit(own, "sprechstunde.update") == []


async def test_two_staff_members_saving_the_same_hours_lose_no_edit(own: App) -> None:
    first, _ = await make_account(own, "team")
    second, _ = await make_account(own, "redaktion")
    row = await consultation(own)
    async with browser(own) as office, browser(own) as tablet:
        await office.login(first.name)
        await tablet.login(second.name)
        await office.get(f"/sprechstunden/{row.id}")
        await tablet.get(f"/sprechstunden/{row.id}")
        office_form, tablet_form = hours_form(office.page, desks="3"), hours_form(tablet.page, late_minutes="45")
        assert (await post_form(office, f"/sprechstunden/{row.id}",
                                {**office_form, "topics": ["housing"]})).status_code == 303
        late = await post_form(tablet, f"/sprechstunden/{row.id}", {**tablet_form, "topics": ["housing"]})
        assert late.status_code == 409 and "Jemand anderes hat diese Sprechstunde inzwischen geändert" in late.text
        assert 'value="45"' in late.text  # the second edit is still in the form
        assert (await consultation(own)).desks == 3 and (await consultation(own)).late_minutes == 60
        tablet.page = late.text
        again = await post_form(tablet, f"/sprechstunden/{row.id}", {**hours_form(late.text, desks="3",
                                                                                   late_minutes="45"),
                                                                     "topics": ["housing"]})
        assert again.status_code == 303
    saved = await consultation(own)
    assert (saved.desks, saved.late_minutes) == (3, 45)


async def test_closed_dates_are_added_and_removed_but_never_in_the_past(own: App, clock: FixedClock,
                                                                       tmp_path: Path) -> None:
    team, _ = await make_account(own, "team")
    row = await consultation(own)
    path = f"/sprechstunden/{row.id}"
    async with browser(own) as page:
        await page.login(team.name)
        past = await page.post(f"{path}/closed", {"day": "2026-11-23"}, from_page=path)
        assert past.status_code == 400 and "Dieser Tag liegt in der Vergangenheit." in past.text
        assert 'value="2026-11-23"' in past.text
        assert (await page.post(f"{path}/closed", {"day": "morgen"}, from_page=path)).status_code == 400
        assert "Bitte geben Sie ein Datum ein" in page.page
        added = await page.post(f"{path}/closed", {"day": "2026-12-01"}, from_page=path)
        assert added.status_code == 303 and added.headers["location"] == f"{path}?done=closed&told=0"
        shown = await page.get(path, done="closed", told="0")
        assert "Der Schließtag ist eingetragen." in shown.text and "Dienstag, 01.12.2026" in shown.text
        twice = await page.post(f"{path}/closed", {"day": "2026-12-01"}, from_page=path)
        assert twice.status_code == 400 and "schon ein Schließtag" in twice.text
        assert "2026-12-01" in (await consultation(own)).closed_dates
        assert await round_trip(own, tmp_path) == {"sprechstunden.unchanged": 1}

        clock.set(dt.datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN))
        await page.login(team.name)  # a week later, in a new session
        gone_by = await page.post(f"{path}/closed/remove", {"day": "2026-12-01"}, from_page=path)
        assert gone_by.status_code == 400 and "Vergangenheit" in gone_by.text
        removed = await page.post(f"{path}/closed/remove", {"day": "2026-12-24"}, from_page=path)
        assert removed.status_code == 303
    closed_dates = (await consultation(own)).closed_dates
    assert "2026-12-24" not in closed_dates and "2026-12-01" in closed_dates
    [add] = await audit(own, "sprechstunde.closed_date.add")
    assert add.before == {"closed_dates": ["2026-12-24", "2026-12-29", "2026-12-31"]}
    assert add.after is not None and add.after["closed_dates"] == ["2026-12-01", "2026-12-24", "2026-12-29",
                                                                   "2026-12-31"]
    [remove] = await audit(own, "sprechstunde.closed_date.remove")
    assert remove.after == {"closed_dates": ["2026-12-01", "2026-12-29", "2026-12-31"]}


async def test_closing_today_with_numbers_taken_asks_first_then_tells_those_waiting(own: App) -> None:
    resident = Chat(own, "console", language_hint="de")
    label = await take_number(resident)
    assert "A-001" in label
    team, _ = await make_account(own, "team")
    row = await consultation(own)
    path = f"/sprechstunden/{row.id}"
    async with browser(own) as page:
        await page.login(team.name)
        asked = await page.post(f"{path}/closed", {"day": "2026-11-24"}, from_page=path)
        assert asked.status_code == 409 and "1 Person hat für diesen Tag schon eine Nummer." in asked.text
        assert "2026-11-24" not in (await consultation(own)).closed_dates
        done = await page.post(f"{path}/closed", {"day": "2026-11-24", "confirm": "yes"}, token=page.token())
        assert done.status_code == 303 and done.headers["location"] == f"{path}?done=closed&told=1"
        told = await page.get(path, done="closed", told="1")
        assert "1 wartende Person hat im Chat Bescheid bekommen." in told.text
    async with own.sessions() as session:
        queue_session = await session.scalar(select(QueueSession).where(QueueSession.consultation_id == row.id))
        assert queue_session is not None and queue_session.closed_at is not None
        ticket = await session.scalar(select(QueueTicket).where(QueueTicket.session_id == queue_session.id))
        assert ticket is not None and ticket.status == UNSERVED
        notices = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "queue.closed")))
        assert [notice.payload["ticket"] for notice in notices] == [ticket.id]
    await resident.tap("queue:home")
    assert "Die Sprechstunde ist gerade nicht geöffnet." in resident.text
    assert "24.11.2026" not in resident.text
    [entry] = await audit(own, "sprechstunde.closed_date.add")
    assert entry.after is not None and entry.after["told"] == 1 and entry.after["sessions_closed"] == 1


async def test_a_form_without_its_csrf_token_is_refused(own: App) -> None:
    team, _ = await make_account(own, "team")
    row = await consultation(own)
    async with browser(own) as page:
        await page.login(team.name)
        refused = await page.client.post(f"/sprechstunden/{row.id}/closed", data={"day": "2026-12-01"})
        assert refused.status_code == 403
        assert (await page.get("/sprechstunden/999999")).status_code == 404
    assert "2026-12-01" not in (await consultation(own)).closed_dates


STATE = re.compile(r'<label for="title-([^"]+)">[^<]*</label></th>\s*<td><span class="state state-(\w+)">')


def shown_states(page: str) -> dict[str, str]:
    """Each title's state as the page shows it, by language code."""
    return dict(STATE.findall(page))


def with_titles(page: str, titles: dict[str, str], **changes: str) -> dict[str, Any]:
    """The hours form with all of `titles` (not only the German and English ones), and `changes`."""
    return {**hours_form(page), **{f"title-{code}": text for code, text in titles.items()}, **changes,
            "topics": ["letters", "housing", "family", "health", "work", "other"]}


async def test_titles_show_which_translations_are_outdated_until_changed_or_ticked_as_still_correct(
        own: App, tmp_path: Path) -> None:
    team, _ = await make_account(own, "team")
    row = await consultation(own)
    titles, path = dict(row.titles), f"/sprechstunden/{row.id}"
    others = [code for code in titles if code != "de"]
    assert len(others) == 9
    async with browser(own) as page:
        await page.login(team.name)
        shown = await page.get(path)
        assert shown_states(shown.text) == {"de": "source", **{code: "current" for code in others}}
        assert 'name="current"' not in shown.text

        german = {**titles, "de": "Offene Sprechstunde im Quartiersladen Horst"}
        assert (await post_form(page, path, with_titles(page.page, german))).status_code == 303
        shown = await page.get(path, done="saved")
        assert shown_states(shown.text) == {"de": "source", **{code: "outdated" for code in others}}
        assert "veraltet" in shown.text and shown.text.count('name="current"') == 9
        assert "Ein Titel ist veraltet, wenn sich der deutsche Titel geändert hat" in shown.text

        turkish = {**german, "tr": "Quartiersladen Horst'ta randevusuz danışma saati"}
        assert (await post_form(page, path, with_titles(page.page, turkish))).status_code == 303
        shown = await page.get(path, done="saved")
        assert shown_states(shown.text)["tr"] == "current" and shown_states(shown.text)["ar"] == "outdated"

        version = (await consultation(own)).content_hash
        ticked = await post_form(page, path, {**with_titles(page.page, turkish), "current": ["ar", "de"]})
        assert ticked.status_code == 303 and ticked.headers["location"] == f"{path}?done=saved"
        shown = await page.get(path, done="saved")
        states = shown_states(shown.text)
        assert states == {"de": "source", "tr": "current", "ar": "current",
                          **{code: "outdated" for code in others if code not in ("tr", "ar")}}
    confirmed = await consultation(own)
    assert confirmed.titles == turkish and confirmed.content_hash == version  # the file's content is the same
    [entry] = await audit(own, "sprechstunde.titles_confirmed")
    assert entry.actor == team.name and entry.after is not None and list(entry.after["fingerprints"]) == ["ar"]

    assert await round_trip(own, tmp_path) == {"sprechstunden.unchanged": 1}
    again = await consultation(own)
    assert again.title_sources == confirmed.title_sources and again.updated_at == confirmed.updated_at


async def test_an_import_that_changes_the_german_title_makes_the_other_titles_outdated(own: App,
                                                                                       tmp_path: Path) -> None:
    row = await consultation(own)
    await export_folder(own.sessions, tmp_path / "export", own.settings.quarter)
    file = tmp_path / "export" / "sprechstunden.yaml"
    assert row.titles["de"] in file.read_text()
    file.write_text(file.read_text().replace(row.titles["de"], "Sprechstunde im Quartiersladen Horst"))
    report = await import_folder(own.sessions, tmp_path / "export", own.settings.quarter, own.clock)
    assert report.counts.get("sprechstunden.updated") == 1
    team, _ = await make_account(own, "team")
    async with browser(own) as page:
        await page.login(team.name)
        shown = await page.get(f"/sprechstunden/{row.id}")
    assert shown_states(shown.text) == {"de": "source", **{code: "outdated" for code in row.titles if code != "de"}}
