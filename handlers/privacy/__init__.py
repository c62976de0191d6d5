"""Privacy for residents: the notice, my data as a file, delete everything about me, my consents.

The rights of the DSGVO are only real if a resident can use them alone, on the phone, with
buttons: so each is one or two taps, in their language, and does at once what it says.
The work is done by the same functions as staff's `quartiersbot privacy` (bot/privacy/), so the
chat and the desk leave the same state behind.

Payloads (stable, short):
  privacy:home                 the notice, with the buttons below
  privacy:data                 everything stored about me, as a JSON file
  privacy:erase                delete everything: asked once more
  privacy:ex:<token>           yes, delete (the token is the one shown on this resident's question)
  privacy:keep                 no, keep it
  privacy:consents             my consents, each with a button to withdraw it
  privacy:wt:<topic>           withdraw following a topic for new events
  privacy:ws:<sign-up id>      withdraw a contact sign-up of a survey
"""

from __future__ import annotations

import dataclasses
import logging
import secrets

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Attachment, Choice, Reply
from bot.conversation.router import Replies, Router
from bot.i18n import N_
from bot.privacy.erasure import erase_resident
from bot.privacy.export import as_json, export_resident
from bot.surveys.store import SurveyCatalog
from handlers.privacy import consents
from handlers.privacy.notice import ERASE_LABEL, HOME_LABEL, notice, rights_screen

FLOW = "privacy"
FILE_NAME = "my-data-quartiersbot.json"
log = logging.getLogger(__name__)


def register(router: Router) -> None:
    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        match parts:
            case ["home"]:
                return await home(ctx)
            case ["data"]:
                return [await my_data(ctx)]
            case ["erase"]:
                return [confirm_erase(ctx)]
            case ["ex", token]:
                return [await erase(ctx, token)]
            case ["keep"]:
                ctx.states.get(FLOW).pop("erase", None)
                return [ctx.reply(ctx._("Nothing was deleted.")), rights_screen(ctx)]
            case ["consents"]:
                return [await consents.screen(ctx)]
            case ["wt", topic]:
                return [await consents.withdraw_topic(ctx, topic)]
            case ["ws", signup_id]:
                return [await consents.withdraw_contact(ctx, signup_id)]
        raise StalePayload(":".join((FLOW, *parts)))

    async def command(ctx: Context, args: str) -> Replies:
        return await home(ctx)

    router.namespace(FLOW, on_payload)
    router.command("privacy", command, deep_link=True, description=N_("Privacy and my data"))
    router.command("datenschutz", command)


async def home(ctx: Context) -> Replies:
    ctx.states.get(FLOW).pop("erase", None)  # a question to delete, left open, is no longer answerable
    surveys = await ctx.services.get(SurveyCatalog).active(ctx.session, ctx.settings.quarter)
    survey_months = max((survey.definition.retention_months for survey in surveys), default=None)
    return notice(ctx, survey_months)


async def my_data(ctx: Context) -> Reply:
    """Art. 15 and 20: the same export staff give at the desk, as a file the resident keeps."""
    data = await export_resident(ctx.session, ctx.resident, ctx.clock.now())
    text = ctx._("📄 Here is everything stored about you, as a file. Completed survey answers are not in it: "
                 "they are anonymous, nothing links them to you.")
    reply = ctx.reply(text, [Choice(ctx._(HOME_LABEL), "privacy:home")])
    return dataclasses.replace(reply, attachment=Attachment(FILE_NAME, "application/json", as_json(data)))


def confirm_erase(ctx: Context) -> Reply:
    """Asked once: a token in this resident's state makes the "yes" good for this question only, so an old
    button (pressed again, or by someone who writes anew after an erasure) deletes nothing."""
    token = secrets.token_hex(4)
    ctx.states.get(FLOW)["erase"] = token
    text = ctx._(
        "Delete everything about you?\n"
        "This deletes: your chat id and language, your reminders, your registrations for events "
        "(your seat goes to the next person), your waiting number, the topics you follow, "
        "contact details you gave us and unfinished survey answers.\n"
        "Survey answers you completed stay, because they are anonymous: nothing links them to you.\n"
        "This cannot be undone."
    )
    choices = [Choice(ctx._("Yes, delete everything"), f"{FLOW}:ex:{token}"), Choice(ctx._("No"), f"{FLOW}:keep")]
    return ctx.reply(text, choices, title=ctx._(ERASE_LABEL))


async def erase(ctx: Context, token: str) -> Reply:
    if token != ctx.states.get(FLOW).get("erase"):
        raise StalePayload(f"{FLOW}:ex")
    erased = await erase_resident(ctx.session, ctx.resident, ctx.clock.now())
    ctx.states.discard()  # the resident row is gone: no state may be written for it
    log.info("a resident erased everything about them (%d rows deleted or unlinked)", erased.total())
    return ctx.reply(ctx._("Everything about you is deleted. If you write again, we start afresh."))
