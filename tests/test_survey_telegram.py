"""The Bedarfsabfrage through Telegram: the real library, real HTTP, the loopback emulation."""

from __future__ import annotations

import yaml

from tests.support.chat import Chat
from tests.support.databases import HORST
from tests.support.survey import stored_answers
from tests.support.telegram import Resident, Running, buttons, resident
from tests.support.telegram_emulator import BotApiEmulator

SURVEY = yaml.safe_load((HORST / "bedarfsabfrage.yaml").read_text(encoding="utf-8"))


async def test_the_whole_survey_by_buttons_on_telegram(emulator: BotApiEmulator, bot: Running) -> None:
    person = Resident(emulator, resident(), "ro")
    await person.type("/start survey")  # the poster's deep link
    assert SURVEY["title"]["ro"] in person.newest.text
    await person.press("survey:go:bedarfsabfrage")
    await person.press("survey:a:living_in_horst:over_10_years")
    assert SURVEY["questions"][3]["text"]["ro"] in person.newest.text  # the old-established branch
    await person.press("survey:t:changes:cleanliness")
    ticked = person.newest
    assert any(button["text"].startswith("✅ ") for button in buttons(ticked))
    await person.press("survey:t:changes:safety")
    assert person.newest.message_id == ticked.message_id  # ticking edits the question in place
    await person.press("survey:d:changes")
    await person.press("survey:a:meeting_newcomers:2")
    await person.press("survey:b:age_group")  # back
    await person.press("survey:a:meeting_newcomers:3")
    await person.press("survey:a:age_group:65_plus")
    await person.type("0")
    await person.press("survey:s:home_languages")
    await person.press("survey:a:feel_at_home:5")
    await person.press("survey:t:wanted_offers:seniors")
    await person.press("survey:d:wanted_offers")
    await person.press("survey:s:preferred_times")
    await person.press("survey:t:barriers:mobility")
    await person.press("survey:d:barriers")
    await person.type("<b>Mai multe bănci</b> & umbră")  # escaped, stored as typed
    await person.press("survey:a:help_organise:no")
    texts = [message.text for message in emulator.messages(person.user)[-2:]]
    assert SURVEY["closing"]["ro"] in "\n".join(texts)
    answers = await stored_answers(bot.app, Chat(bot.app, channel="telegram", user=str(person.user)))
    assert answers == {
        "living_in_horst": "over_10_years", "changes": ["cleanliness", "safety"], "meeting_newcomers": 3,
        "age_group": "65_plus", "children": 0, "home_languages": "(skipped)", "feel_at_home": 5,
        "wanted_offers": ["seniors"], "preferred_times": "(skipped)", "barriers": ["mobility"],
        "ideas": "<b>Mai multe bănci</b> & umbră", "help_organise": "no",
    }
