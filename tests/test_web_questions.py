"""Residents' questions in the back office over HTTP: the inbox and its filters, a conversation with the German
beside the resident's words, answers (prepared, a card, free text translated through the loopback service),
notes, taking and closing a question; refusals for roles, forms from elsewhere, closed questions, double submits.
Each test has a quarter of its own, so the inbox shows only its questions."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.app import App
from bot.audit.models import AuditEntry
from bot.clock import FixedClock
from bot.outbox.models import OutboxMessage
from bot.questions import prepared
from bot.questions.delivery import ANSWER
from bot.questions.models import DONE, Question, QuestionMessage
from bot.questions.store import add_from_resident, withdraw
from tests.support.chat import Chat
from tests.support.databases import Database
from tests.support.events import make_event
from tests.support.ports import free_port
from tests.support.questions import ASKED_AR, LETTER_AR, asked, office, resident_of
from tests.support.translate_emulator import COME_WITH_LETTER, SLOW, TranslateEmulator
from tests.support.web import Browser, browser, make_account


@pytest_asyncio.fixture
async def service() -> AsyncIterator[TranslateEmulator]:
    server = TranslateEmulator()
    await server.start()
    yield server
    await server.stop()


async def messages_of(app: App, question: Question) -> list[QuestionMessage]:
    async with app.sessions() as session:
        return list(await session.scalars(select(QuestionMessage).where(QuestionMessage.question_id == question.id)
                                          .order_by(QuestionMessage.id)))


async def stored(app: App, question: Question) -> Question:
    async with app.sessions() as session:
        row = await session.get(Question, question.id)
    assert row is not None
    return row


async def answers_queued(app: App, question: Question) -> list[OutboxMessage]:
    async with app.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == ANSWER)
                                     .order_by(OutboxMessage.id))
        return [row for row in rows if row.payload.get("question") == question.id]


async def audit_of(app: App, question: Question) -> list[AuditEntry]:
    async with app.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "question", AuditEntry.object_id == str(question.id)).order_by(AuditEntry.id)))


def after(page: Browser) -> str:
    found = re.search(r'name="after" value="(\d+)"', page.page)
    assert found, "the page has no answer form"
    return found.group(1)


async def test_the_inbox_filters_pages_and_escapes_what_residents_wrote(database: Database, tmp_path: Path,
                                                                         clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    team, _ = await make_account(app, "team")
    resident = await resident_of(app)
    script = await asked(app, "<script>alert(1)</script> Wo ist das Jobcenter?", language="de", channel="matrix",
                         hours_ago=3, resident=resident)
    for number in range(27):
        await asked(app, f"Frage Nummer {number} zum Wohngeld", language="tr", resident=resident, hours_ago=30 * 24)
    waiting = await asked(app, "Ist die Frage schon beantwortet?", language="ro", resident=resident)
    async with app.sessions() as session, session.begin():
        row = await session.get(Question, waiting.id)
        assert row is not None
        row.status, row.assigned_account_id = "waiting", team.id
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get("/questions")).text
        assert "28 Fragen" in html and "Seite 1 von 2" in html and "zu tun (neu oder offen)" in html
        assert "Ist die Frage schon" not in html  # waiting is not to do
        second = (await page.get("/questions", page="2")).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Wo ist das Jobcenter?" in second and "<script>" not in second
        assert "vor 3 Std." in second and "Matrix" in second and "Deutsch" in second
        assert "Seite 2 von 2" in second and 'href="/questions?status=todo&amp;language=&amp;channel=&amp;' \
            'assigned=&amp;page=1"' in second
        turkish = (await page.get("/questions", language="tr")).text
        assert "27 Fragen" in turkish and "Türkisch" in turkish and "25.10.2026" in turkish
        assert "1 Frage" in (await page.get("/questions", channel="matrix")).text
        mine = (await page.get("/questions", status="all", assigned="me")).text
        assert "1 Frage<" in mine and "Ist die Frage schon beantwortet?" in mine and "wartet auf die Person" in mine
        assert team.name in mine
        assert "28 Fragen" in (await page.get("/questions", assigned="nobody")).text
        assert "29 Fragen" in (await page.get("/questions", status="all", assigned="", page="x")).text
        assert "Keine Frage passt." in (await page.get("/questions", status="done")).text
        assert "28 Fragen" in (await page.get("/questions", status="nonsense", language="xx")).text
        start = (await page.get("/")).text
        assert '<a href="/questions">28 offene Fragen</a>' in start and '<a href="/questions">Fragen</a>' in start
        conversation = (await page.get(f"/questions/{script.id}")).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in conversation and "<script>" not in conversation


async def test_redaktion_is_refused_and_sees_no_counter(database: Database, tmp_path: Path,
                                                        clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    question = await asked(app)
    editor, _ = await make_account(app, "redaktion")
    async with browser(app) as page:
        await page.login(editor.name)
        start = (await page.get("/")).text
        assert "offene Frage" not in start and 'href="/questions"' not in start
        assert (await page.get("/questions")).status_code == 403
        assert (await page.get(f"/questions/{question.id}")).status_code == 403
        token = page.token()
        for action in ("note", "assign", "close", "prepared", "card", "answer"):
            response = await page.post(f"/questions/{question.id}/{action}", {"note": "x", "to": "me"}, token=token)
            assert response.status_code == 403, action
    async with browser(app) as anonymous:
        assert (await anonymous.get("/questions")).headers["location"] == "/login"
    assert len(await messages_of(app, question)) == 1


async def test_another_quarters_or_an_unknown_question_is_not_found_and_forms_need_their_token(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    elsewhere = await asked(await office(database, tmp_path, clock))
    mine = await asked(app)
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        for path in (f"/questions/{elsewhere.id}", "/questions/2147483647"):
            response = await page.get(path)
            assert response.status_code == 404 and "Diese Frage gibt es nicht." in response.text
        refused = await page.post(f"/questions/{elsewhere.id}/note", {"note": "Nicht meine"}, from_page="/questions")
        assert refused.status_code == 404
        forged = await page.client.post(f"/questions/{mine.id}/note", data={"note": "ohne Token"})
        assert forged.status_code == 403 and "Das Formular ist abgelaufen" in forged.text
    async with app.sessions() as session:
        assert await session.scalar(select(AuditEntry.id).where(AuditEntry.object_type == "question",
                                                                AuditEntry.object_id == str(mine.id))) is None


async def test_a_prepared_answer_is_sent_once_in_the_residents_language(database: Database, tmp_path: Path,
                                                                        clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    question = await asked(app)
    async with app.sessions() as session, session.begin():
        welcome = await prepared.create(session, app.settings.quarter, "Sprechzeiten",
                                        {"de": "Kommen Sie in die Sprechstunde ({reference}).",
                                         "ar": "تعال إلى الاستشارة ({reference})."}, clock.now())
        german_only = await prepared.create(session, app.settings.quarter, "Nur Deutsch",
                                            {"de": "Nur auf Deutsch."}, clock.now())
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get(f"/questions/{question.id}")).text
        assert f"تعال إلى الاستشارة ({question.reference})." in html
        assert f"Kommen Sie in die Sprechstunde ({question.reference})." in html
        assert "Kein Übersetzungsdienst eingerichtet – vorbereitete Antworten und Karten funktionieren trotzdem" \
            in html
        assert "Diese vorbereitete Antwort gibt es nicht auf Arabisch" in html
        assert f'name="prepared" value="{german_only.id}"' not in html
        form = {"prepared": str(welcome.id), "after": after(page)}
        token = page.token()
        sent = await page.post(f"/questions/{question.id}/prepared", form, token=token)
        assert sent.status_code == 303 and sent.headers["location"] == f"/questions/{question.id}?done=answer"
        again = await page.post(f"/questions/{question.id}/prepared", form, token=token)  # the double click
        assert again.status_code == 409 and "Das Gespräch hat sich geändert" in again.text
        refused = await page.post(f"/questions/{question.id}/prepared",
                                  {"prepared": str(german_only.id), "after": after(page)}, token=token)
        assert refused.status_code == 400 and "gibt es nicht in der Sprache der Person" in refused.text
        shown = (await page.get(f"/questions/{question.id}", done="answer")).text
        assert "Die Antwort wurde gesendet." in shown and "wird gesendet" in shown
        assert "Deutsche Fassung:" in shown and "wartet auf die Person" in shown
    [_, answer] = await messages_of(app, question)
    assert answer.text == f"تعال إلى الاستشارة ({question.reference})." and answer.language == "ar"
    assert not answer.machine_translated and answer.account_id == team.id
    assert answer.german == f"Kommen Sie in die Sprechstunde ({question.reference})."
    [queued] = await answers_queued(app, question)
    assert queued.payload == {"question": question.id, "message": answer.id} and queued.channel == "telegram"
    [entry] = await audit_of(app, question)
    assert entry.action == "question.answer" and entry.actor == team.name
    assert entry.after == {"message": answer.id, "kind": "prepared", "status": "waiting",
                           "machine_translated": False, "prepared": welcome.id}
    assert "تعال" not in str(entry.after)  # no words of the conversation in the audit log


async def test_free_text_is_translated_for_review_then_sent_with_its_german(
        database: Database, tmp_path: Path, clock: FixedClock, service: TranslateEmulator) -> None:
    app = await office(database, tmp_path, clock, translate_url=service.url)
    question = await asked(app)
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get(f"/questions/{question.id}")).text
        assert ASKED_AR in html and "Ich habe einen Brief vom Jobcenter" in html
        assert "Deutsch (maschinell übersetzt):" in html and "Kein Übersetzungsdienst" not in html
        asked_service = len(service.translations())
        await page.get(f"/questions/{question.id}")
        assert len(service.translations()) == asked_service  # the German is kept, not asked again
        token, version = page.token(), after(page)
        preview = await page.post(f"/questions/{question.id}/answer",
                                  {"german": COME_WITH_LETTER, "action": "preview", "after": version}, token=token)
        assert preview.status_code == 200
        assert f'lang="ar" dir="auto">{LETTER_AR}</textarea>' in preview.text
        assert f">{COME_WITH_LETTER}</textarea>" in preview.text and await answers_queued(app, question) == []
        edited = LETTER_AR + " شكرا"
        sent = await page.post(f"/questions/{question.id}/answer",
                               {"german": COME_WITH_LETTER, "translation": edited, "action": "send",
                                "after": version}, token=token)
        assert sent.status_code == 303
        shown = (await page.get(f"/questions/{question.id}")).text
        assert "maschinell übersetzt" in shown and "Deutsches Original:" in shown
    [_, answer] = await messages_of(app, question)
    assert (answer.text, answer.german, answer.machine_translated) == (edited, COME_WITH_LETTER, True)
    assert len(await answers_queued(app, question)) == 1
    [entry] = await audit_of(app, question)
    assert entry.after is not None and entry.after["machine_translated"] is True and entry.after["kind"] == "free"


async def test_the_service_down_keeps_the_text_and_plain_sending_still_works(database: Database, tmp_path: Path,
                                                                              clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock, translate_url=f"http://127.0.0.1:{free_port()}",
                       translate_timeout_seconds=1)
    question = await asked(app)
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get(f"/questions/{question.id}")).text
        assert "Der Übersetzungsdienst ist gerade ausgefallen" in html and ASKED_AR in html
        token, version = page.token(), after(page)
        typed = "Bitte bringen Sie den Bescheid mit <b>Datum</b>."
        down = await page.post(f"/questions/{question.id}/answer",
                               {"german": typed, "action": "preview", "after": version}, token=token)
        assert down.status_code == 503 and "Ihr Text bleibt erhalten" in down.text
        assert ">Bitte bringen Sie den Bescheid mit &lt;b&gt;Datum&lt;/b&gt;.</textarea>" in down.text
        empty = await page.post(f"/questions/{question.id}/answer", {"german": " ", "action": "plain",
                                                                     "after": version}, token=token)
        assert empty.status_code == 400 and "Bitte schreiben Sie zuerst die Antwort." in empty.text
        plain = await page.post(f"/questions/{question.id}/answer",
                                {"german": typed, "action": "plain", "after": version}, token=token)
        assert plain.status_code == 303
    [_, answer] = await messages_of(app, question)
    assert (answer.text, answer.german, answer.machine_translated, answer.language) == (typed, None, False, "ar")


async def test_an_offer_or_an_event_card_goes_with_a_short_text_or_its_title(database: Database, tmp_path: Path,
                                                                             clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock, quarter="horst")  # the example content's offers
    event = await make_event(app, "2026-12-08T18:00", "2026-12-08T20:00")
    question = await asked(app, "Where can I learn German? I would like a course.", language="en")
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get(f"/questions/{question.id}")).text
        offer_key = re.findall(r'<option value="offer:([^"]+)"', html)[0]
        assert f'<option value="event:{event.id}"' in html and "Testtreffen (08.12.2026)" in html
        narrowed = (await page.get(f"/questions/{question.id}", offer_q="zzz-nothing")).text
        assert '<option value="offer:' not in narrowed
        token = page.token()
        wrong = await page.post(f"/questions/{question.id}/card", {"card": "offer:no-such-offer",
                                                                   "card_text": "Look", "after": after(page)},
                                token=token)
        assert wrong.status_code == 400 and "Bitte wählen Sie ein Angebot" in wrong.text
        assert ">Look</textarea>" in wrong.text
        sent = await page.post(f"/questions/{question.id}/card", {"card": f"offer:{offer_key}",
                                                                  "card_text": "This may help.", "after": after(page)},
                               token=token)
        assert sent.status_code == 303
        await page.get(f"/questions/{question.id}")
        sent = await page.post(f"/questions/{question.id}/card", {"card": f"event:{event.id}", "card_text": "",
                                                                  "after": after(page)}, token=token)
        assert sent.status_code == 303
    [_, offer, meeting] = await messages_of(app, question)
    assert (offer.text, offer.card) == ("This may help.", f"offer:{offer_key}")
    assert (meeting.text, meeting.card) == ("Test meeting", f"event:{event.id}")  # the English title
    assert len(await answers_queued(app, question)) == 2


async def test_notes_taking_and_closing_with_a_topic(database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    question = await asked(app)
    team, _ = await make_account(app, "team")
    colleague, _ = await make_account(app, "team")
    editor, _ = await make_account(app, "redaktion")
    async with browser(app) as page:
        await page.login(team.name)
        await page.get(f"/questions/{question.id}")
        token = page.token()
        assert colleague.name in page.page and editor.name not in page.page  # only who may answer questions
        empty = await page.post(f"/questions/{question.id}/note", {"note": "  "}, token=token)
        assert empty.status_code == 400 and "Bitte schreiben Sie zuerst die Notiz." in empty.text
        noted = await page.post(f"/questions/{question.id}/note", {"note": "Ruft <i>morgen</i> an"}, token=token)
        assert noted.status_code == 303
        html = (await page.get(f"/questions/{question.id}", done="note")).text
        assert "Ruft &lt;i&gt;morgen&lt;/i&gt; an" in html and "Intern: Bewohner*innen sehen diese Notizen nie." in html
        assert (await page.post(f"/questions/{question.id}/assign", {"to": "me"}, token=token)).status_code == 303
        assert (await stored(app, question)).assigned_account_id == team.id
        assert (await page.post(f"/questions/{question.id}/assign", {"to": str(editor.id)},
                                token=token)).status_code == 400
        assert (await page.post(f"/questions/{question.id}/assign", {"to": str(colleague.id)},
                                token=token)).status_code == 303
        assert (await stored(app, question)).assigned_account_id == colleague.id
        assert (await page.post(f"/questions/{question.id}/assign", {"to": ""}, token=token)).status_code == 303
        assert (await stored(app, question)).assigned_account_id is None
        no_topic = await page.post(f"/questions/{question.id}/close", {"topic": "", "topic_other": ""}, token=token)
        assert no_topic.status_code == 400 and "Bitte wählen Sie ein Thema" in no_topic.text
        long = await page.post(f"/questions/{question.id}/close", {"topic": "", "topic_other": "x" * 41}, token=token)
        assert long.status_code == 400 and 'value="' + "x" * 41 + '"' in long.text
        closed = await page.post(f"/questions/{question.id}/close", {"topic": "work", "topic_other": ""}, token=token)
        assert closed.status_code == 303
        html = (await page.get(f"/questions/{question.id}", done="closed")).text
        assert "Die Frage ist erledigt." in html and "erledigt (Arbeit/Jobcenter)" in html
        assert "Diese Frage ist erledigt: Sie nimmt keine Antworten mehr an." in html and 'name="after"' not in html
        again = await page.post(f"/questions/{question.id}/close", {"topic": "other"}, token=token)
        assert again.status_code == 409
        refused = await page.post(f"/questions/{question.id}/answer", {"german": "Noch etwas", "action": "plain",
                                                                       "after": "0"}, token=token)
        assert refused.status_code == 409 and ">Noch etwas</textarea>" in refused.text
    row = await stored(app, question)
    assert (row.status, row.topic) == (DONE, "work")
    actions = [(entry.action, entry.before, entry.after) for entry in await audit_of(app, question)]
    assert [action for action, _, _ in actions] == ["question.note", "question.assign", "question.assign",
                                                    "question.assign", "question.close"]
    assert actions[1][1:] == ({"assigned": None}, {"assigned": team.id})
    assert actions[-1][1:] == ({"status": "new"}, {"status": "done", "topic": "work"})
    assert "morgen" not in str(actions[0])


async def test_a_free_topic_and_a_withdrawn_question_refuses_answers(database: Database, tmp_path: Path,
                                                                     clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    question = await asked(app)
    free = await asked(app, "Ich suche einen Platz im Chor, wo kann ich singen?", language="de")
    async with app.sessions() as session, session.begin():
        assert await withdraw(session, question.resident_id, question.id, clock.now())
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get(f"/questions/{question.id}")).text
        assert "Die Person hat diese Frage zurückgezogen" in html and 'name="after"' not in html
        token = page.token()
        refused = await page.post(f"/questions/{question.id}/answer", {"german": "Hallo", "action": "plain",
                                                                       "after": "1"}, token=token)
        assert refused.status_code == 409 and "zurückgezogen" in refused.text
        closed = await page.post(f"/questions/{free.id}/close", {"topic": "work", "topic_other": " Chor  singen "},
                                 token=token)
        assert closed.status_code == 303
    assert await answers_queued(app, question) == []
    assert (await stored(app, free)).topic == "Chor singen"


async def test_an_answer_crossing_the_residents_new_message_is_held_back(database: Database, tmp_path: Path,
                                                                         clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    question = await asked(app, "Ich habe eine Frage zum Wohngeld, bitte melden Sie sich.", language="de")
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        await page.get(f"/questions/{question.id}")
        token, version = page.token(), after(page)
        async with app.sessions() as session, session.begin():
            row = await session.get(Question, question.id)
            assert row is not None
            await add_from_resident(session, row, text="Hat sich erledigt, danke!", language="de", now=clock.now())
        crossing = await page.post(f"/questions/{question.id}/answer",
                                   {"german": "Kommen Sie vorbei.", "action": "plain", "after": version}, token=token)
        assert crossing.status_code == 409 and "Hat sich erledigt, danke!" in crossing.text
        assert ">Kommen Sie vorbei.</textarea>" in crossing.text
        assert "Übersetzen und Vorschau" not in crossing.text  # German needs no translation
    assert await answers_queued(app, question) == []


async def test_the_detected_language_is_shown_when_it_is_not_the_chosen_one(database: Database, tmp_path: Path,
                                                                            clock: FixedClock) -> None:
    app = await office(database, tmp_path, clock)
    question = await asked(app, "Ich habe einen Brief vom Jobcenter bekommen und verstehe ihn nicht.", language="ar")
    team, _ = await make_account(app, "team")
    async with browser(app) as page:
        await page.login(team.name)
        html = (await page.get(f"/questions/{question.id}")).text
    assert "Anscheinend auf Deutsch geschrieben (gewählte Sprache: Arabisch)." in html


async def test_the_chats_go_on_while_a_page_waits_for_the_translation_service(
        database: Database, tmp_path: Path, clock: FixedClock, service: TranslateEmulator) -> None:
    """No transaction is open while the service is asked: on SQLite, with one connection, a resident's message
    is answered while a staff member's page still waits for a slow translation."""
    app = await office(database, tmp_path, clock, translate_url=service.url, translate_timeout_seconds=60)
    question = await asked(app)
    team, _ = await make_account(app, "team")
    service.inject(SLOW, delay=60)
    async with browser(app) as page:
        await page.login(team.name)
        opening = asyncio.create_task(page.get(f"/questions/{question.id}"))
        async with asyncio.timeout(20):
            while not service.translations():  # noqa: ASYNC110 (the emulator only records requests)
                await asyncio.sleep(0.02)
        replies = await asyncio.wait_for(Chat(app, language_hint="en").say("/start"), 20)
        assert replies and not opening.done()  # answered while the page still waits
        await service.stop()  # the slow answer comes now
        response = await asyncio.wait_for(opening, 30)
    assert response.status_code == 200 and "Ich habe einen Brief vom Jobcenter" in response.text
    assert (await messages_of(app, question))[0].german == "Ich habe einen Brief vom Jobcenter"
