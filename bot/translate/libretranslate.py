"""A small async client for the LibreTranslate HTTP API (https://libretranslate.com/docs), which a city can host itself.

`POST {url}/translate` with JSON `{"q", "source", "target", "format": "text", "api_key"?}` answers
`{"translatedText", "detectedLanguage"?: {"language", "confidence"}}`; `GET {url}/languages` lists what the service
offers. Callers get a `Translation` (always marked as machine-made) or a `TranslationUnavailable` with a reason,
never an httpx error: the inbox then says so and staff use prepared answers instead.

What residents wrote never reaches a log line here, at any level: only lengths, languages, statuses and timings.
The API key travels in the request body, not in the URL that httpx would log.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bot.config import Settings
from bot.languages import LANGUAGE_CODES

log = logging.getLogger(__name__)

AUTO = "auto"
# Our language codes → LibreTranslate's. There is no machine translation into Leichte Sprache: `de@easy`
# gets plain German, which staff should shorten before sending.
SERVICE_CODES: dict[str, str] = {code: code.split("@")[0] for code in LANGUAGE_CODES}
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class Reason(StrEnum):
    NOT_CONFIGURED = "no translation service is configured"
    UNSUPPORTED_LANGUAGE = "the language is not supported"
    REFUSED = "the translation service refused the API key"
    REJECTED = "the translation service rejected the request"
    BUSY = "the translation service is busy (too many requests)"
    SERVICE_ERROR = "the translation service failed"
    TIMEOUT = "the translation service did not answer in time"
    UNREACHABLE = "the translation service cannot be reached"
    BAD_ANSWER = "the translation service gave an answer that is not understood"


class TranslationUnavailable(Exception):
    """No translation now; `reason` says why, `status` is the last HTTP status if there was one.

    The message never contains the text that was to be translated."""

    def __init__(self, reason: Reason, status: int | None = None) -> None:
        super().__init__(reason.value if status is None else f"{reason.value} (HTTP {status})")
        self.reason, self.status = reason, status


@dataclass(frozen=True)
class Translation:
    text: str
    target: str  # our language code, as asked
    # Our code of the source language: as given, or as the service detected it (None: detected, but not
    # one of ours, or not said).
    source: str | None
    detected_language: str | None = None  # the service's own code, when it detected the language
    detected_confidence: float | None = None  # 0-100, as LibreTranslate reports it
    machine_made: bool = True  # always: residents are shown that the text was machine-translated


def translation_configured(settings: Settings) -> bool:
    """Whether a translation service is configured (QB_TRANSLATE_URL)."""
    return bool(settings.translate_url)


class _Retry(Exception):
    """An answer worth another attempt (429, 5xx); `wait` is the service's Retry-After, if it gave one."""

    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.wait = status, wait


def _retried(error: BaseException) -> bool:
    # A read timeout is not retried: the service got the request and is slow; waiting again would double
    # what the staff member waits. A refused or broken connection, and 429/5xx, are retried.
    return isinstance(error, _Retry | httpx.ConnectError | httpx.ConnectTimeout | httpx.RemoteProtocolError
                      | httpx.ReadError | httpx.WriteError)


