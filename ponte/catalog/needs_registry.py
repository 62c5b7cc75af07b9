"""Where the gap analysis gets its "needs" counts from, without the catalog importing the cases
app (the layers contract forbids it): the cases app registers a provider when it starts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

NeedsProvider = Callable[..., dict[tuple[int, str], int]]
_providers: list[NeedsProvider] = []


def register_needs_provider(provider: NeedsProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def collect_needs(**kwargs: Any) -> dict[tuple[int, str], int]:
    """(Ambito id, area) → count, summed over the providers; empty when none is installed."""
    total: Counter[tuple[int, str]] = Counter()
    for provider in _providers:
        total.update(provider(**kwargs))
    return dict(total)
