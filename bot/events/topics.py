"""Following a topic for new events is a consent: given, listed and withdrawn here only.

The events screens and the privacy screen both call these, so withdrawing a topic has the same
effect wherever a resident does it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events.changes import TOPIC_CONSENT_VERSION
from bot.events.models import TopicSubscription


async def followed(session: AsyncSession, resident_id: int) -> list[TopicSubscription]:
    """The resident's topics with the consent each was given under, oldest first."""
    return list((await session.scalars(select(TopicSubscription).where(TopicSubscription.resident_id == resident_id)
                                       .order_by(TopicSubscription.created_at, TopicSubscription.topic))).all())


async def followed_topics(session: AsyncSession, resident_id: int) -> set[str]:
    topics = await session.scalars(select(TopicSubscription.topic).where(TopicSubscription.resident_id == resident_id))
    return set(topics)


async def follow(session: AsyncSession, resident_id: int, topic: str, now: dt.datetime) -> None:
    """Record the consent with the version of the text shown, so it can be proven and shown back."""
    session.add(TopicSubscription(resident_id=resident_id, topic=topic, consent_version=TOPIC_CONSENT_VERSION,
                                  created_at=now))
    await session.flush()


async def unfollow(session: AsyncSession, resident_id: int, topic: str) -> bool:
    """Withdraw the consent; False when the resident did not follow the topic (an old button)."""
    result = await session.execute(delete(TopicSubscription).where(TopicSubscription.resident_id == resident_id,
                                                                   TopicSubscription.topic == topic))
    return bool(result.rowcount)  # type: ignore[attr-defined]
