"""Form flows in the browser: validation errors, htmx filters, and the same without JS."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from ponte.network.models import Agreement


def italian(message: str) -> str:
    with translation.override("it"):
        return gettext(message)


@pytest.mark.browser
def test_agreement_with_a_bad_date_range_is_refused_then_saved(kit: Any, world: Any) -> None:
    page = kit.tab(kit.context(world.users["coordinator"])).page
    page.goto(kit.url(reverse("network:agreement_create")))
    page.locator("#id_kind").select_option("convention")
    page.locator("#id_title").fill("Convenzione fittizia per il test del browser")
    page.locator("#id_promoter").select_option(label=world.own.name)
    page.locator("#id_valid_from").fill("2025-06-30")
    page.locator("#id_valid_until").fill("2025-01-01")
    page.locator("main form button[type=submit]").click()

    message = italian("The end date comes before the start date.")
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#form-errors")).to_be_focused()
    until = page.locator("#id_valid_until")
    expect(until).to_have_attribute("aria-invalid", "true")
    expect(until).to_have_accessible_description(re.compile(re.escape(message)))
    expect(page.locator("#id_valid_until_error")).to_have_text(message)
    # What was typed is kept.
    expect(page.locator("#id_title")).to_have_value("Convenzione fittizia per il test del browser")
    expect(page.locator("#id_valid_from")).to_have_value("2025-06-30")
    assert not Agreement.objects.filter(title__startswith="Convenzione fittizia per il").exists()

    until.fill("2026-06-29")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Convenzione fittizia per il test del browser")
    expect(page.locator(".messages")).to_contain_text(italian("Agreement saved."))
    agreement = Agreement.objects.get(title="Convenzione fittizia per il test del browser")
    assert (str(agreement.valid_from), str(agreement.valid_until)) == ("2025-06-30", "2026-06-29")
    assert agreement.promoter == world.own


def _rows(page: Any) -> Any:
    return page.locator("#results tbody tr")


@pytest.mark.browser
def test_organisation_filter_updates_results_with_htmx(kit: Any, world: Any) -> None:
    page = kit.tab(kit.context(world.users["case_manager"])).page
    page.goto(kit.url(reverse("network:organization_list")))
    expect(_rows(page).filter(has_text=world.foreign.name)).to_have_count(1)
    before = _rows(page).count()
    assert before >= 3
    page.evaluate("window.__stillTheSamePage = true")

    with page.expect_response(
        lambda r: "q=Partner" in r.url and r.request.headers.get("hx-request") == "true"
    ) as response:
        page.locator("#id_q").fill("Partner")
        page.locator("#id_q").press("Enter")
    assert response.value.ok
    # Only the results were swapped: no full reload, and the URL can be shared.
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text(world.partner.name)
    assert page.evaluate("window.__stillTheSamePage") is True
    expect(page).to_have_url(re.compile(r"[?&]q=Partner"))
    expect(page.locator("h1")).to_have_count(1)

    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.locator("#id_q").fill("nessuna organizzazione si chiama così")
        page.locator("form.filters button[type=submit]").click()
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_have_text(italian("No organisation matches."))


@pytest.mark.browser
def test_organisation_filter_works_without_javascript(kit: Any, world: Any) -> None:
    context = kit.context(world.users["case_manager"], java_script_enabled=False)
    page = kit.tab(context).page
    page.goto(kit.url(reverse("network:organization_list")))
    before = _rows(page).count()
    assert before >= 3
    page.locator("#id_q").fill("Partner")
    with page.expect_navigation():
        page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=Partner"))
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text(world.partner.name)
    # The whole page came back, not a fragment.
    expect(page.locator("h1")).to_have_text(italian("Organisations"))
    expect(page.locator("nav.ponte-nav")).to_be_visible()
