"""Long-lived helpers handlers share across messages (caches, later the outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.offers.catalog import OfferCatalog


@dataclass
class Services:
    offers: OfferCatalog = field(default_factory=OfferCatalog)
