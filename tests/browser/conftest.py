"""Headless Chromium against pytest-django's live server.

One browser for the whole run; a fresh browser context (cookies, viewport, language) per
need. Logged-in contexts get a session cookie already past the second factor, as
`verified_client` makes it; one test goes through the real login and TOTP pages instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, sync_playwright

from ponte.network.factories import SiteFactory, TeamMemberFactory, TerritoryFactory
from ponte.network.models import Territory
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOT_DIR, BrowserKit


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
    # make between browser steps are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    shutil.rmtree(SCREENSHOT_DIR, ignore_errors=True)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def kit(
    browser: Browser, live_server: Any, transactional_db: Any, client_for: Any
) -> Iterator[BrowserKit]:
    kit = BrowserKit(browser=browser, base_url=live_server.url, client_for=client_for)
    yield kit
    kit.close()


@pytest.fixture
def network(world: Any) -> Any:
    """The root conftest's personas plus what makes the pages non-trivial to render:
    a territory tree, a site, a team and an agreement in force."""
    region = TerritoryFactory(level=Territory.Level.REGION, code="R99", name="Regione fittizia")
    province = TerritoryFactory(
        level=Territory.Level.PROVINCE, code="P99", name="Provincia fittizia", parent=region
    )
    ambito = TerritoryFactory(
        level=Territory.Level.AMBITO, code="A99", name="Ambito fittizio 1", parent=province
    )
    municipality = TerritoryFactory(
        level=Territory.Level.MUNICIPALITY,
        code="M99",
        name="Comune fittizio",
        parent=province,
        ambito=ambito,
    )
    for org in (world.own, world.partner):
        org.territory = province
        org.description = "Organizzazione fittizia creata per i test del browser."
        org.email = "info@example.test"
        org.save()
    ap = world.own_access_point
    ap.ambiti.add(ambito)
    ap.description = "Sportello fittizio."
    ap.save()
    SiteFactory(
        access_point=ap,
        name="Sede centrale fittizia",
        address="Via dei Test 1",
        municipality=municipality,
        opening_hours="Lunedì e mercoledì 9–13; giovedì 15–18",
    )
    TeamMemberFactory(access_point=ap, user=world.users["case_manager"], languages="it, ar, pa")
    TeamMemberFactory(
        access_point=ap,
        user=world.users["outreach_worker"],
        professional_role="mediator",
        languages="it, en",
    )
    agreement = world.own_agreement
    agreement.territory = province
    agreement.valid_from = timezone.localdate().replace(month=1, day=1)
    agreement.description = "Patto fittizio per la presa in carico integrata."
    agreement.save()
    world.region, world.province, world.ambito = region, province, ambito
    return world
