"""The topics staff give a question when they close it, for the figures (`Question.topic`, counted by
bot/questions/figures.py): a short fixed list, so the city's figures add up, and a free topic of staff's own
words when none fits (at most `MAX_TOPIC` characters). The keys are stored; screens name them.
"""

from __future__ import annotations

TOPICS: tuple[str, ...] = ("work", "housing", "health", "school", "language", "residence", "money", "leisure",
                           "other")
MAX_TOPIC = 40


class NoTopic(ValueError):
    """Neither a listed topic nor a free one of at most MAX_TOPIC characters."""


def chosen_topic(listed: str, free: str) -> str:
    """The free topic if staff wrote one (spaces tidied), else the listed key; NoTopic if neither is valid."""
    free = " ".join(free.split())
    if free:
        if len(free) > MAX_TOPIC:
            raise NoTopic(free)
        return free
    if listed not in TOPICS:
        raise NoTopic(listed)
    return listed
