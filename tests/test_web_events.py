"""Events in the back office over HTTP: create, list, move (asking first), cancel a date or all, re-open;
the rules of the CLI, notices to residents through the outbox, and every change in the audit log. Texts a
native speaker should still check: the list's filter, the mark, and "Checked" (audited, refused on a stale
page, without the CSRF token or the right to change events)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.accounts.roles import REDAKTION, RIGHTS, Right
from bot.app import App
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from bot.events.importer import digest, entry_of
from bot.events.models import Event, EventRegistration, EventText
from bot.events.schema import EventEntry
from bot.outbox.models import OutboxMessage
from tests.support.chat import Chat
from tests.support.databases import Database
from tests.support.events import make_event, upsert_event_change
from tests.support.queue import queue_app
from tests.support.web import browser, make_account


def form(**changes: str) -> dict[str, Any]:
    """A new weekly event as a staff member would fill the form in (the test clock is 24.11.2026)."""
    return {"key": f"w-{uuid.uuid4().hex[:10]}", "category": "meeting", "date": "2026-12-01", "start_time": "18:00",
            "end_time": "20:00", "repeat": "weekly", "interval": "1", "position": "1", "until": "2027-01-26",
            "place": "Quartiersladen Horst", "street": "Markenstraße 10", "postcode": "45899", "city": "Gelsenkirchen",
            "organiser": "Quartiersmanagement Horst", "languages": "de", "cost": "free", "barrier_free": "yes",
            "registration": "on", "capacity": "8", "title-de": "Sprachcafé <b>Horst</b>",
            "description-de": "Deutsch sprechen bei Tee.", "title-tr": "Dil kafesi", "description-tr": "Çay içerken.",
            **changes}


async def audit_of(app: App, event_id: int) -> list[AuditEntry]:
    async with app.sessions() as session:
        return list((await session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "event", AuditEntry.object_id == str(event_id)).order_by(AuditEntry.id))).all())


async def notices(app: App, resident_id: int) -> list[str]:
    """The kinds of the resident's messages about changes (their reminders, set when registering, aside)."""
    async with app.sessions() as session:
        return list((await session.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.resident_id == resident_id, OutboxMessage.kind != "event_reminder")
            .order_by(OutboxMessage.id))).all())


async def registered(app: App, event: Event, date: str) -> int:
    """A resident registers for `date` in the chat; their resident id."""
    resident = Chat(app, language_hint="de")
    await resident.say("/start")
    await resident.tap(f"events:reg:{event.id}:{date}")
    async with app.sessions() as session:
        found = await session.scalar(select(EventRegistration.resident_id).where(
            EventRegistration.event_id == event.id, EventRegistration.occurrence == date))
    assert found is not None
    return int(found)


async def test_a_new_series_is_refused_in_the_past_and_then_listed_with_its_seats(database: Database, tmp_path: Path,
                                                                                   clock: FixedClock) -> None:
    # A quarter of its own: the list is paged, and other tests add events to the shared one.
    app = await queue_app(database, tmp_path, clock)
    staff, _ = await make_account(app, "redaktion")
    async with browser(app) as page:
        await page.login(staff.name)
        past = await page.post("/events/new", form(date="2026-11-20"))
        assert past.status_code == 400 and "Der Beginn liegt in der Vergangenheit" in past.text
        assert 'value="Markenstraße 10"' in past.text  # what was typed is kept
        wrong = await page.post("/events/new", form(end_time="17:00", capacity="8", registration="",
                                                    **{"title-tr": "Nur Titel", "description-tr": ""}))
        assert wrong.status_code == 400
        for message in ("Das Ende muss nach dem Beginn liegen", "Eine Platzzahl braucht eine Anmeldung",
                        "Bitte füllen Sie Titel und Beschreibung aus"):
            assert message in wrong.text, message
        fields = form()
        created = await page.post("/events/new", fields)
        assert created.status_code == 303, created.text
        async with app.sessions() as session:
            event = await session.scalar(select(Event).where(Event.key == fields["key"]))
        assert event is not None and event.capacity == 8 and event.recurrence["frequency"] == "weekly"  # type: ignore[index]
        assert created.headers["location"] == f"/events/{event.id}?done=created"
        again = await page.post("/events/new", fields)
        assert again.status_code == 400 and "gibt es schon" in again.text

        listing = (await page.get("/events")).text
        assert listing.count("Sprachcafé &lt;b&gt;Horst&lt;/b&gt;") == 7 and "<b>Horst" not in listing
        assert "8 / 8" in listing and "Di., 01.12.2026" in listing
        assert "Sprachcafé" in (await page.get("/events", missing="ar")).text
        assert "Sprachcafé" not in (await page.get("/events", missing="tr")).text
        detail = (await page.get(f"/events/{event.id}")).text
        assert "fehlt" in detail and "aktuell" in detail
    [entry] = await audit_of(app, event.id)
    assert entry.action == "event.create" and entry.actor == staff.name and entry.before is None
    assert entry.after is not None and entry.after["start"] == "2026-12-01T18:00:00"


