"""Whatever a resident sends, the core answers and never raises."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, create_app
from bot.clock import FixedClock
from bot.conversation.messages import Incoming, parse_text
from bot.db.engine import create_engine_for_url
from tests.support.databases import TUESDAY_MORNING, Database, settings_for

NASTY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(min_size=1, max_size=20).map(lambda chunk: (chunk * 10_000)[:10_000]),  # 10,000 characters
    st.sampled_from(
        [
            "'; DROP TABLE residents; --",
            '" OR 1=1 --',
            "Robert'); DELETE FROM offers;--",
            "🙂" * 500,
            "مرحبا Deutschkurs שלום 123",
            "\u202eevil\u202c",
            "\x00\x01\x02",
            "Tafel\x00",
            "Deutsch\x00kurs",
            "/start " + "x" * 5000,
            "/",
            "//",
            "/start offers",
            "0",
            "-1",
            "99999999999999999999",
            "١٢",
            "\u200f",
            " ",
            "\n\n",
        ]
    ),
)
PAYLOADS = st.one_of(
    st.text(min_size=1, max_size=64),
    st.sampled_from(
        [
            "back",
            "menu",
            "offers:o:",
            "offers:c::1",
            "offers:c:language:-1",
            "offers:c:language:0",
            "offers:q:1",
            "lang:set:",
            "lang",
            "::::",
            "offers:f:g_",
            "help:x:y",
            "soon:events",
        ]
    ),
)
LANGUAGE_HINTS = st.sampled_from([None, "de", "ar", "xx", "", "en-US", "de@easy", "uk"])


def test_the_core_always_answers(database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with asyncio.Runner() as runner:
        app = runner.run(
            create_app(
                settings_for(database, tmp_path),
                clock=FixedClock(TUESDAY_MORNING),
                migrate=False,
                engine=_fresh_engine(database),
            )
        )
        try:
            _run_examples(runner, app)
        finally:
            runner.run(app.close())
    failures = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert failures == []  # no handler raised; every answer was a real one, not the apology


def _fresh_engine(database: Database) -> AsyncEngine:
    """Hypothesis drives its own event loop here; engines must not cross event loops."""
    return create_engine_for_url(database.url)


def _run_examples(runner: asyncio.Runner, app: App) -> None:
    user = uuid.uuid4().hex

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        messages=st.lists(st.tuples(st.booleans(), NASTY_TEXT, PAYLOADS), min_size=1, max_size=4), hint=LANGUAGE_HINTS
    )
    def examples(messages: list[tuple[bool, str, str]], hint: str | None) -> None:
        for as_payload, text, payload in messages:
            incoming = (
                Incoming("fuzz", user, payload=payload, language_hint=hint)
                if as_payload
                else parse_text("fuzz", user, text, language_hint=hint)
            )
            replies = runner.run(app.conversation.handle(incoming))
            assert replies, incoming
            assert all(reply.text for reply in replies)
            assert all(1 <= len(choice.payload.encode()) <= 64 for reply in replies for choice in reply.choices)

    examples()
