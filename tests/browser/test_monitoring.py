"""The monitoring pages in the browser, as a coordinator reads them.

A walk through the dashboard with the keyboard (the filter form), its sections, the CSV and
the periodic report, all showing the same figure; axe-core on every monitoring page; and
screenshots of the path and network sections (phone and desktop) and of the report, for people
to look at, with a check that nothing but the tables' own scrolling boxes is wider than a phone.

The figures come from the monitoring's hand-made dataset (January–June 2026), so the filters
always name that period: the default one (the current year) would drift away from it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from ponte.monitoring import indicators
from ponte.monitoring.tests.dataset import Dataset, build
from tests.browser.test_screenshots import overflow

BLOCKING = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
LOCALES = {"it": "it-IT", "en": "en-GB"}


@pytest.fixture
def data(world: Any) -> Dataset:
    return build(world)


def it(message: str) -> str:
    """What the Italian page says for an English msgid (the msgid itself while untranslated)."""
    with translation.override("it"):
        return translation.gettext(message)


def blocking_violations(page: Page, name: str) -> list[str]:
    page.wait_for_load_state("load")
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [str(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"[{name}] {violation['id']}: {violation['help']} {targets}")
    return found


def tab_to(page: Page, selector: str, limit: int = 80) -> int:
    """Press Tab until the element matching `selector` has the focus; how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return presses
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")


def type_date(page: Page, selector: str, day: dt.date) -> None:
    """Type a date into the focused date field, as a person does: digits, part after part.

    The order of the parts follows Chromium's own language, not the page's (day first in
    Italian, month first in the default en-US), so a first date typed shows the order; then
    Shift+Tab, part by part, out of the field and Tab back in to its first part, and the real
    date is typed over the first one."""
    page.keyboard.type("01022000")
    probe = page.locator(selector).input_value()
    order = {"2000-02-01": "%d%m%Y", "2000-01-02": "%m%d%Y"}.get(probe)
    assert order, f"unexpected order of the date parts: {probe!r}"
    focused = "s => document.activeElement?.matches(s) ?? false"
    for _part in range(4):
        page.keyboard.press("Shift+Tab")
        if not page.evaluate(focused, selector):
            break
    page.keyboard.press("Tab")
    assert page.evaluate(focused, selector)
    page.keyboard.type(day.strftime(order))
    expect(page.locator(selector)).to_have_value(day.isoformat())


