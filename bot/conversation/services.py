"""Long-lived helpers handlers share across messages (caches of content)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.offers.catalog import OfferCatalog
from bot.surveys.store import SurveyCatalog


@dataclass
class Services:
    offers: OfferCatalog = field(default_factory=OfferCatalog)
    surveys: SurveyCatalog = field(default_factory=SurveyCatalog)