async def test_moving_says_first_how_many_will_be_told_then_tells_them(app: App, clock: FixedClock) -> None:
    staff, _ = await make_account(app, "team")
    event = await make_event(app, "2026-12-08T18:00", "2026-12-08T20:00",
                             registration={"required": True, "capacity": 5},
                             recurrence={"frequency": "weekly", "until": "2027-01-31"})
    resident_id = await registered(app, event, "2026-12-15")
    async with browser(app) as page:
        await page.login(staff.name)
        edit = await page.get(f"/events/{event.id}/edit")
        assert 'value="18:00"' in edit.text and "Testtreffen" in edit.text
        moved = {**form(), "date": "2026-12-09", "start_time": "17:00", "end_time": "19:00", "title-de": "Testtreffen",
                 "description-de": "Ein Treffen für den Test.", "title-tr": "", "description-tr": "",
                 "title-en": "Test meeting", "description-en": "A meeting for the test.", "capacity": "5"}
        moved["version"] = _version(edit.text)
        asked = await page.post(f"/events/{event.id}/edit", moved, from_page=f"/events/{event.id}/edit")
        assert asked.status_code == 200 and "1 Bewohner" in asked.text and 'name="confirm_told" value="1"' in asked.text
        assert await notices(app, resident_id) == []  # nothing happened yet
        saved = await page.post(f"/events/{event.id}/edit", {**moved, "confirm_told": "1"},
                                from_page=f"/events/{event.id}/edit")
        assert saved.status_code == 303 and saved.headers["location"].endswith("told=1")
    assert await notices(app, resident_id) == ["event_moved"]
    async with app.sessions() as session:
        registration = await session.scalar(select(EventRegistration).where(
            EventRegistration.event_id == event.id, EventRegistration.resident_id == resident_id))
    assert registration is not None and registration.occurrence == "2026-12-16"
    [entry] = await audit_of(app, event.id)
    assert entry.action == "event.update" and entry.before["start"] == "2026-12-08T18:00:00"  # type: ignore[index]
    assert entry.after["start"] == "2026-12-09T17:00:00"  # type: ignore[index]


def _version(page: str) -> str:
    marker = 'name="version" value="'
    return page.split(marker, 1)[1].split('"', 1)[0]


async def test_a_form_saved_over_by_someone_else_is_not_lost(app: App, clock: FixedClock) -> None:
    first, _ = await make_account(app, "team")
    second, _ = await make_account(app, "redaktion")
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00")
    async with browser(app) as one, browser(app) as two:
        await one.login(first.name)
        await two.login(second.name)
        old = _version((await one.get(f"/events/{event.id}/edit")).text)
        base = {**form(), "date": "2026-12-10", "start_time": "10:00", "end_time": "12:00", "repeat": "none",
                "registration": "", "capacity": "", "title-tr": "", "description-tr": "",
                "description-de": "Ein Treffen für den Test."}
        clock.advance(dt.timedelta(minutes=1))
        current = _version((await two.get(f"/events/{event.id}/edit")).text)
        assert (await two.post(f"/events/{event.id}/edit", {**base, "title-de": "Von Zwei", "version": current},
                               from_page=f"/events/{event.id}/edit")).status_code == 303
        clash = await one.post(f"/events/{event.id}/edit", {**base, "title-de": "Von Eins", "version": old},
                               from_page="/events")
        assert clash.status_code == 409 and "Jemand anderes" in clash.text and 'value="Von Eins"' in clash.text
        async with app.sessions() as session:
            titles = {text.language: text.title for text in (await session.get(Event, event.id)).texts}  # type: ignore[union-attr]
        assert titles["de"] == "Von Zwei"
        again = await one.post(f"/events/{event.id}/edit", {**base, "title-de": "Von Eins",
                                                            "version": _version(clash.text)}, from_page="/events")
        assert again.status_code == 303


