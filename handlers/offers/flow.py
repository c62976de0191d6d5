"""Finding offers: browse by category, search by word, narrow with filters, open one.

Payloads (stable, short):
  offers:home                 categories
  offers:c:<category>:<page>  a category's offers
  offers:q:<page>             results of the last search (the words are in the flow state)
  offers:s                    ask for a search word
  offers:o:<offer>            one offer
  offers:f / offers:f:<name>  the filter screen / toggle a filter
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.conversation.context import Context, StalePayload
from bot.conversation.messages import Choice, Reply
from bot.conversation.paging import paginate
from bot.conversation.router import MenuEntry, Replies, Router
from bot.i18n import N_
from bot.offers.catalog import OfferCatalog, OfferView, QuarterCatalog
from bot.offers.distance import metres_between
from bot.offers.hours import State, status_at
from bot.offers.smalltalk import is_small_talk
from bot.offers.unmet import record_unmet
from handlers.offers.card import offer_card
from handlers.offers.filters import FILTER_PREFIX, active_filter_names, apply_filters, filter_screen, toggle
from handlers.questions.labels import ASK_PAYLOAD, NOT_FOUND_LABEL

FLOW = "offers"
RESULTS_PER_PAGE = 6
MAX_QUERY_LENGTH = 100
LABEL_LENGTH = 48
FEW_RESULTS = 3  # a search with this many results or fewer also offers "Ask the team"


def register(router: Router) -> None:
    async def on_payload(ctx: Context, parts: list[str]) -> Replies:
        catalog = await ctx.services.get(OfferCatalog).get(ctx.session, ctx.settings.quarter)
        match parts:
            case ["home"]:
                return home(ctx, catalog)
            case ["c", key, page] if catalog.category(key) and page.isdigit():
                state = ctx.states.get(FLOW)
                state["results"] = f"offers:c:{key}"
                return category_results(ctx, catalog, key, int(page))
            case ["q", page] if page.isdigit() and ctx.states.get(FLOW).get("query"):
                ctx.states.get(FLOW)["results"] = "offers:q"
                return await search_results(ctx, catalog, ctx.states.get(FLOW)["query"], int(page))
            case ["s"]:
                ctx.expect_text(FLOW)
                return [ctx.reply(ctx._("What are you looking for? Type one or two words, "
                                        "for example “German course” or “food”."), route="offers:s")]
            case ["o", key] if key in catalog.by_key:
                return [offer_card(ctx, catalog, catalog.by_key[key], route=f"offers:o:{key}")]
            case ["f"]:
                return [filter_screen(ctx, results_payload(ctx))]
            case ["f", name] if toggle(ctx, name):
                return [filter_screen(ctx, results_payload(ctx), edit=True)]
            case ["n", page] if page.isdigit() and ctx.states.get(FLOW).get("near"):
                ctx.states.get(FLOW)["results"] = "offers:n"
                return near_results(ctx, catalog, int(page))
        raise StalePayload(":".join((FLOW, *parts)))

    async def on_location(ctx: Context, latitude: float, longitude: float) -> Replies:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # also NaN; a Matrix geo URI is free text
            unsupported = router.unsupported
            assert unsupported is not None
            return await unsupported(ctx)  # no place on Earth: not read, as a picture is not
        catalog = await ctx.services.get(OfferCatalog).get(ctx.session, ctx.settings.quarter)
        state = ctx.states.get(FLOW)
        # About 100 m precision is enough to sort by distance and keeps less of where someone is.
        state["near"] = [round(latitude, 3), round(longitude, 3)]
        state["results"] = "offers:n"
        return near_results(ctx, catalog, 1)

    async def on_text(ctx: Context, text: str) -> Replies:
        if is_small_talk(text) and router.main_menu is not None:
            # The greeting of handlers/menu.py (same msgid, already translated), then the menu.
            hello = ctx.reply(ctx._(
                "Hello! I am Quartiersbot, the digital contact point of the Quartiersmanagement Horst. "
                "I help you find offers in Horst. You can also type what you are looking for, "
                "for example “German course”."
            ))
            return [hello, *await router.main_menu(ctx)]
        catalog = await ctx.services.get(OfferCatalog).get(ctx.session, ctx.settings.quarter)
        query = " ".join(text.split())[:MAX_QUERY_LENGTH]
        return await search_results(ctx, catalog, query, 1, new_search=True)

    async def command(ctx: Context, args: str) -> Replies:
        catalog = await ctx.services.get(OfferCatalog).get(ctx.session, ctx.settings.quarter)
        if args.strip():
            return await on_text(ctx, args)
        return home(ctx, catalog)

    router.namespace(FLOW, on_payload)
    router.text_flow(FLOW, on_text)
    router.free_text = on_text
    router.location = on_location
    router.command("offers", command, deep_link=True, description=N_("Find offers"))
    router.command("angebote", command)
    router.menu_entry(MenuEntry(10, N_("🔎 Find offers"), "offers:home"))


def home(ctx: Context, catalog: QuarterCatalog) -> Replies:
    language = ctx.translator.code
    choices = [
        Choice(f"{category.icon} {category.name(language)}".strip(), f"offers:c:{category.key}:1")
        for category in catalog.categories
    ]
    choices.append(Choice(ctx._("🔎 Search by word"), "offers:s"))
    choices.append(Choice(ctx._("⚙ Filters"), f"offers:{FILTER_PREFIX}"))
    text = ctx._("Choose a topic, or simply type what you are looking for.")
    return [ctx.reply(text, choices, route="offers:home")]


def results_payload(ctx: Context) -> str:
    """Where "show results" leads from the filter screen: the list the resident came from."""
    results = ctx.states.get(FLOW).get("results")
    return f"{results}:1" if results else "offers:home"


def category_results(ctx: Context, catalog: QuarterCatalog, key: str, page: int) -> Replies:
    category = catalog.category(key)
    assert category is not None
    offers = visible(ctx, catalog, catalog.by_category.get(key, []))
    heading = f"{category.icon} {category.name(ctx.translator.code)}".strip()
    return results(ctx, catalog, offers, page, heading, f"offers:c:{key}",
                   empty_hint=ctx._("{topic}: there are no offers on this topic yet.").format(topic=heading))


async def search_results(ctx: Context, catalog: QuarterCatalog, query: str, page: int,
                         new_search: bool = False) -> Replies:
    """A new search (`new_search`) or another page of one.

    Only a search that found something is kept in the resident's state (for paging and filters);
    the words of one that found nothing go to the anonymous count alone, so the two can never be
    matched.
    """
    found = catalog.index.search(query, ctx.translator.code)
    offers = visible(ctx, catalog, found)
    heading = ctx._("Results for “{query}”").format(query=query)
    if new_search:
        state = ctx.states.get(FLOW)
        if found:
            state.update(query=query, results="offers:q")
        else:
            state.pop("query", None)
            state.pop("results", None)
            await record_unmet(ctx.session, ctx.settings.quarter, ctx.translator.code, query,
                               ctx.clock.now().astimezone(ctx.settings.zone).date())
    return results(ctx, catalog, offers, page, heading, "offers:q",
                   empty_hint=None if found else ctx._("I found no offer for “{query}”.").format(query=query))


def near_results(ctx: Context, catalog: QuarterCatalog, page: int) -> Replies:
    latitude, longitude = ctx.states.get(FLOW)["near"]
    distances = {
        offer.id: metres_between(latitude, longitude, offer.latitude, offer.longitude)
        for offer in catalog.offers.values()
        if offer.latitude is not None and offer.longitude is not None
    }
    nearest = visible(ctx, catalog, sorted(distances, key=distances.__getitem__))
    return results(ctx, catalog, nearest, page, "📍 " + ctx._("Offers near you"), "offers:n", empty_hint=None,
                   detail=lambda offer: ctx.translator.distance(distances[offer.id]))


def visible(ctx: Context, catalog: QuarterCatalog, offer_ids: list[int]) -> list[OfferView]:
    today = ctx.translator.local(ctx.clock.now()).date()
    return [catalog.offers[offer_id] for offer_id in offer_ids if catalog.offers[offer_id].valid_on(today)]


def results(ctx: Context, catalog: QuarterCatalog, offers: list[OfferView], page: int, heading: str,
            route_base: str, empty_hint: str | None,
            detail: Callable[[OfferView], str] | None = None) -> Replies:
    now = ctx.translator.local(ctx.clock.now())
    filtered = apply_filters(ctx, offers, now)
    filters = active_filter_names(ctx)
    if not filtered:
        return [_nothing_found(ctx, catalog, heading, empty_hint, filtered_away=bool(offers) and bool(filters))]
    shown = paginate(ctx, filtered, page, RESULTS_PER_PAGE, lambda number: f"{route_base}:{number}",
                     lambda offer: Choice(_label(ctx, offer, now, detail), f"offers:o:{offer.key}"))
    lines = [heading, ctx.ngettext("{count} offer", "{count} offers", len(filtered)).format(count=len(filtered))]
    if filters:
        lines.append(ctx._("Filters: {filters}").format(filters=ctx.translator.join(filters)))
    if caption := shown.caption(ctx):
        lines.append(caption)
    lines.append(ctx._("🟢 = open now. Choose an offer for details."))
    choices = [*shown.choices, Choice(ctx._("⚙ Filters"), f"offers:{FILTER_PREFIX}")]
    if route_base == "offers:q" and len(filtered) <= FEW_RESULTS:
        choices.append(Choice(ctx._(NOT_FOUND_LABEL), ASK_PAYLOAD))
    return [ctx.reply("\n".join(lines), choices, route=f"{route_base}:{shown.number}", edit=page > 1)]


def _label(ctx: Context, offer: OfferView, now: dt.datetime,
           detail: Callable[[OfferView], str] | None = None) -> str:
    title = offer.text(ctx.translator.code)[0].title
    if len(title) > LABEL_LENGTH:
        title = title[: LABEL_LENGTH - 1].rstrip() + "…"
    if detail is not None:
        title = f"{title} · {detail(offer)}"
    return f"🟢 {title}" if status_at(offer.hours, now).state is State.OPEN else title


def _nothing_found(ctx: Context, catalog: QuarterCatalog, heading: str, empty_hint: str | None,
                   filtered_away: bool) -> Reply:
    if filtered_away:
        text = ctx._("No offer matches your filters. You can change or remove the filters.")
        choices = [Choice(ctx._("⚙ Filters"), f"offers:{FILTER_PREFIX}"),
                   Choice(ctx._("✖ Remove all filters"), f"offers:{FILTER_PREFIX}:clear")]
        return ctx.reply(f"{heading}\n{text}", choices)
    language = ctx.translator.code
    lines = [empty_hint or heading,
             ctx._("Try another word, or choose a topic:")]
    choices = [
        Choice(f"{category.icon} {category.name(language)}".strip(), f"offers:c:{category.key}:1")
        for category in catalog.categories
    ]
    choices.append(Choice(ctx._("🔎 Search again"), "offers:s"))
    choices.append(Choice(ctx._(NOT_FOUND_LABEL), ASK_PAYLOAD))
    return ctx.reply("\n".join(lines), choices)

