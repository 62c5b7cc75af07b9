"""Every view declares who may reach it; an architecture test fails on a view that doesn't.

The declaration is documentation the test can read, not the check itself: the checks
are `visible_to(user)` (gate 1, 404) and `require(...)` in services (gate 2, 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

RULES = ("public", "authenticated", "member", "capability", "api_token")


def access_rule(rule: str, detail: str = "") -> Callable[[F], F]:
    kind = rule.split(":", 1)[0]
    if kind not in RULES:
        raise ValueError(f"unknown access rule {rule!r}")

    def decorate(view: F) -> F:
        view.ponte_access = rule if not detail else f"{rule} {detail}"  # type: ignore[attr-defined]
        return view

    return decorate
