"""The outreach pages (lists, detail, places, dashboard): axe at phone and desktop size,
no console errors, screenshots to look at. The offline quick entry has its own test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from tests.browser.support import VIEWPORTS

BLOCKING = {"serious", "critical"}


def _outreach_data(world: Any) -> dict[str, str]:
    from ponte.outreach.factories import (
        ContactFactory,
        OutingFactory,
        OutingMaterialFactory,
        PeopleMetFactory,
        PlaceFactory,
    )

    place = PlaceFactory(
        organization=world.own, name="Hub consegne fittizio", safety_notes="Entrare dal retro"
    )
    outing = OutingFactory(access_point=world.own_access_point, logbook="Diario fittizio")
    outing.places.add(place)
    outing.team.add(world.users["outreach_worker"])
    OutingMaterialFactory(outing=outing)
    PeopleMetFactory(outing=outing)
    for alias in ("Raj A. del furgone", "raj a. del furgone", ""):
        ContactFactory(
            outing=outing,
            alias=alias,
            met_at=timezone.now() - dt.timedelta(hours=3),
        )
    return {
        "outing list": reverse("outreach:outing_list"),
        "outing detail": reverse("outreach:outing_detail", args=[outing.public_id]),
        "contact list": reverse("outreach:contact_list"),
        "place list": reverse("outreach:place_list"),
        "place detail": reverse("outreach:place_detail", args=[place.public_id]),
        "place create": reverse("outreach:place_create"),
        "outreach dashboard": reverse("outreach:dashboard"),
    }


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_outreach_pages_pass_axe(kit: Any, network: Any, size: str, screenshot_dir: Path) -> None:
    pages = _outreach_data(network)
    context = kit.context(network.users["outreach_worker"], viewport=VIEWPORTS[size])
    tab = kit.tab(context)
    axe = Axe()
    failures: list[str] = []
    for name, path in pages.items():
        tab.console.clear()
        tab.errors.clear()
        response = tab.page.goto(kit.url(path))
        assert response is not None and response.status == 200, name
        for violation in axe.run(tab.page).response["violations"]:
            if violation["impact"] in BLOCKING:
                failures.append(f"[{name}] {violation['id']}: {violation['help']}")
        failures += [f"[{name}] JS error: {e}" for e in tab.errors]
        failures += [f"[{name}] CSP: {problem}" for problem in tab.csp_problems()]
        slug = name.replace(" ", "-")
        tab.page.screenshot(
            path=str(screenshot_dir / f"outreach-{slug}-{size}.png"), full_page=True
        )
    assert not failures, "\n".join(failures)


@pytest.mark.browser
def test_a_place_takes_its_position_from_the_phone(kit: Any, network: Any) -> None:
    """Coordinates are never required; when the worker asks, the phone fills them in."""
    from ponte.outreach.models import Place

    context = kit.context(
        network.users["outreach_worker"],
        viewport=VIEWPORTS["phone"],
        permissions=["geolocation"],
        geolocation={"latitude": 45.698264, "longitude": 9.677270},
    )
    page = kit.tab(context).page
    page.goto(kit.url(reverse("outreach:place_create")))
    page.select_option("#id_organization", index=1)
    page.select_option("#id_kind", index=1)
    page.fill("#id_name", "Piazzale dei furgoni (fittizio)")
    page.get_by_role("button", name="Usa la mia posizione").click()
    page.wait_for_function("document.querySelector('#id_latitude').value !== ''")
    assert page.input_value("#id_latitude") == "45.69826"
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    errors = page.locator(".field-error, #form-errors").all_inner_texts()
    assert not errors, errors
    place = Place.objects.get(name="Piazzale dei furgoni (fittizio)")
    assert (float(place.latitude), float(place.longitude)) == (45.69826, 9.67727)
