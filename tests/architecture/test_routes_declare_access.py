"""Every URL and API route declares who may reach it (SECURITY.md item 1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from ponte.common.access import RULES

OPEN_RULES = {"public", "api_token"}


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def test_every_route_declares_an_access_rule() -> None:
    routes = list(walk(get_resolver().url_patterns))
    assert len(routes) > 30
    undeclared = [route for route, p in routes if not getattr(p.callback, "ponte_access", "")]
    assert not undeclared, f"routes without @access_rule: {undeclared}"
    for route, pattern in routes:
        kind = pattern.callback.ponte_access.split(":", 1)[0].split(" ", 1)[0]
        assert kind in RULES, (route, kind)


def test_only_public_and_api_routes_skip_the_login_gate() -> None:
    for route, pattern in walk(get_resolver().url_patterns):
        declared = pattern.callback.ponte_access.split(" ", 1)[0]
        opted_out = getattr(pattern.callback, "login_required", True) is False
        if opted_out:
            assert declared in OPEN_RULES, f"{route} skips login but is declared {declared!r}"
        else:
            assert declared not in OPEN_RULES, f"{route} is declared {declared!r} but needs login"
