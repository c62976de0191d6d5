"""Residents reached and messages sent, counted as they happen and read back for the figures.

"Reached" is a resident who wrote to the bot (any message or button) in a local month: the conversation core
counts a resident once per month, at their first message of that month, under the language they had then
(`count_reached`). Sent proactive messages are counted when the outbox deletes them after their keeping time
(`roll_up_sent`); the figures add those still in the outbox (`sent_per_day`), so a count neither waits for the
deletion nor is lost by it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activity.models import ActivityCount
from bot.db.dialect import dialect_insert, utc_hour
from bot.outbox.models import OutboxMessage

REACHED = "reached"
SENT = "sent:"


def month_of(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date().replace(day=1)


async def add(session: AsyncSession, quarter: str, day: dt.date, measure: str, channel: str, language: str,
              count: int = 1) -> None:
    insert = dialect_insert(session, ActivityCount).values(quarter=quarter, day=day, measure=measure,
                                                           channel=channel, language=language, count=count)
    await session.execute(insert.on_conflict_do_update(
        index_elements=["quarter", "day", "measure", "channel", "language"],
        set_={"count": ActivityCount.count + count}))


async def count_reached(session: AsyncSession, quarter: str, month: dt.date, channel: str,
                        language: str | None) -> None:
    await add(session, quarter, month, REACHED, channel, language or "")


async def roll_up_sent(session: AsyncSession, quarter: str, zone: ZoneInfo,
                       sent: Iterable[tuple[str, str, dt.datetime]]) -> int:
    """Count (kind, channel, sent at) of proactive messages about to be deleted, per local day."""
    counts: Counter[tuple[dt.date, str, str]] = Counter(
        (moment.astimezone(zone).date(), kind, channel) for kind, channel, moment in sent)
    for (day, kind, channel), count in counts.items():
        await add(session, quarter, day, SENT + kind, channel, "", count)
    return sum(counts.values())


async def reached_per_month(session: AsyncSession, quarter: str, first: dt.date, last: dt.date
                            ) -> list[tuple[dt.date, str, str, int]]:
    """(month, channel, language, residents) for the months whose first day lies in [first, last]."""
    rows = await session.execute(
        select(ActivityCount.day, ActivityCount.channel, ActivityCount.language, func.sum(ActivityCount.count))
        .where(ActivityCount.quarter == quarter, ActivityCount.measure == REACHED,
               ActivityCount.day >= first, ActivityCount.day <= last)
        .group_by(ActivityCount.day, ActivityCount.channel, ActivityCount.language))
    return [(day, channel, language, int(count)) for day, channel, language, count in rows.all()]


async def sent_per_day(session: AsyncSession, quarter: str, kind: str, first: dt.date, last: dt.date,
                       zone: ZoneInfo) -> Counter[dt.date]:
    """Proactive messages of `kind` sent per local day in [first, last]: those counted when the outbox deleted
    them, and those it still keeps."""
    days: Counter[dt.date] = Counter()
    counted = await session.execute(
        select(ActivityCount.day, func.sum(ActivityCount.count))
        .where(ActivityCount.quarter == quarter, ActivityCount.measure == SENT + kind,
               ActivityCount.day >= first, ActivityCount.day <= last)
        .group_by(ActivityCount.day))
    for day, count in counted.all():
        days[day] += int(count)
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    hour = utc_hour(session, OutboxMessage.sent_at)
    kept = await session.execute(
        select(hour, func.count()).where(OutboxMessage.kind == kind, OutboxMessage.status == "sent",
                                         OutboxMessage.sent_at >= start, OutboxMessage.sent_at < end)
        .group_by(hour))
    for text, count in kept.all():
        moment = dt.datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
        days[moment.astimezone(zone).date()] += int(count)
    return days
