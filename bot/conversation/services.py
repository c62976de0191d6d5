"""Long-lived helpers handlers share across messages (caches of content), one of each kind.

The core keeps them without knowing them: a capability asks for its own by type
(`ctx.services.get(OfferCatalog)`), and the first request makes it. So a new capability brings its
cache without a line changed here, and all conversations of a process share one.
"""

from __future__ import annotations

from typing import Any, TypeVar

Service = TypeVar("Service")


class Services:
    def __init__(self) -> None:
        self._made: dict[type[Any], Any] = {}

    def get(self, kind: type[Service]) -> Service:
        """The process's one `kind`, made with `kind()` on first use."""
        made = self._made.get(kind)
        if made is None:
            made = self._made[kind] = kind()
        return made  # type: ignore[no-any-return]
