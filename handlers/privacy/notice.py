"""The privacy notice (Art. 13 DSGVO) in three short messages: who, what and why, how long, your rights.

Many residents read poorly, so each message stays short and plain (aim: under 600 characters),
and every figure comes from the settings or the survey file that the deletion jobs also read,
so the notice cannot promise something other than what is done.
"""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.messages import Choice, Reply
from bot.i18n import N_, fill

HOME_LABEL = N_("🔒 Privacy and my data")
DATA_LABEL = N_("📄 My data")
ERASE_LABEL = N_("🗑 Delete everything about me")
CONSENTS_LABEL = N_("✔ My consents")


def who_and_what(ctx: Context) -> str:
    settings = ctx.settings
    who = fill(ctx._("Responsible for your data: {controller}, {address}.\nQuestions about your data: {email}"),
        controller=settings.privacy_controller, address=settings.privacy_address, email=settings.privacy_email)
    what = ctx._(
        "What we store and why:\n"
        "• your chat id and your language, so that we can answer you;\n"
        "• what you choose here: reminders, registrations for events, waiting numbers, topics you follow;\n"
        "• survey answers without your name or account (anonymous);\n"
        "• your contact details only if you agree."
    )
    # A line of its own, so the translated list above stays as it is.
    what += "\n" + ctx._("• your questions to the team and our answers, if you ask us something.")
    return f"{who}\n\n{what}"


def how_long(ctx: Context, survey_months: int | None) -> str:
    """`survey_months`: the longest keeping time of the active surveys (None: no survey)."""
    settings = ctx.settings
    months, days = settings.retention_resident_months, settings.retention_flow_days
    lines = [
        ctx._("How long we keep it:"),
        ctx.ngettext("• Everything about you is deleted when you have not written for {months} month.",
                     "• Everything about you is deleted when you have not written for {months} months.",
                     months).format(months=months),
        ctx.ngettext("• Unfinished steps are deleted after {days} day.",
                     "• Unfinished steps are deleted after {days} days.", days).format(days=days),
        ctx._("• After an event, its reminders are deleted and registrations are only counted."),
    ]
    later = settings.queue_unlink_after_days
    if later == 0:
        lines.append(ctx._("• Waiting numbers lose the link to you after the day."))
    else:
        lines.append(ctx.ngettext("• Waiting numbers lose the link to you {days} day after the Sprechstunde.",
                                  "• Waiting numbers lose the link to you {days} days after the Sprechstunde.",
                                  later).format(days=later))
    if survey_months is not None:
        lines.append(ctx.ngettext("• Survey answers and contact details from a survey are deleted after {months} "
                                  "month.",
                                  "• Survey answers and contact details from a survey are deleted after {months} "
                                  "months.", survey_months).format(months=survey_months))
    question_months = settings.retention_question_months
    lines.append(ctx.ngettext("• Questions to the team are deleted {months} month after they are done or withdrawn.",
                              "• Questions to the team are deleted {months} months after they are done or "
                              "withdrawn.", question_months).format(months=question_months))
    return "\n".join(lines)


def rights(ctx: Context) -> str:
    settings = ctx.settings
    text = ctx._(
        "Your rights:\n"
        "• see your data and get a copy: {data}\n"
        "• correct it: change the language with /language, or write to us\n"
        "• delete it: {erase}\n"
        "• withdraw a consent: {consents}\n"
        "• object to how we use your data: write to {email}"
    ).format(data=ctx._(DATA_LABEL), erase=ctx._(ERASE_LABEL), consents=ctx._(CONSENTS_LABEL),
             email=settings.privacy_email)
    complain = ctx._("You can complain to the data protection authority: {authority}").format(
        authority=settings.privacy_authority)
    return f"{text}\n\n{complain}"


def rights_screen(ctx: Context) -> Reply:
    """The last message of the notice, with the buttons that use the rights it names."""
    choices = [Choice(ctx._(DATA_LABEL), "privacy:data"), Choice(ctx._(ERASE_LABEL), "privacy:erase"),
               Choice(ctx._(CONSENTS_LABEL), "privacy:consents")]
    return ctx.reply(rights(ctx), choices, route="privacy:home")


def notice(ctx: Context, survey_months: int | None) -> list[Reply]:
    return [ctx.reply(who_and_what(ctx), title="🔒 " + ctx._("Privacy")), ctx.reply(how_long(ctx, survey_months)),
            rights_screen(ctx)]
