"""Filters that narrow any offer list: open now, free, barrier-free, my language, target group.

They live in the offers flow state, so they stay set while the resident browses, across
restarts, until the resident removes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.conversation.context import Context
from bot.conversation.messages import Choice, Reply
from bot.i18n import N_
from bot.offers.catalog import OfferView
from bot.offers.hours import State, status_at

FILTER_PREFIX = "f"
FLOW = "offers"
SWITCHES = {
    "open_now": N_("Open now"),
    "free": N_("Free of charge"),
    "barrier_free": N_("Barrier-free"),
    "my_language": N_("In my language"),
}
TARGET_GROUPS = {
    "families": N_("Families"),
    "children_youth": N_("Children and youth"),
    "seniors": N_("Seniors"),
    "women": N_("Women"),
    "newcomers": N_("Newcomers"),
}


def _filters(ctx: Context) -> dict[str, Any]:
    filters: dict[str, Any] = ctx.states.get(FLOW).setdefault("filters", {})
    return filters


def toggle(ctx: Context, name: str) -> bool:
    """Apply a filter payload; False when the name is unknown (an outdated button)."""
    filters = _filters(ctx)
    if name == "clear":
        filters.clear()
    elif name in SWITCHES:
        if filters.pop(name, None) is None:
            filters[name] = True
    elif name.startswith("g_") and name[2:] in TARGET_GROUPS:
        group = name[2:]
        if filters.get("group") == group:
            filters.pop("group")
        else:
            filters["group"] = group
    else:
        return False
    return True


def apply_filters(ctx: Context, offers: list[OfferView], local_now: dt.datetime) -> list[OfferView]:
    filters = _filters(ctx)
    if not filters:
        return offers
    language = ctx.translator.code.split("@")[0]
    group = filters.get("group")

    def keep(offer: OfferView) -> bool:
        if filters.get("free") and offer.cost != "free":
            return False
        if filters.get("barrier_free") and offer.barrier_free != "yes":
            return False
        if filters.get("my_language") and language not in offer.languages:
            return False
        if group and group not in offer.target_groups and "all" not in offer.target_groups:
            return False
        return not (filters.get("open_now") and status_at(offer.hours, local_now).state is not State.OPEN)

    return [offer for offer in offers if keep(offer)]


def active_filter_names(ctx: Context) -> list[str]:
    filters = _filters(ctx)
    names = [ctx._(label) for key, label in SWITCHES.items() if filters.get(key)]
    group_label = TARGET_GROUPS.get(filters.get("group", ""))
    if group_label:
        names.append(ctx._(group_label))
    return names


def filter_screen(ctx: Context, results_payload: str, edit: bool = False) -> Reply:
    filters = _filters(ctx)
    def mark(on: bool) -> str:
        return "☑" if on else "☐"
    choices = [
        Choice(f"{mark(bool(filters.get(key)))} {ctx._(label)}", f"offers:{FILTER_PREFIX}:{key}")
        for key, label in SWITCHES.items()
    ]
    choices += [
        Choice(f"{mark(filters.get('group') == key)} {ctx._(label)}", f"offers:{FILTER_PREFIX}:g_{key}")
        for key, label in TARGET_GROUPS.items()
    ]
    if filters:
        choices.append(Choice(ctx._("✖ Remove all filters"), f"offers:{FILTER_PREFIX}:clear"))
    choices.append(Choice(ctx._("✅ Show offers"), results_payload))
    text = ctx._("Filters: tap to switch on or off. “In my language” means staff there speak your language.")
    return ctx.reply(text, choices, route=f"offers:{FILTER_PREFIX}", edit=edit)
