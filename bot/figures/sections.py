"""The figures for the city, section by section: the one place the back office's figures pages, the Sachbericht's
PDF and XLSX and the CLI take their numbers from.

Each section is computed for a period and compared with the period of the same length just before it
(`Period.previous`). A page calls only its own section's function; the report calls `figure_sections`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.figures.queue import queue_tables
from bot.figures.survey import survey_tables
from bot.figures.tables import Period, Section
from bot.figures.unmet import unmet_tables
from bot.figures.usage import event_tables, question_tables, reach_tables
from bot.i18n import N_

SURVEY, USAGE, UNMET = "survey", "usage", "unmet"


async def survey_section(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period,
                         now: dt.datetime) -> Section:
    """Bedarfsabfrage: counts and shares per question, split by group and language, small cells hidden."""
    return Section(SURVEY, N_("Needs survey"),
                   N_("The answers to the needs survey (Bedarfsabfrage), per question, beside the period of the same "
                      "length just before, and split by newcomers and old-established residents and by language. "
                      "Versions of the survey are counted together by question. Small groups show \"<5\"."),
                   tuple(await survey_tables(db, quarter, period)))


async def usage_section(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period, now: dt.datetime,
                        *, answer_days: int = 2) -> Section:
    """Inanspruchnahme: the Sprechstunde, events, residents reached, questions to the team.

    `answer_days`: the working days within which the team promises an answer (QB_QUESTIONS_ANSWER_DAYS)."""
    tables = [*await queue_tables(db, quarter, zone, period), *await event_tables(db, quarter, zone, period, now),
              *await reach_tables(db, quarter, period),
              *await question_tables(db, quarter, zone, period, now, answer_days)]
    return Section(USAGE, N_("Use of the services"),
                   N_("How residents used the Sprechstunde, the events, the bot and the questions to the team, each "
                      "beside the period of the same length just before."), tuple(tables))


async def unmet_section(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period,
                        now: dt.datetime) -> Section:
    """Unerfüllte Bedarfe: what residents searched for and did not find, grouped by meaning, by week."""
    return Section(UNMET, N_("Unmet needs"),
                   N_("What residents searched for in the chat and did not find, grouped by meaning across languages "
                      "and by week: input for the next year's goals."), tuple(await unmet_tables(db, quarter, period)))


async def figure_sections(db: AsyncSession, quarter: str, zone: ZoneInfo, period: Period, now: dt.datetime,
                          *, answer_days: int = 2) -> list[Section]:
    """Every section, in the report's order: survey, usage, unmet needs."""
    return [await survey_section(db, quarter, zone, period, now),
            await usage_section(db, quarter, zone, period, now, answer_days=answer_days),
            await unmet_section(db, quarter, zone, period, now)]