def table_rows(page: Page, key: str) -> dict[str, list[str]]:
    """The body rows of a monitoring table, by their label: {label: [cell, ...]}."""
    rows: list[list[str]] = page.locator(f"#t-{key} tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )
    return {row[0]: row[1:] for row in rows}


def as_exported(cell: str) -> str:
    """A number as the Italian page prints it ("66,7%", "1.200,50 €") → as the CSV writes it."""
    text = cell.replace("\xa0", " ").replace("€", "").replace("%", "").strip()
    return text.replace(".", "").replace(",", ".")


# ---- the walk -------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_coordinator_filters_with_the_keyboard_exports_and_reports(
    kit: Any, world: Any, data: Dataset
) -> None:
    page = kit.tab(kit.context(world.users["coordinator"], viewport=DESKTOP)).page
    page.goto(kit.url(reverse("home")))
    menu = page.get_by_role("navigation", name=it("Main menu"))
    with page.expect_navigation():
        menu.get_by_role("link", name=it("Monitoring"), exact=True).click()
    assert page.url.endswith(reverse("monitoring:dashboard"))
    expect(page.locator("h1")).to_have_text(it("Monitoring"))
    expect(page.locator("html")).to_have_attribute("lang", "it")

    # The path section: every table that has a chart shows it beside the table at this width.
    figures = page.locator(".monitoring-figure.has-chart")
    assert figures.count() >= 2
    for index in range(figures.count()):
        figure = figures.nth(index)
        chart = figure.locator("svg.monitoring-chart").bounding_box()
        table = figure.locator("table").bounding_box()
        assert chart and table, index
        assert chart["x"] + chart["width"] <= table["x"] + 1, (index, chart, table)
        assert abs(chart["y"] - table["y"]) < 24, (index, chart, table)
    before = table_rows(page, "funnel")
    assert data.a.name not in before  # the current year, no breakdown: one row for all

    # The filters, with the keyboard only: Tab to a field, type, Tab on, Enter on "Show".
    tab_to(page, "#id_since")
    type_date(page, "#id_since", dt.date(2026, 1, 1))
    # Tab leaves the date field after its last part (and, if drawn, its calendar button).
    tab_to(page, "#id_until", limit=3)
    type_date(page, "#id_until", dt.date(2026, 3, 31))
    tab_to(page, "#id_breakdown", limit=3)
    page.keyboard.type(it("PUA"))  # a closed select picks the option typed
    expect(page.locator("#id_breakdown")).to_have_value("access_point")
    tab_to(page, "form.filters button[type=submit]", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "since=2026-01-01" in page.url and "breakdown=access_point" in page.url
    expect(page.locator("#scope-summary")).to_contain_text("01/01/2026 – 31/03/2026")
    funnel = table_rows(page, "funnel")
    assert funnel != before
    # The quarter's cohort at PUA Alfa: two opened, two engaged, one taken in charge, with a
    # plan agreed and a positive exit.
    assert funnel[data.a.name][:5] == ["2", "2", "1", "1", "1"]

    # Outcomes, then the network: the section links keep the filters.
    nav = page.get_by_role("navigation", name=it("Parts of the monitoring"))
    outcomes = indicators.section("outcomes")
    with page.expect_navigation():
        nav.get_by_role("link", name=_it_title(outcomes), exact=True).click()
    expect(page.locator("h2").first).to_have_text(_it_title(outcomes))
    expect(page.locator("#scope-summary")).to_contain_text("01/01/2026 – 31/03/2026")
    assert page.locator(".monitoring-table").count() == len(outcomes.indicators)
    network = indicators.section("network")
    with page.expect_navigation():
        nav.get_by_role("link", name=_it_title(network), exact=True).click()
    expect(page.locator("figure.monitoring-graph svg.monitoring-network")).to_be_visible()
    pairs = table_rows(page, "referral_network")
    pair = f"{world.own.name} → {world.partner.name}"
    sent, accepted, _completed, acceptance, _completion = pairs[pair]
    # Four referrals sent to the partner in the quarter; two accepted of the three answered.
    assert (sent, accepted, acceptance) == ("4", "2", "66,7%")

    # The CSV of this section holds the same figures.
    with page.expect_download() as download:
        page.get_by_role("link", name=it("Export CSV")).click()
    path = download.value.path()
    assert download.value.suggested_filename == "ponte-network-20260101-20260331.csv"
    lines = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    exported = next(line for line in lines if line and line[0] == pair)
    assert (exported[1], exported[2], exported[4]) == (sent, accepted, as_exported(acceptance))

    # The periodic report for the first quarter of 2026 shows it too, and the funnel's row.
    with page.expect_navigation():
        nav.get_by_role("link", name=it("Periodic report")).click()
    page.locator("#id_year").select_option("2026")
    page.locator("#id_quarter").select_option("1")
    expect(page.locator("#id_breakdown")).to_have_value("access_point")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(it("Monitoring report"))
    expect(page.locator("dl.meta")).to_contain_text("01/01/2026 – 31/03/2026")
    assert table_rows(page, "referral_network")[pair] == pairs[pair]
    assert table_rows(page, "funnel")[data.a.name] == funnel[data.a.name]


def _it_title(section: indicators.Section) -> str:
    with translation.override("it"):
        return str(section.title)


# ---- axe-core -------------------------------------------------------------------------------


def monitoring_pages(world: Any) -> list[tuple[str, str, str]]:
    """(name, path, persona) of every monitoring page, with the dataset's half year."""
    period = "?since=2026-01-01&until=2026-06-30&breakdown=access_point"
    report = reverse("monitoring:report")
    pages = [
        (f"dashboard: {s.key}", reverse("monitoring:section", args=[s.key]) + period, "coordinator")
        for s in indicators.SECTIONS
    ]
    return [
        *pages,
        ("report form", report, "coordinator"),
        ("report", report + "?year=2026&quarter=1&breakdown=access_point", "coordinator"),
        ("microdata", reverse("monitoring:microdata"), "analyst"),
    ]


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES))
def test_no_serious_accessibility_violation_on_the_monitoring(
    kit: Any, world: Any, data: Dataset, size: str
) -> None:
    tabs: dict[str, Page] = {}
    findings: list[str] = []
    for name, path, persona in monitoring_pages(world):
        if persona not in tabs:
            tabs[persona] = kit.tab(kit.context(world.users[persona], viewport=SIZES[size])).page
        page = tabs[persona]
        response = page.goto(kit.url(path))
        assert response is not None and response.status == 200, (name, response)
        assert response.request.redirected_from is None, name
        # Not an empty page checked: the dashboards have their tables, the report all of them.
        if name.startswith("dashboard") or name == "report":
            assert page.locator(".monitoring-table tbody tr").count() > 0, name
        findings += blocking_violations(page, name)
    assert not findings, "\n".join(findings)


