"""The LibreTranslate client (bot/translate/) against the loopback emulator in tests/support/translate_emulator.py."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.config import ConfigError, load_settings
from bot.translate import LibreTranslate, Reason, TranslationUnavailable, translation_configured
from tests.support.ports import free_port
from tests.support.translate_emulator import DROP, SLOW, TranslateEmulator

ASKED = "لدي رسالة من مركز العمل"  # what a resident wrote: it must never be logged
ANSWER = "Bitte kommen Sie mit dem Brief in die Sprechstunde."


@pytest_asyncio.fixture
async def service() -> AsyncIterator[TranslateEmulator]:
    server = TranslateEmulator()
    await server.start()
    yield server
    await server.stop()


def client_for(server: TranslateEmulator, timeout_seconds: float = 2.0, **options: object) -> LibreTranslate:
    settings = load_settings(translate_url=server.url + "/", translate_timeout_seconds=timeout_seconds,
                             translate_api_key=server.api_key)
    return LibreTranslate.from_settings(settings, **{"wait_seconds": 0.01, "max_wait_seconds": 0.05} | options)


async def test_translates_staff_answer_into_arabic(service: TranslateEmulator) -> None:
    async with client_for(service) as client:
        result = await client.translate(ANSWER, target="ar", source="de")
    assert result.text == "يرجى الحضور إلى ساعة الاستشارة مع الرسالة."
    assert result.machine_made is True
    assert (result.source, result.target, result.detected_language) == ("de", "ar", None)
    assert service.translations()[0].body == {"q": ANSWER, "source": "de", "target": "ar", "format": "text"}


async def test_detects_the_residents_language(service: TranslateEmulator) -> None:
    async with client_for(service) as client:
        result = await client.translate(ASKED, target="de")
    assert result.text == "Ich habe einen Brief vom Jobcenter"
    assert (result.source, result.detected_language, result.detected_confidence) == ("ar", "ar", 90.0)
    assert service.translations()[0].body["source"] == "auto"


async def test_detected_language_not_ours_is_reported_raw(service: TranslateEmulator,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    async with client_for(service) as client:
        cyrillic = await client.translate("Пример", target="de")
        monkeypatch.setattr(service, "detect", lambda text: ("fr", 70.0))
        french = await client.translate("Bonjour", target="de")
    assert (cyrillic.source, cyrillic.detected_language, cyrillic.text) == ("ru", "ru", "[de] Пример")
    assert (french.source, french.detected_language, french.detected_confidence) == (None, "fr", 70.0)


async def test_easy_german_maps_to_german(service: TranslateEmulator) -> None:
    async with client_for(service) as client:
        result = await client.translate("Where can I learn German?", target="de@easy", source="en")
        back = await client.translate("Wo kann ich Deutsch lernen?", target="en", source="de@easy")
    assert result.text == "Wo kann ich Deutsch lernen?"
    assert result.target == "de@easy"
    assert [r.body["target"] for r in service.translations()] == ["de", "en"]
    assert service.translations()[1].body["source"] == "de"
    assert back.text == "[en] Wo kann ich Deutsch lernen?"


async def test_languages_lists_ours_the_service_offers(service: TranslateEmulator) -> None:
    service.languages = tuple(entry for entry in service.languages if entry[0] != "bg")
    async with client_for(service) as client:
        offered = await client.languages()
    assert offered == {"de", "de@easy", "en", "tr", "ar", "ro", "uk", "ru", "pl"}


async def test_an_unknown_language_is_refused_before_any_request(service: TranslateEmulator) -> None:
    async with client_for(service) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="xx", source="de")
    assert caught.value.reason is Reason.UNSUPPORTED_LANGUAGE
    assert service.requests == []


async def test_language_the_service_lacks_is_rejected(service: TranslateEmulator) -> None:
    service.languages = tuple(entry for entry in service.languages if entry[0] != "uk")
    async with client_for(service) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="uk", source="de")
    assert (caught.value.reason, caught.value.status) == (Reason.REJECTED, 400)
    assert len(service.requests) == 1  # a client error is not retried


async def test_api_key_sent_and_a_wrong_one_refused(service: TranslateEmulator) -> None:
    service.api_key = "right-key"
    async with client_for(service) as client:
        assert (await client.translate(ANSWER, target="ro", source="de")).text.startswith("Vă rugăm")
    assert service.translations()[0].body["api_key"] == "right-key"
    settings = load_settings(translate_url=service.url, translate_api_key="wrong-key")
    async with LibreTranslate.from_settings(settings, wait_seconds=0.01) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="ro", source="de")
    assert (caught.value.reason, caught.value.status) == (Reason.REFUSED, 403)
    assert len(service.translations()) == 2  # refused once, not retried
    assert "wrong-key" not in str(caught.value)


async def test_busy_service_is_asked_again(service: TranslateEmulator) -> None:
    service.inject(429, count=2, retry_after=0)
    async with client_for(service) as client:
        result = await client.translate(ANSWER, target="ar", source="de")
    assert result.text.startswith("يرجى")
    assert [r.status for r in service.translations()] == [429, 429, 200]


async def test_retry_after_is_honoured_up_to_a_limit(service: TranslateEmulator) -> None:
    service.inject(429, retry_after=30)
    started = time.monotonic()
    async with client_for(service, max_wait_seconds=0.3) as client:
        await client.translate(ANSWER, target="ar", source="de")
    assert 0.25 <= time.monotonic() - started < 2


async def test_server_errors_exhausted(service: TranslateEmulator) -> None:
    service.inject(500, count=5)
    async with client_for(service, attempts=3) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="ar", source="de")
    assert (caught.value.reason, caught.value.status) == (Reason.SERVICE_ERROR, 500)
    assert len(service.translations()) == 3
    assert service.faults_left() == 2


async def test_still_busy_after_all_attempts(service: TranslateEmulator) -> None:
    service.inject(429, count=3, retry_after=0)
    async with client_for(service, attempts=3) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="ar", source="de")
    assert caught.value.reason is Reason.BUSY


async def test_slow_service_times_out_without_retry(service: TranslateEmulator) -> None:
    service.inject(SLOW, count=3, delay=5.0)
    settings = load_settings(translate_url=service.url, translate_timeout_seconds=0.3)
    started = time.monotonic()
    async with LibreTranslate.from_settings(settings, wait_seconds=0.01) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="ar", source="de")
    assert caught.value.reason is Reason.TIMEOUT
    assert time.monotonic() - started < 2
    assert len(service.translations()) == 1


async def test_broken_connection_is_retried(service: TranslateEmulator) -> None:
    service.inject(DROP)
    async with client_for(service) as client:
        result = await client.translate(ANSWER, target="ar", source="de")
    assert result.text.startswith("يرجى")
    assert len(service.translations()) == 2


async def test_no_service_listening() -> None:
    settings = load_settings(translate_url=f"http://127.0.0.1:{free_port()}")
    async with LibreTranslate.from_settings(settings, wait_seconds=0.01, attempts=2) as client:
        with pytest.raises(TranslationUnavailable) as caught:
            await client.translate(ANSWER, target="ar", source="de")
    assert caught.value.reason is Reason.UNREACHABLE
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_not_configured_says_so() -> None:
    settings = load_settings(translate_url="")
    assert not translation_configured(settings)
    assert translation_configured(load_settings(translate_url="http://127.0.0.1:5000"))
    async with LibreTranslate.from_settings(settings) as client:
        assert not client.configured
        for call in (client.translate(ANSWER, target="ar", source="de"), client.languages()):
            with pytest.raises(TranslationUnavailable) as caught:
                await call
            assert caught.value.reason is Reason.NOT_CONFIGURED
            assert str(caught.value) == "no translation service is configured"


def test_settings() -> None:
    settings = load_settings(translate_url="https://translate.example.org/", translate_api_key="k")
    assert settings.translate_url == "https://translate.example.org"
    assert settings.translate_api_key == SecretStr("k")
    assert settings.translate_timeout_seconds == 10.0
    with pytest.raises(ConfigError, match="QB_TRANSLATE_URL"):
        load_settings(translate_url="translate.example.org")
    with pytest.raises(ConfigError, match="QB_TRANSLATE_TIMEOUT_SECONDS"):
        load_settings(translate_timeout_seconds=0)


async def test_no_resident_text_in_logs(service: TranslateEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    service.api_key = "secret-key"
    async with client_for(service) as client:
        await client.translate(ASKED, target="de")  # success, auto-detected
        service.inject(500, count=3)
        with pytest.raises(TranslationUnavailable):
            await client.translate(ASKED, target="de", source="ar")
        service.inject(429, retry_after=0)
        service.inject(DROP)
        await client.translate(ASKED, target="de", source="ar")
    service.inject(SLOW, delay=5.0)
    async with client_for(service, timeout_seconds=0.2) as client:
        with pytest.raises(TranslationUnavailable):
            await client.translate(ASKED, target="de", source="ar")
    service.api_key = "another-key"
    wrong = load_settings(translate_url=service.url, translate_api_key="wrong-key-xyz")
    async with LibreTranslate.from_settings(wrong) as client:
        with pytest.raises(TranslationUnavailable):
            await client.translate(ASKED, target="de", source="ar")
    ours = [record for record in caplog.records if record.name.startswith("bot.translate")]
    assert any(record.levelno == logging.DEBUG for record in ours)
    assert any("translated" in record.getMessage() for record in ours)
    assert len({record.levelno for record in ours}) >= 3  # debug, info and warning lines were all written
    forbidden = (ASKED, "Ich habe einen Brief", "secret-key", "wrong-key-xyz")
    for record in caplog.records:
        line = logging.Formatter("%(message)s").format(record)
        assert not any(text in line for text in forbidden), (record.name, record.levelname)
    assert not any(text in caplog.text for text in forbidden)
