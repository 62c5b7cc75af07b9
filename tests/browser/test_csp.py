"""The Content Security Policy is sent on every page, and nothing on the pages breaks it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.browser.pages import prepare, walk
from tests.browser.support import DESKTOP


@pytest.mark.browser
def test_every_page_has_a_csp_header_and_no_violation(kit: Any, network: Any) -> None:
    prepare(network)
    problems: dict[str, list[str]] = defaultdict(list)  # problem -> pages
    seen = 0
    for visit in walk(kit, network, DESKTOP):
        seen += 1
        name = visit.spec.name
        for problem in visit.problems:
            problems[problem].append(name)
        if visit.response is not None:
            policy = visit.response.headers.get("content-security-policy", "")
            if not all(
                directive in policy
                for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'")
            ):
                problems[f"CSP header missing or weak: {policy!r}"].append(name)
        for problem in visit.tab.csp_problems():
            problems[f"CSP violation: {problem[:300]}"].append(name)
        for error in visit.tab.errors:
            problems[f"JavaScript error: {error[:300]}"].append(name)
    assert seen > 30
    report = [f"{problem}\n    on: {', '.join(pages)}" for problem, pages in problems.items()]
    assert not report, "\n".join(report)


@pytest.mark.browser
def test_the_violation_detector_is_not_blind(kit: Any) -> None:
    """An inline <style> added to a page is blocked by the policy and reported."""
    tab = kit.tab(kit.context())
    tab.page.goto(kit.url("/accounts/login/"))
    tab.page.evaluate(
        "document.head.appendChild(Object.assign(document.createElement('style'),"
        " {textContent: 'body { background: red; }'}))"
    )
    tab.page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in p for p in tab.csp_problems())
    background = tab.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"
