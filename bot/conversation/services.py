"""Long-lived helpers handlers share across messages (caches, the survey secret, later the outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.offers.catalog import OfferCatalog
from bot.surveys.store import SurveyCatalog


@dataclass
class Services:
    offers: OfferCatalog = field(default_factory=OfferCatalog)
    surveys: SurveyCatalog = field(default_factory=SurveyCatalog)
    survey_secret: bytes = b""  # keys the survey tokens; see bot/surveys/token.py
