"""Loopback LibreTranslate HTTP API for tests: an aiohttp server on 127.0.0.1 at a free port.

Its "translations" are deterministic: a few known phrases from a small dictionary, everything else marked as
`[ar] original`. It detects the language of known phrases (and Arabic and Cyrillic script), lists its languages,
refuses a wrong API key with 403 as LibreTranslate does, records every request, and fails on request: a 429
(optionally with Retry-After), another status, a slow answer, or a broken connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
SLOW = "slow"  # a fault for inject(): the answer comes after `delay` seconds
DROP = "drop"  # a fault for inject(): the connection breaks before any answer

# (source, target) → {text: translation}
COME_WITH_LETTER = "Bitte kommen Sie mit dem Brief in die Sprechstunde."
PHRASES: dict[tuple[str, str], dict[str, str]] = {
    ("de", "ar"): {COME_WITH_LETTER: "يرجى الحضور إلى ساعة الاستشارة مع الرسالة."},
    ("de", "ro"): {COME_WITH_LETTER: "Vă rugăm să veniți la consultații cu scrisoarea."},
    ("ar", "de"): {"لدي رسالة من مركز العمل": "Ich habe einen Brief vom Jobcenter"},
    ("ro", "de"): {"Am primit o scrisoare de la proprietar": "Ich habe einen Brief vom Vermieter bekommen"},
    ("en", "de"): {"Where can I learn German?": "Wo kann ich Deutsch lernen?"},
}
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("ar", "Arabic"), ("bg", "Bulgarian"), ("de", "German"), ("en", "English"), ("pl", "Polish"),
    ("ro", "Romanian"), ("ru", "Russian"), ("tr", "Turkish"), ("uk", "Ukrainian"),
)
ARABIC = re.compile(r"[\u0600-\u06ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass
class Fault:
    kind: int | str
    retry_after: float | None = None
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    body: JSON | None
    status: int = 0


@dataclass
class TranslateEmulator:
    api_key: str | None = None  # when set, requests must carry it (as LibreTranslate started with --api-keys)
    languages: tuple[tuple[str, str], ...] = LANGUAGES
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/translate", self._translate)
        app.router.add_get("/languages", self._languages)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()  # ends slow answers, so that the shutdown does not wait for them
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def inject(self, fault: int | str, count: int = 1, retry_after: float | None = None, delay: float = 5.0) -> None:
        """The next `count` requests fail: with an HTTP status (a 429 may carry `retry_after`), with SLOW (the
        answer comes after `delay` seconds, or when the server stops), or with DROP (the connection breaks)."""
        if not (isinstance(fault, int) and 400 <= fault <= 599) and fault not in (SLOW, DROP):
            raise ValueError(f"unknown fault {fault!r}")
        self._faults.extend([Fault(fault, retry_after, delay)] * count)

    def faults_left(self) -> int:
        return len(self._faults)

    def translations(self) -> list[Recorded]:
        return [request for request in self.requests if request.path == "/translate"]

    async def _apply_fault(self, request: web.Request, recorded: Recorded) -> web.StreamResponse | None:
        if not self._faults:
            return None
        fault = self._faults.pop(0)
        if fault.kind == SLOW:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.delay)
            return None  # then the ordinary answer, if anyone still waits for it
        if fault.kind == DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        assert isinstance(fault.kind, int)
        recorded.status = fault.kind
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
        message = "Too many request limits violations" if fault.kind == 429 else "Injected failure"
        return web.json_response({"error": message}, status=fault.kind, headers=headers)

    async def _read(self, request: web.Request) -> JSON:
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        return dict(await request.post())

    def _error(self, recorded: Recorded, status: int, message: str) -> web.Response:
        recorded.status = status
        return web.json_response({"error": message}, status=status)

    async def _languages(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded("GET", "/languages", None)
        self.requests.append(recorded)
        if (faulty := await self._apply_fault(request, recorded)) is not None:
            return faulty
        codes = [code for code, _ in self.languages]
        recorded.status = 200
        return web.json_response([{"code": code, "name": name, "targets": [c for c in codes if c != code]}
                                  for code, name in self.languages])

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        body = await self._read(request)
        recorded = Recorded("POST", "/translate", body)
        self.requests.append(recorded)
        if (faulty := await self._apply_fault(request, recorded)) is not None:
            return faulty
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return self._error(recorded, 403, "Invalid API key")
        text, source, target = body.get("q"), body.get("source"), body.get("target")
        if not isinstance(text, str) or not text:
            return self._error(recorded, 400, "Invalid request: missing q parameter")
        codes = {code for code, _ in self.languages}
        if source != "auto" and source not in codes:
            return self._error(recorded, 400, f"{source} is not supported")
        if target not in codes:
            return self._error(recorded, 400, f"{target} is not supported")
        answer: JSON = {}
        if source == "auto":
            source, confidence = self.detect(text)
            answer["detectedLanguage"] = {"language": source, "confidence": confidence}
        answer["translatedText"] = self.translation(text, str(source), str(target))
        recorded.status = 200
        return web.json_response(answer)

    @staticmethod
    def detect(text: str) -> tuple[str, float]:
        for (source, _), phrases in PHRASES.items():
            if text in phrases:
                return source, 90.0
        if ARABIC.search(text):
            return "ar", 80.0
        if CYRILLIC.search(text):
            return "ru", 50.0
        return "en", 20.0

    @staticmethod
    def translation(text: str, source: str, target: str) -> str:
        if source == target:
            return text
        return PHRASES.get((source, target), {}).get(text, f"[{target}] {text}")