async def test_cancel_one_date_then_all_and_reopen_tell_those_concerned(app: App) -> None:
    staff, _ = await make_account(app, "team")
    event = await make_event(app, "2026-12-08T18:00", "2026-12-08T20:00", registration={"required": True},
                             recurrence={"frequency": "weekly", "until": "2027-01-31"})
    resident_id = await registered(app, event, "2026-12-15")
    async with browser(app) as page:
        await page.login(staff.name)
        detail = (await page.get(f"/events/{event.id}")).text
        assert f"/events/{event.id}/cancel?date=2026-12-15" in detail
        asked = await page.get(f"/events/{event.id}/cancel", date="2026-12-15")
        assert "1 Bewohner" in asked.text and "15.12.2026" in asked.text
        assert "niemand" in (await page.get(f"/events/{event.id}/cancel", date="2026-12-22")).text.lower()
        assert (await page.get(f"/events/{event.id}/cancel", date="2026-12-16")).status_code == 404
        done = await page.post(f"/events/{event.id}/cancel", {"date": "2026-12-15"}, from_page=f"/events/{event.id}")
        assert done.status_code == 303 and done.headers["location"].endswith("done=cancelled&told=1")
        assert await notices(app, resident_id) == ["event_cancelled"]
        reopened = await page.post(f"/events/{event.id}/reopen", {"date": "2026-12-15"},
                                   from_page=f"/events/{event.id}")
        assert reopened.status_code == 303
        assert "1 Bewohner" in (await page.get(f"/events/{event.id}/cancel")).text
        assert (await page.post(f"/events/{event.id}/cancel", {}, from_page=f"/events/{event.id}")).status_code == 303
        assert "Die ganze Veranstaltung ist abgesagt" in (await page.get(f"/events/{event.id}")).text
        assert (await page.post(f"/events/{event.id}/reopen", {}, from_page=f"/events/{event.id}")).status_code == 303
        refused = await page.post(f"/events/{event.id}/reopen", {}, from_page=f"/events/{event.id}")
        assert refused.status_code == 400
        no_token = await page.client.post(f"/events/{event.id}/cancel", data={})
        assert no_token.status_code == 403
    async with app.sessions() as session:
        row = await session.get(Event, event.id)
    assert row is not None and not row.cancelled and row.cancelled_dates == []
    actions = [entry.action for entry in await audit_of(app, event.id)]
    assert actions == ["event.cancel_date", "event.reopen_date", "event.cancel", "event.reopen"]
    first = (await audit_of(app, event.id))[0]
    assert first.before["cancelled_dates"] == [] and first.after["cancelled_dates"] == ["2026-12-15"]  # type: ignore[index]


async def test_saving_an_event_keeps_a_text_to_be_checked_unless_it_was_changed(app: App) -> None:
    """The form holds every language: a text saved as it was still waits for a native speaker."""
    staff, _ = await make_account(app, "redaktion")
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00", texts={
        "de": {"title": "Testtreffen", "description": "Ein Treffen für den Test."},
        "en": {"title": "Test meeting", "description": "A meeting for the test.", "reviewed": False},
        "tr": {"title": "Test buluşması", "description": "Test için bir buluşma.", "reviewed": False}})
    base = {**form(), "date": "2026-12-10", "start_time": "10:00", "end_time": "12:00", "repeat": "none",
            "registration": "", "capacity": "", "title-de": "Testtreffen am Morgen",
            "description-de": "Ein Treffen für den Test.", "title-en": "Test meeting",
            "description-en": "A meeting for the test.", "title-tr": "Sabah test buluşması",
            "description-tr": "Test için bir buluşma."}
    async with browser(app) as page:
        await page.login(staff.name)
        version = _version((await page.get(f"/events/{event.id}/edit")).text)
        saved = await page.post(f"/events/{event.id}/edit", {**base, "version": version},
                                from_page=f"/events/{event.id}/edit")
        assert saved.status_code == 303
    async with app.sessions() as session:
        row = await session.get(Event, event.id)
        assert row is not None
        reviewed = {text.language: text.reviewed for text in row.texts}
    assert reviewed == {"de": True, "en": False, "tr": True}  # en saved as it was; tr changed by staff


UNCHECKED_NOTE = "bitte von einer Muttersprachlerin prüfen lassen"
TEXTS_TO_CHECK = {"de": {"title": "Testtreffen", "description": "Ein Treffen für den Test."},
                  "ru": {"title": "Тестовая встреча", "description": "Встреча для теста.", "reviewed": False},
                  "pl": {"title": "Spotkanie testowe", "description": "Spotkanie na test.", "reviewed": False}}


def text_row(page: str, language: str) -> str:
    """The row of the event's page for one language: its state, its mark and its "Checked" button."""
    return page.split(f'<tr id="text-{language}">', 1)[1].split("</tr>", 1)[0]