# ---- screenshots ----------------------------------------------------------------------------

# Arabic is not an operator language (settings.PONTE_OPERATOR_LANGUAGES): a browser asking for
# it gets the operator pages in Italian. The right-to-left pictures are then the Italian page
# turned right to left, as the login page's are in test_screenshots.
RIGHT_TO_LEFT = "ar" if "ar" in settings.PONTE_OPERATOR_LANGUAGES else "it-rtl"

LEGIBLE_PX = 10.0  # the smallest chart text, in CSS pixels, a phone's reader is asked to read

CHART_TEXT_JS = """svg => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  return parseFloat(svg.getAttribute('font-size')) * scale;
}"""


def _graph_not_centred(page: Page) -> str | None:
    """On a phone the graph is wider than its box, which starts scrolled to the graph's centre
    (where a small network is drawn); None when it does."""
    box = page.locator(".monitoring-graph-scroll")
    extra, scrolled = box.evaluate("e => [e.scrollWidth - e.clientWidth, Math.abs(e.scrollLeft)]")
    if extra <= 0:
        return None  # the whole graph fits
    if abs(scrolled - extra / 2) > 2:
        return f"the graph's box is scrolled by {scrolled}px of {extra}px, not to its centre"
    return None


def _context(kit: Any, world: Any, lang: str, size: str) -> Any:
    context = kit.context(
        world.users["coordinator"],
        viewport=SIZES[size],
        locale=LOCALES.get(lang, "it-IT"),
    )
    if lang == "ar":
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": kit.base_url}]
        )
    return context


@pytest.mark.browser
def test_screenshots_of_the_monitoring(
    kit: Any, world: Any, data: Dataset, screenshot_dir: Path
) -> None:
    problems: list[str] = []
    period = "?since=2026-01-01&until=2026-06-30&breakdown=access_point"
    for lang in [*LOCALES, RIGHT_TO_LEFT]:
        for size in SIZES:
            page = kit.tab(_context(kit, world, lang, size)).page
            for key in ("path", "network"):
                response = page.goto(kit.url(reverse("monitoring:section", args=[key]) + period))
                assert response is not None and response.status == 200, (lang, size, key)
                if lang == "it-rtl":
                    page.evaluate("document.documentElement.setAttribute('dir', 'rtl')")
                else:
                    expect(page.locator("html")).to_have_attribute("lang", lang)
                name = f"monitoring-{lang}-{size}-{key}.png"
                page.screenshot(path=str(screenshot_dir / name), full_page=True)
                if size != "phone":
                    continue
                if problem := overflow(page):
                    problems.append(f"{name}: {problem}")
                for svg in page.locator("svg.monitoring-chart, svg.monitoring-network").all():
                    text_px = svg.evaluate(CHART_TEXT_JS)
                    if text_px < LEGIBLE_PX:
                        problems.append(f"{name}: chart text {text_px:.1f}px on a phone")
                if key == "network" and (problem := _graph_not_centred(page)):
                    problems.append(f"{name}: {problem}")
    page = kit.tab(_context(kit, world, "it", "desktop")).page
    response = page.goto(
        kit.url(reverse("monitoring:report") + "?year=2026&quarter=1&breakdown=access_point")
    )
    assert response is not None and response.status == 200
    page.screenshot(path=str(screenshot_dir / "monitoring-it-desktop-report.png"), full_page=True)
    assert not problems, "\n".join(problems)
