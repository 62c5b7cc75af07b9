"""axe-core on every page, at desktop and phone sizes.

A violation of impact "serious" or "critical" fails the test; every page is checked
before failing, so one run lists all of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import prepare, walk
from tests.browser.support import VIEWPORTS

BLOCKING = {"serious", "critical"}


def describe(page_name: str, violation: dict[str, Any]) -> str:
    lines = [
        f"[{page_name}] {violation['impact'].upper()} {violation['id']}: {violation['help']}",
        f"    {violation['helpUrl']}",
    ]
    for node in violation["nodes"][:5]:
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"    - {node['target']}: {summary[:300]}")
        lines.append(f"      {node['html'][:200]}")
    if len(violation["nodes"]) > 5:
        lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_serious_accessibility_violation(kit: Any, network: Any, size: str) -> None:
    prepare(network)
    axe = Axe()
    failures: list[str] = []
    minor: list[str] = []
    passed: list[str] = []
    import time

    t0 = time.monotonic()
    for visit in walk(kit, network, VIEWPORTS[size]):
        t1 = time.monotonic()
        failures += visit.problems
        violations = axe.run(visit.tab.page).response["violations"]
        print(f"TIMING {visit.spec.name}: load {t1 - t0:.2f}s axe {time.monotonic() - t1:.2f}s")
        t0 = time.monotonic()
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        failures += [describe(visit.spec.name, v) for v in blocking]
        minor += [
            f"[{visit.spec.name}] {v['impact']} {v['id']}"
            for v in violations
            if v["impact"] not in BLOCKING
        ]
        if not blocking and not visit.problems:
            passed.append(visit.spec.name)
    print(f"\naxe at {size}: {len(passed)} pages pass: {', '.join(passed)}")
    if minor:
        print("Minor or moderate findings (not failing):\n  " + "\n  ".join(minor))
    assert not failures, f"axe at {size} ({VIEWPORTS[size]}):\n" + "\n".join(failures)


@pytest.mark.browser
def test_axe_finds_a_planted_violation(kit: Any) -> None:
    """The check is not blind: an unlabelled field on the login page is reported."""
    tab = kit.tab(kit.context())
    tab.page.goto(kit.url("/accounts/login/"))
    tab.page.evaluate("document.querySelector('main').appendChild(document.createElement('input'))")
    violations = Axe().run(tab.page).response["violations"]
    assert "label" in {v["id"] for v in violations}