def review_version(page: str, event_id: int, language: str) -> str:
    found = re.search(rf'action="/events/{event_id}/reviewed">\s*<input type="hidden" name="csrftoken" '
                      rf'value="[^"]+">\s*<input type="hidden" name="language" value="{re.escape(language)}">\s*'
                      r'<input type="hidden" name="version" value="([^"]+)">', page)
    assert found, language
    return found.group(1)


async def reviewed_texts(app: App, event_id: int) -> dict[str, bool]:
    async with app.sessions() as session:
        return dict((await session.execute(select(EventText.language, EventText.reviewed)
                                           .where(EventText.event_id == event_id))).all())


async def test_the_list_filters_by_a_text_not_checked_in_a_language(database: Database, tmp_path: Path,
                                                                    clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)  # a quarter of its own: exactly these events
    staff, _ = await make_account(app, "redaktion")
    german = {"description": "Ein Treffen für den Test."}
    russian = {"title": "Встреча", "description": "Встреча для теста."}
    english = {"title": "Meeting", "description": "A meeting for the test."}
    for title, start, russian_checked in (("Russisch offen", "2026-12-03T10:00", False),
                                          ("Russisch geprüft", "2026-12-04T10:00", True),
                                          ("Vorbei offen", "2026-11-10T10:00", False),
                                          ("Vorbei geprüft", "2026-11-11T10:00", True)):
        await make_event(app, start, start.replace("T10", "T12"), texts={
            "de": {"title": title, **german}, "ru": {**russian, "reviewed": russian_checked},
            "en": {**english, "reviewed": not russian_checked}})
    async with browser(app) as page:
        await page.login(staff.name)
        listed = await page.get("/events", unreviewed="ru")
        assert listed.status_code == 200 and '<option value="ru" selected>' in listed.text
        assert "Russisch offen" in listed.text and "Russisch geprüft" not in listed.text
        past = (await page.get("/events", unreviewed="ru", past="1")).text
        assert "Vorbei offen" in past and "Vorbei geprüft" not in past
        english_unchecked = (await page.get("/events", unreviewed="en", past="1")).text
        assert "Russisch geprüft" in english_unchecked and "Vorbei geprüft" in english_unchecked
        assert "Russisch offen" not in english_unchecked and "Vorbei offen" not in english_unchecked
        assert "Russisch" not in (await page.get("/events", unreviewed="de")).text
        everything = (await page.get("/events", unreviewed="xx", past="1")).text  # unknown: no filter
        assert all(title in everything for title in ("Russisch offen", "Russisch geprüft", "Vorbei offen",
                                                     "Vorbei geprüft"))


async def test_checked_marks_an_event_text_as_reviewed_unchanged_and_is_audited(app: App) -> None:
    staff, _ = await make_account(app, "team")
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00", texts=TEXTS_TO_CHECK)
    async with app.sessions() as session:
        hash_before = await session.scalar(select(Event.content_hash).where(Event.id == event.id))
    async with browser(app) as page:
        await page.login(staff.name)
        shown = await page.get(f"/events/{event.id}")
        for language in ("ru", "pl"):
            row = text_row(shown.text, language)
            assert "nicht geprüft" in row and UNCHECKED_NOTE in row and f'action="/events/{event.id}/reviewed"' in row
        assert "nicht geprüft" not in text_row(shown.text, "de") + text_row(shown.text, "uk")
        edit = (await page.get(f"/events/{event.id}/edit")).text
        assert "nicht geprüft" in edit.split('name="title-ru"', 1)[0].rsplit("<legend>", 1)[1]
        confirmed = await page.post(f"/events/{event.id}/reviewed",
                                    {"language": "ru", "version": review_version(shown.text, event.id, "ru")},
                                    token=page.token())
        assert confirmed.status_code == 303
        assert confirmed.headers["location"] == f"/events/{event.id}?done=reviewed#text-ru"
        shown = await page.get(f"/events/{event.id}", done="reviewed")
        assert "Als geprüft markiert." in shown.text
        assert "nicht geprüft" not in text_row(shown.text, "ru") and UNCHECKED_NOTE in text_row(shown.text, "pl")
        unknown = await page.post(f"/events/{event.id}/reviewed", {"language": "xx", "version": "-"},
                                  token=page.token())
        assert unknown.status_code == 404
    assert await reviewed_texts(app, event.id) == {"de": True, "ru": True, "pl": False}
    async with app.sessions() as session:
        row = await session.get(Event, event.id)
        assert row is not None
        assert {text.language: text.title for text in row.texts}["ru"] == "Тестовая встреча"
        # as an import of the export computes it, so that import reports the event unchanged
        assert row.content_hash != hash_before
        assert row.content_hash == digest(EventEntry.model_validate(entry_of(row)), row.example_data)
    [entry] = await audit_of(app, event.id)
    assert (entry.action, entry.actor) == ("event.text_reviewed", staff.name)
    assert entry.before == {"language": "ru", "reviewed": False}
    assert entry.after == {"language": "ru", "reviewed": True}


