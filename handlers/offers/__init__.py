"""Finding local offers: browse by category, filter, search in one's own words, sort by distance."""

from handlers.offers.flow import register

__all__ = ["register"]