class LibreTranslate:
    """One client per process (it keeps a connection pool); use as `async with` or call `aclose()`."""

    def __init__(self, url: str, api_key: str | None = None, timeout_seconds: float = 10.0, attempts: int = 3,
                 wait_seconds: float = 0.5, max_wait_seconds: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._api_key = api_key or None
        self._attempts, self._wait_seconds, self._max_wait_seconds = attempts, wait_seconds, max_wait_seconds
        self._wait = wait_exponential(multiplier=wait_seconds, max=max_wait_seconds)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), transport=transport,
                                       headers={"Accept": "application/json"}, follow_redirects=False)

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> LibreTranslate:
        """A client for QB_TRANSLATE_URL; without one, every call raises TranslationUnavailable(NOT_CONFIGURED)."""
        key = settings.translate_api_key.get_secret_value() if settings.translate_api_key else None
        return cls(settings.translate_url, key, settings.translate_timeout_seconds, **options)

    @property
    def configured(self) -> bool:
        return bool(self.url)

    async def __aenter__(self) -> LibreTranslate:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def translate(self, text: str, target: str, source: str = AUTO) -> Translation:
        """`text` from `source` (one of our codes, or "auto" to let the service detect it) into `target`."""
        service_target = self._service_code(target)
        service_source = AUTO if source == AUTO else self._service_code(source)
        if not text.strip():
            return Translation(text, target, None if source == AUTO else source)
        payload: dict[str, Any] = {"q": text, "source": service_source, "target": service_target, "format": "text"}
        if self._api_key:
            payload["api_key"] = self._api_key
        started = time.monotonic()
        body = await self._request("POST", "/translate", payload)
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, str):
            log.warning("translation answer without translatedText")
            raise TranslationUnavailable(Reason.BAD_ANSWER)
        detected = body.get("detectedLanguage") if source == AUTO else None
        language = detected.get("language") if isinstance(detected, dict) else None
        confidence = detected.get("confidence") if isinstance(detected, dict) else None
        language = language if isinstance(language, str) else None
        log.info("translated %d characters %s→%s into %d characters in %.0f ms", len(text), service_source,
                 service_target, len(translated), (time.monotonic() - started) * 1000)
        return Translation(
            translated, target,
            source if source != AUTO else (language if language in SERVICE_CODES else None),
            detected_language=language,
            detected_confidence=float(confidence) if isinstance(confidence, int | float) else None)

    async def languages(self) -> frozenset[str]:
        """Our language codes the service offers (`de@easy` with `de`)."""
        body = await self._request("GET", "/languages", None)
        if not isinstance(body, list):
            raise TranslationUnavailable(Reason.BAD_ANSWER)
        offered = {entry.get("code") for entry in body if isinstance(entry, dict)}
        return frozenset(ours for ours, theirs in SERVICE_CODES.items() if theirs in offered)

    def _service_code(self, ours: str) -> str:
        if not self.configured:
            raise TranslationUnavailable(Reason.NOT_CONFIGURED)
        if ours not in SERVICE_CODES:
            raise TranslationUnavailable(Reason.UNSUPPORTED_LANGUAGE)
        return SERVICE_CODES[ours]

    def _wait_before(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retry) and error.wait is not None:
            return min(error.wait, self._max_wait_seconds)
        return float(self._wait(state))

    async def _request(self, method: str, path: str, payload: dict[str, Any] | None) -> Any:
        if not self.configured:
            raise TranslationUnavailable(Reason.NOT_CONFIGURED)
        try:
            async for attempt in AsyncRetrying(retry=retry_if_exception(_retried), reraise=True,
                                               stop=stop_after_attempt(self._attempts), wait=self._wait_before):
                with attempt:
                    number = attempt.retry_state.attempt_number
                    if number > 1:
                        log.warning("retrying the translation service (%s %s), attempt %d", method, path, number)
                    return await self._once(method, path, payload)
        except _Retry as error:
            log.warning("translation service still failing after %d attempts: HTTP %d", self._attempts,
                        error.status)
            raise TranslationUnavailable(Reason.BUSY if error.status == 429 else Reason.SERVICE_ERROR,
                                         error.status) from None
        except httpx.TimeoutException:
            log.warning("translation service timed out (%s %s)", method, path)
            raise TranslationUnavailable(Reason.TIMEOUT) from None
        except httpx.HTTPError as error:
            # The error's text names the URL at most, never the body; its kind is enough for the log.
            log.warning("translation service unreachable (%s %s): %s", method, path, type(error).__name__)
            raise TranslationUnavailable(Reason.UNREACHABLE) from None
        raise AssertionError("AsyncRetrying re-raises the last error")

    async def _once(self, method: str, path: str, payload: dict[str, Any] | None) -> Any:
        response = await self._http.request(method, self.url + path, json=payload)
        status = response.status_code
        log.debug("translation service %s %s: HTTP %d, %d bytes", method, path, status, len(response.content))
        if status in RETRIED_STATUSES:
            raise _Retry(status, _retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            log.warning("translation service refused the API key: HTTP %d", status)
            raise TranslationUnavailable(Reason.REFUSED, status)
        if status >= 400:
            # The error text (LibreTranslate's {"error": ...}) may repeat the request: not logged.
            log.warning("translation service rejected a request: HTTP %d", status)
            raise TranslationUnavailable(Reason.REJECTED, status)
        try:
            return response.json()
        except ValueError:
            log.warning("translation service answered HTTP %d with something that is not JSON", status)
            raise TranslationUnavailable(Reason.BAD_ANSWER, status) from None


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the exponential wait instead