async def test_checked_in_a_second_tab_says_it_is_already_checked(app: App) -> None:
    first, _ = await make_account(app, "redaktion")
    second, _ = await make_account(app, "team")
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00", texts=TEXTS_TO_CHECK)
    async with browser(app) as one, browser(app) as two:
        await one.login(first.name)
        await two.login(second.name)
        seen_by_one = (await one.get(f"/events/{event.id}")).text
        seen_by_two = (await two.get(f"/events/{event.id}")).text
        assert (await one.post(f"/events/{event.id}/reviewed",
                               {"language": "pl", "version": review_version(seen_by_one, event.id, "pl")},
                               token=one.token())).status_code == 303
        again = await two.post(f"/events/{event.id}/reviewed",
                               {"language": "pl", "version": review_version(seen_by_two, event.id, "pl")},
                               token=two.token())
        assert again.status_code == 400
        assert "Dieser Text ist bereits als geprüft markiert." in text_row(again.text, "pl")
    assert [entry.actor for entry in await audit_of(app, event.id)] == [first.name]


async def test_checked_on_a_page_from_before_a_text_change_is_refused(app: App) -> None:
    staff, _ = await make_account(app, "redaktion")
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00", texts=TEXTS_TO_CHECK)
    async with browser(app) as page:
        await page.login(staff.name)
        stale = (await page.get(f"/events/{event.id}")).text
        # Someone changes the German text meanwhile: the Russian one, still to be checked, now translates an older one.
        await upsert_event_change(app, event.key, texts={
            **TEXTS_TO_CHECK, "de": {"title": "Testtreffen", "description": "Ein Treffen für den Test, mit Kaffee."}})
        await page.get(f"/events/{event.id}")
        refused = await page.post(f"/events/{event.id}/reviewed",
                                  {"language": "ru", "version": review_version(stale, event.id, "ru")},
                                  token=page.token())
        assert refused.status_code == 409
        assert "Jemand anderes hat diesen Text oder den deutschen Text inzwischen geändert" in text_row(refused.text,
                                                                                                         "ru")
        assert UNCHECKED_NOTE in text_row(refused.text, "ru")  # the button, with the current version, is still there
    assert await reviewed_texts(app, event.id) == {"de": True, "ru": False, "pl": False}
    assert [entry.action for entry in await audit_of(app, event.id)] == []


async def test_checked_without_the_csrf_token_or_a_session_is_refused(app: App) -> None:
    staff, _ = await make_account(app, "redaktion")
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00", texts=TEXTS_TO_CHECK)
    async with browser(app) as anonymous:
        await anonymous.get("/login")
        refused = await anonymous.post(f"/events/{event.id}/reviewed", {"language": "ru", "version": "-"},
                                       token=anonymous.token())
        assert refused.status_code == 401
    async with browser(app) as page:
        await page.login(staff.name)
        shown = (await page.get(f"/events/{event.id}")).text
        fields = {"language": "ru", "version": review_version(shown, event.id, "ru")}
        assert (await page.client.post(f"/events/{event.id}/reviewed", data=fields)).status_code == 403
        forged = await page.client.post(f"/events/{event.id}/reviewed", data={"csrftoken": "forged", **fields})
        assert forged.status_code == 403
    assert await reviewed_texts(app, event.id) == {"de": True, "ru": False, "pl": False}
    assert await audit_of(app, event.id) == []


async def test_checked_needs_the_right_to_change_events(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    staff, _ = await make_account(app, REDAKTION)
    event = await make_event(app, "2026-12-10T10:00", "2026-12-10T12:00", texts=TEXTS_TO_CHECK)
    async with browser(app) as page:
        await page.login(staff.name)
        shown = (await page.get(f"/events/{event.id}")).text
        fields = {"language": "ru", "version": review_version(shown, event.id, "ru")}
        # Every role keeps content today; a role without that right must not check texts either.
        monkeypatch.setitem(RIGHTS, REDAKTION, frozenset(RIGHTS[REDAKTION] - {Right.CONTENT}))
        refused = await page.post(f"/events/{event.id}/reviewed", fields, token=page.token())
        assert refused.status_code == 403
        monkeypatch.undo()
        assert (await page.post(f"/events/{event.id}/reviewed", fields, token=page.token())).status_code == 303
    assert [entry.action for entry in await audit_of(app, event.id)] == ["event.text_reviewed"]
