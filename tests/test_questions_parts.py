"""The parts around a question: the office's hours and help lines from the settings, the offline language
detector, prepared answers with their placeholders, and the cards sent with an answer."""

from __future__ import annotations

import uuid

import pytest

from bot.app import App
from bot.config import ConfigError, load_settings
from bot.events.store import quarter_events
from bot.i18n import Translator
from bot.language_detection import detect, differs
from bot.questions import prepared
from bot.questions.cards import event_card, offer_card
from bot.questions.help_lines import emergency_numbers, hours_text, numbers_text, opening_hours
from bot.questions.store import ask
from tests.support.databases import BERLIN
from tests.support.questions import resident_of


def test_office_hours_and_numbers_are_read_from_the_settings_and_shown_in_the_residents_language() -> None:
    settings = load_settings(office_hours="mon-thu 09:00-16:00, fri 09:00-12:30",
                             emergency_numbers="emergency=112, violence_against_women=116016")
    assert [(hours.first, hours.last) for hours in opening_hours(settings.office_hours)] == [(0, 3), (4, 4)]
    turkish = Translator.for_language("tr", BERLIN)
    assert hours_text(turkish, settings.office_hours).splitlines() == ["Pazartesi – Perşembe: 09:00 – 16:00",
                                                                      "Cuma: 09:00 – 12:30"]
    assert emergency_numbers(settings.emergency_numbers) == [("emergency", "112"),
                                                               ("violence_against_women", "116016")]
    assert numbers_text(Translator.for_language("en", BERLIN), settings.emergency_numbers).startswith(
        "☎ 112: Fire brigade and ambulance")
    for wrong in ({"office_hours": "mon-thu 16:00-09:00"}, {"office_hours": "every day"},
                  {"office_hours": "thu-mon 09:00-12:00"}, {"emergency_numbers": "pizza=0209 123"}):
        with pytest.raises(ConfigError, match=f"QB_{next(iter(wrong)).upper()}"):
            load_settings(**wrong)


def test_the_detector_names_the_language_written_and_is_quiet_when_unsure() -> None:
    assert detect("Am primit o scrisoare de la Jobcenter și nu o înțeleg.") == "ro"
    assert detect("Merhaba, Jobcenter'dan bir mektup aldım, anlamıyorum.") == "tr"
    assert detect("Здравствуйте, я получила письмо из Jobcenter и не понимаю его.") == "ru"
    assert detect("ok") is None and detect("112 !!!") is None
    assert differs("Ich habe einen Brief vom Jobcenter bekommen.", "de@easy") is None  # the same language
    assert differs("Am primit o scrisoare de la Jobcenter și nu o înțeleg.", "de") == "ro"


async def test_a_question_keeps_the_language_it_was_written_in_when_it_differs(app: App) -> None:
    resident = await resident_of(app)
    async with app.sessions() as session, session.begin():
        question = await ask(session, resident_id=resident.id, quarter="horst", channel="test", language="de",
                             text="Am primit o scrisoare de la Jobcenter și nu o înțeleg.", now=app.clock.now())
        assert question.messages[0].detected_language == "ro"


async def test_prepared_answers_need_german_and_known_placeholders_and_are_filled_when_sent(app: App) -> None:
    resident, quarter = await resident_of(app), f"q{uuid.uuid4().hex[:10]}"
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        for title, texts, code in (("", {"de": "x"}, prepared.NO_TITLE), ("Brief", {"en": "x"}, prepared.NO_GERMAN),
                                   ("Brief", {"de": "Ihr {name}"}, prepared.UNKNOWN_PLACEHOLDER),
                                   ("Brief", {"de": "x" * 4001}, prepared.TOO_LONG)):
            with pytest.raises(prepared.PreparedAnswerError) as refused:
                await prepared.create(session, quarter, title, texts, now)
            assert refused.value.code == code
        row = await prepared.create(session, quarter, "  Mit dem   Brief kommen ", {
            "de": "Bitte kommen Sie mit dem Brief ({reference}) in die Sprechstunde: {hours}. {unbekannt",
            "tr": "Lütfen mektupla gelin ({reference}): {hours}", "xx": "dropped", "ar": "  "}, now)
        assert row.title == "Mit dem Brief kommen" and set(row.texts) == {"de", "tr"}
        assert prepared.text_for(row, "de@easy") == row.texts["de"] and prepared.text_for(row, "ar") is None
        question = await ask(session, resident_id=resident.id, quarter=quarter, channel="test", language="tr",
                             text="Bir mektup aldım.", now=now)
        text = prepared.filled(prepared.text_for(row, "tr") or "", question, app.settings,
                               Translator.for_language("tr", BERLIN))
        assert text.startswith(f"Lütfen mektupla gelin ({question.reference}): Pazartesi")
        await prepared.update(session, row, "Brief", {"de": "Neu"}, False, now)
        assert await prepared.listed(session, quarter, only_active=True) == []
        assert [found.id for found in await prepared.listed(session, quarter)] == [row.id]
        assert await prepared.get(session, "another", row.id) is None


async def test_cards_show_what_there_is_when_the_answer_goes_out(app: App) -> None:
    async with app.sessions() as session:
        offer = await offer_card(session, "horst", "sozialberatung-horst", "ar")
        german = await offer_card(session, "horst", "sozialberatung-horst", "de")
        [sprachcafe] = [event for event in await quarter_events(session, "horst") if event.key == "sprachcafe"]
        coming = await event_card(session, "horst", sprachcafe.id, app.clock.now(), BERLIN)
        assert await offer_card(session, "horst", "no-such-offer", "ar") is None
        assert await event_card(session, "horst", 999_999, app.clock.now(), BERLIN) is None
        assert await event_card(session, "elsewhere", sprachcafe.id, app.clock.now(), BERLIN) is None
    assert offer is not None and german is not None and offer.title != german.title  # in Arabic
    assert coming is not None and coming.occurrence.start > app.clock.now()
