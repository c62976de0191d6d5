"""Ask the team in the terminal chat: a resident asks, a staff chat is told and answers with /answer, the answer
reaches the resident through the outbox with reply / that helped / still need help; withdrawing; refusing."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from bot.app import App
from bot.channels.console import CHANNEL, ConsoleChannel
from bot.cli import deliver_due
from bot.clock import FixedClock
from bot.conversation.messages import Incoming
from bot.questions.delivery import ANSWER, STAFF_NOTICE
from bot.questions.models import DONE, NEW, OPEN, WAITING, WITHDRAWN
from bot.questions.store import question_by_id
from tests.support.databases import Database
from tests.support.questions import linked_staff, outbox_of, questions_in
from tests.support.queue import queue_app, staff_of

QUESTION = "My landlord sent me a letter about the heating costs and I do not understand it. What should I do?"


async def chat(app: App, user: str, *lines: str, language: str = "en") -> str:
    """One console session of `user`, scripted line by line, as `quartiersbot chat --user …` runs it; a minute
    passes before it (the outbox sends one message a second per chat)."""
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(dt.timedelta(minutes=1))
    output = io.StringIO()
    channel = ConsoleChannel(app.conversation, user, language_hint=language,
                             stdin=io.StringIO("\n".join(lines) + "\n"), stdout=output)
    app.dispatcher.add_channel(CHANNEL, channel.send_proactive, only_user=user)
    await channel.run(interactive=False, pulse=lambda: deliver_due(app))
    return output.getvalue()


def reference_in(text: str) -> str:
    found = re.search(r"F-[A-Z0-9]{5}", text)
    assert found is not None, text
    return found[0]


async def test_a_question_answered_from_the_staff_chat_and_closed_by_the_resident(
        database: Database, tmp_path: Path, clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident, staff = "ana-" + app.settings.quarter, staff_of(app)
    await chat(app, staff, "/start")  # the staff member has written to the bot once, so it can write back
    await linked_staff(app, CHANNEL, staff)

    before = await chat(app, resident, "/ask")
    for shown in ("2 working days", "Monday", "112", "110", "116016", "in your own language",
                  "not end-to-end encrypted", "in person"):
        assert shown in before, shown
    asked = await chat(app, resident, "/ask", "1", QUESTION)
    reference = reference_in(asked)
    [question] = await questions_in(app)
    assert question.status == NEW and question.language == "en" and question.channel == CHANNEL

    told = await chat(app, staff, "/menu")
    assert f"New question {reference}" in told and "heating" not in told  # the reference, never the content
    assert len(await outbox_of(app, STAFF_NOTICE)) == 1

    answered = await chat(app, staff, f"/answer {reference} Please come to the Sprechstunde on Tuesday with the "
                                      "letter, we will read it with you.")
    assert f"Answer to {reference} is on its way" in answered
    received = await chat(app, resident, "/menu")
    assert f"Answer from the team ({reference})" in received
    assert "Your question: “My landlord sent me a letter" in received  # quoted briefly
    assert "Please come to the Sprechstunde on Tuesday" in received
    assert "machine" not in received
    for choice in ("Reply", "That helped, thank you", "I still need help"):
        assert choice in received
    assert (await questions_in(app))[0].status == WAITING

    # A reply goes into the same conversation, and the staff chat hears of it (again without content).
    replied = await chat(app, resident, "/ask", "2", "1", "1", "Which Tuesday, the 15th?")  # … → reply
    assert "Sent to the team" in replied, replied
    [question] = await questions_in(app)
    assert question.status == OPEN and [m.author for m in question.messages] == [
        "resident", "staff", "resident"]
    assert f"New message on question {reference}" in await chat(app, staff, "/menu")

    await chat(app, staff, f"/answer {reference} Yes, Tuesday the 15th from 10 o'clock.")
    await chat(app, resident, "/menu")
    helped = await chat(app, resident, "/ask", "2", "1", "2")  # my questions → the question → that helped
    assert "glad we could help" in helped, helped
    assert (await questions_in(app))[0].status == DONE
    assert len(await outbox_of(app, ANSWER)) == 2
    await app.close()


async def test_withdrawing_adding_and_still_needing_help(database: Database, tmp_path: Path,
                                                          clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident, staff = "ben-" + app.settings.quarter, staff_of(app)
    asked = await chat(app, resident, "/ask", "1", QUESTION, "1", "The letter is from 1 December.")
    assert "Sent to the team" in asked
    [question] = await questions_in(app)
    assert [m.text for m in question.messages] == [QUESTION, "The letter is from 1 December."]
    await chat(app, staff, f"/answer {question.reference} We have received it and look into it.")
    received = await chat(app, resident, "/menu")
    more = await chat(app, resident, "/ask", "2", "1")  # my questions → the question
    assert "I still need help" not in more  # offered with the answer itself
    async with app.sessions() as session:
        assert (await question_by_id(session, question.id)).status == WAITING
    assert "I still need help" in received
    still = await app.conversation.handle(Incoming(CHANNEL, resident, payload=f"ask:more:{question.id}",
                                                   language_hint="en"))
    assert "still need help" in still[0].text
    [question] = await questions_in(app)
    assert question.status == OPEN and question.messages[-1].text == "I still need help."

    withdrawn = await chat(app, resident, "/ask", "2", "1", "2", "1")  # … → withdraw → yes
    assert "The question is withdrawn." in withdrawn, withdrawn
    assert (await questions_in(app))[0].status == WITHDRAWN
    closed = await chat(app, staff, f"/answer {question.reference} Anything else?")
    assert "is closed" in closed
    await app.close()


async def test_answer_is_staff_only_and_buttons_are_checked(database: Database, tmp_path: Path,
                                                             clock: FixedClock) -> None:
    app = await queue_app(database, tmp_path, clock)
    resident, other = "cem-" + app.settings.quarter, "dan-" + app.settings.quarter
    asked = await chat(app, resident, "/ask", "1", QUESTION)
    reference = reference_in(asked)
    [question] = await questions_in(app)
    refused = await chat(app, other, f"/answer {reference} I answer for the team!")
    assert "How to use me" in refused and "on its way" not in refused
    for payload in (f"ask:wdok:{question.id}", f"ask:q:{question.id}", f"ask:add:{question.id}",
                    f"answer:p:{question.id}:1", "ask:q:99999999999", "ask:q:-1", "ask:zz"):
        await app.conversation.handle(Incoming(CHANNEL, other, payload=payload, language_hint="en"))
    [question] = await questions_in(app)
    assert question.status == NEW and len(question.messages) == 1  # nobody else touched it
    assert "There is no question F-ZZZZZ" in await chat(app, staff_of(app), "/answer F-ZZZZZ Hello")
    await app.close()
