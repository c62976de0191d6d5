"""My consents (Art. 7 DSGVO): what the resident agreed to, when, under which text, and withdrawing it.

Withdrawing is as easy as giving: one button, no question back, effective at once. The domain
functions are the same the events screens use, so the effect does not depend on where it is taken.
"""

from __future__ import annotations

import datetime as dt

from bot.conversation.context import Context
from bot.conversation.messages import Choice, Reply, row_id
from bot.events.changes import TOPICS
from bot.events.topics import followed, unfollow
from bot.surveys.models import Survey
from bot.surveys.signups import signups_of, withdraw_signup
from handlers.events.flow import TOPIC_LABELS
from handlers.privacy.notice import HOME_LABEL

LABEL_LENGTH = 60


def given_on(ctx: Context, moment: dt.datetime, version: int) -> str:
    return ctx._("given on {date} (text version {version})").format(
        date=ctx.translator.date(ctx.translator.local(moment).date()), version=version)


def survey_title(ctx: Context, survey: Survey) -> str:
    titles = survey.definition.get("title") or {}
    return str(titles.get(ctx.translator.code) or titles.get("de") or survey.key)


def shortened(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[:LABEL_LENGTH - 1] + "…"


async def screen(ctx: Context, note: str = "", *, edit: bool = False) -> Reply:
    lines: list[str] = []
    choices: list[Choice] = []
    for follow in await followed(ctx.session, ctx.resident.id):
        label = ctx._(TOPIC_LABELS.get(follow.topic, follow.topic))
        lines.append(f"🔔 {label}: {given_on(ctx, follow.created_at, follow.consent_version)}")
        choices.append(Choice(shortened(ctx._("✖ Withdraw: {consent}").format(consent=label)),
                              f"privacy:wt:{follow.topic}"))
    for signup, survey in await signups_of(ctx.session, ctx.resident.id):
        title = survey_title(ctx, survey)
        lines.append("📝 " + ctx._("Contact for “{survey}”: {contact}").format(survey=title, contact=signup.contact)
                     + f", {given_on(ctx, signup.consented_at, signup.consent_version)}")
        choices.append(Choice(shortened(ctx._("✖ Withdraw: contact for “{survey}”").format(survey=title)),
                              f"privacy:ws:{signup.id}"))
    if lines:
        text = "\n".join([ctx._("Your consents:"), *lines, "",
                          ctx._("A withdrawal applies from now on. Tap a button to withdraw.")])
    else:
        text = ctx._("You have not given any consent.")
    choices.append(Choice(ctx._(HOME_LABEL), "privacy:home"))
    return ctx.reply(f"{note}\n\n{text}" if note else text, choices, route="privacy:consents", edit=edit)


async def withdraw_topic(ctx: Context, topic: str) -> Reply:
    if topic not in TOPICS or not await unfollow(ctx.session, ctx.resident.id, topic):
        return await screen(ctx, edit=True)  # withdrawn before (an old button): the list as it is now
    note = "✅ " + ctx._("Withdrawn: {consent}").format(consent=ctx._(TOPIC_LABELS[topic]))
    return await screen(ctx, note, edit=True)


async def withdraw_contact(ctx: Context, signup_id: str) -> Reply:
    number = row_id(signup_id)
    if number is None or not await withdraw_signup(ctx.session, ctx.resident.id, number):
        return await screen(ctx, edit=True)
    return await screen(ctx, "✅ " + ctx._("Withdrawn: your contact details are deleted."), edit=True)
