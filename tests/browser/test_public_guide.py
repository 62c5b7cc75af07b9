"""The public guide in a real browser: axe-core in all eight languages at phone size (and
Italian and Arabic at desktop size), no CSP violation, the quick exit, the layout on a
phone (no sideways scroll, tap targets, the exit and helpline always on screen), and
screenshots in var/screenshots/guide-*.png for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.urls import reverse

from ponte.catalog.tests.test_public_guide import GuideData, build_guide_data
from tests.browser.support import DESKTOP, PHONE, VIEWPORTS, BrowserKit, Tab
from tests.browser.test_accessibility import BLOCKING, describe
from tests.browser.test_screenshots import overflow

LANGS = [code for code, _name in django_settings.LANGUAGES]
RTL = {"ar", "ur"}
SCREENSHOT_LANGS = ["it", "ar", "ur", "pa", "bn"]
MIN_TAP = 44

# Everything a person taps on: the bar, the language menu, the need choices, buttons, links
# that stand alone. (Links inside running text are exempt, as in WCAG 2.5.8.)
TAP_TARGETS_JS = """(minimum) => {
  const selectors = ['.guide-exit', '.guide-bar-helpline', '.guide-lang summary',
    '.guide-choice', '.guide-check', '.guide-button', '.guide-call', '.guide-input',
    '.guide-filters summary', '.guide-pages a', '.guide-card-title a', '.guide-language',
    '.guide-back a', '.guide-places a', '.guide-emergency a', '.guide-lang ul a'];
  const small = [];
  for (const el of document.querySelectorAll(selectors.join(','))) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // closed <details>
    if (box.height < minimum || box.width < minimum) {
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${el.className || el.tagName}: ${size}`);
    }
  }
  return small;
}"""


def guide_pages(data: GuideData, lang: str) -> list[tuple[str, str]]:
    return [
        ("home", reverse("guide:home", args=[lang])),
        ("results", reverse("guide:results", args=[lang]) + "?place=Treviglio"),
        ("detail", reverse("guide:detail", args=[lang, data.legal.public_id])),
    ]


@pytest.fixture
def guide_data(kit: BrowserKit) -> GuideData:
    return build_guide_data()


def open_page(kit: BrowserKit, tab: Tab, path: str) -> Any:
    tab.console.clear()
    tab.errors.clear()
    response = tab.page.goto(kit.url(path))
    assert response is not None and response.status == 200, (path, response)
    return response


def check_page(
    tab: Tab, name: str, lang: str, axe: Axe, minor: list[str] | None = None
) -> list[str]:
    problems: list[str] = []
    page = tab.page
    if page.locator("html").get_attribute("lang") != lang:
        problems.append(f"{name}: html lang is not {lang}")
    expected_dir = "rtl" if lang in RTL else "ltr"
    if page.locator("html").get_attribute("dir") != expected_dir:
        problems.append(f"{name}: html dir is not {expected_dir}")
    violations = axe.run(page).response["violations"]
    problems += [describe(name, v) for v in violations if v["impact"] in BLOCKING]
    if minor is not None:
        minor += [
            f"[{name}] {v['impact']} {v['id']}" for v in violations if v["impact"] not in BLOCKING
        ]
    problems += [f"{name}: CSP violation {p}" for p in tab.csp_problems()]
    problems += [f"{name}: JavaScript error {e}" for e in tab.errors]
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_guide_has_no_serious_accessibility_violation(
    kit: BrowserKit, guide_data: GuideData, size: str
) -> None:
    """Every language at phone size; Italian and Arabic (left-to-right and right-to-left)
    at desktop size. The language chooser once per size."""
    langs = LANGS if size == "phone" else ["it", "ar"]
    axe = Axe()
    tab = kit.tab(kit.context(viewport=VIEWPORTS[size]))
    failures: list[str] = []
    minor: list[str] = []
    open_page(kit, tab, reverse("guide:choose_language"))
    failures += check_page(tab, f"chooser {size}", "it", axe, minor)
    checked = 1
    for lang in langs:
        for name, path in guide_pages(guide_data, lang):
            response = open_page(kit, tab, path)
            policy = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
                failures.append(f"{lang} {name}: CSP header missing or weak: {policy!r}")
            failures += check_page(tab, f"{lang} {name} {size}", lang, axe, minor)
            checked += 1
    print(f"\naxe on the public guide at {size}: {checked} pages checked")
    if minor:
        print("Minor or moderate findings (not failing):\n  " + "\n  ".join(minor))
    assert not failures, "\n".join(failures)


@pytest.mark.browser
def test_axe_is_not_blind_on_the_guide(kit: BrowserKit, guide_data: GuideData) -> None:
    """Under the guide's strict CSP, axe still runs and reports a planted unlabelled field."""
    tab = kit.tab(kit.context(viewport=PHONE))
    open_page(kit, tab, reverse("guide:home", args=["ar"]))
    tab.page.evaluate("document.querySelector('main').appendChild(document.createElement('input'))")
    assert "label" in {v["id"] for v in Axe().run(tab.page).response["violations"]}


@pytest.mark.browser
def test_guide_works_and_is_accessible_with_the_language_menu_open(
    kit: BrowserKit, guide_data: GuideData
) -> None:
    tab = kit.tab(kit.context(viewport=PHONE))
    open_page(kit, tab, reverse("guide:home", args=["ur"]))
    tab.page.locator(".guide-lang summary").click()
    link = tab.page.locator(".guide-lang a[lang=pa]")
    assert link.is_visible()
    assert not check_page(tab, "ur home, language menu open", "ur", Axe())
    with tab.page.expect_navigation():
        link.click()
    assert tab.page.url.endswith("/guida/pa/")
    assert tab.page.locator("html").get_attribute("lang") == "pa"


@pytest.mark.browser
def test_search_form_works_without_javascript(kit: BrowserKit, guide_data: GuideData) -> None:
    context = kit.context(viewport=PHONE, java_script_enabled=False)
    page = kit.tab(context).page
    page.goto(kit.url(reverse("guide:home", args=["bn"])))
    page.locator("input[name=area][value=legal]").check()
    page.locator("#guide-place").fill("Cantu")
    with page.expect_navigation():
        page.locator(".guide-search button[type=submit]").click()
    assert "/guida/bn/servizi/?area=legal&place=Cantu" in page.url
    # Cantù is in Como; the legal desk serves the Ambito di Treviglio only.
    assert page.locator(".guide-card").count() == 0
    page.goto(kit.url(reverse("guide:results", args=["bn"]) + "?place=Tre"))
    with page.expect_navigation():
        page.locator(".guide-places a", has_text="Treviglio").first.click()
    assert page.locator(".guide-card").count() == 1


@pytest.mark.browser
def test_quick_exit_leaves_no_way_back(
    kit: BrowserKit, guide_data: GuideData, settings: Any
) -> None:
    """A click replaces the guide page in the history: Back does not return to it."""
    exit_path = reverse("guide:choose_language") + "?left=1"
    settings.PONTE_QUICK_EXIT_URL = kit.url(exit_path)
    tab = kit.tab(kit.context(viewport=PHONE))
    page = tab.page
    home = kit.url(reverse("guide:home", args=["ar"]))
    detail = kit.url(reverse("guide:detail", args=["ar", guide_data.legal.public_id]))
    page.goto(home)
    page.goto(detail)
    exit_button = page.locator("#quick-exit")
    assert exit_button.is_visible()
    with page.expect_navigation():
        exit_button.click()
    assert page.url == kit.url(exit_path)
    page.go_back()
    assert page.url == home, "Back must not return to the page the person left"
    assert not tab.errors


@pytest.mark.browser
def test_escape_twice_leaves_the_guide(
    kit: BrowserKit, guide_data: GuideData, settings: Any
) -> None:
    exit_path = reverse("guide:choose_language") + "?left=2"
    settings.PONTE_QUICK_EXIT_URL = kit.url(exit_path)
    page = kit.tab(kit.context(viewport=DESKTOP)).page
    page.goto(kit.url(reverse("guide:results", args=["fr"])))
    page.keyboard.press("Escape")
    page.wait_for_timeout(150)
    assert "/guida/fr/servizi/" in page.url  # once is not enough: Escape closes menus too
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert page.url == kit.url(exit_path)


@pytest.mark.browser
def test_quick_exit_works_without_javascript(
    kit: BrowserKit, guide_data: GuideData, settings: Any
) -> None:
    exit_path = reverse("guide:choose_language") + "?left=3"
    settings.PONTE_QUICK_EXIT_URL = kit.url(exit_path)
    page = kit.tab(kit.context(viewport=PHONE, java_script_enabled=False)).page
    page.goto(kit.url(reverse("guide:home", args=["es"])))
    with page.expect_navigation():
        page.locator("#quick-exit").click()
    assert page.url == kit.url(exit_path)


def _in_viewport(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    return bool(
        box
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


@pytest.mark.browser
@pytest.mark.parametrize("lang", SCREENSHOT_LANGS)
def test_phone_layout_and_screenshots(
    kit: BrowserKit, guide_data: GuideData, screenshot_dir: Path, lang: str
) -> None:
    tab = kit.tab(kit.context(viewport=PHONE))
    page = tab.page
    problems: list[str] = []
    pages = [("chooser", reverse("guide:choose_language")), *guide_pages(guide_data, lang)]
    for name, path in pages:
        open_page(kit, tab, path)
        page.screenshot(path=str(screenshot_dir / f"guide-{lang}-phone-{name}.png"), full_page=True)
        if problem := overflow(page):
            problems.append(f"{lang} {name}: {problem}")
        small = page.evaluate(TAP_TARGETS_JS, MIN_TAP)
        problems += [f"{lang} {name}: tap target under {MIN_TAP}px: {s}" for s in small]
        # The exit button and the helpline stay on screen however far the person scrolls.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(50)
        for selector in ("#quick-exit", ".guide-bar-helpline"):
            if not _in_viewport(page, selector):
                problems.append(f"{lang} {name}: {selector} not on screen after scrolling")
        page.evaluate("window.scrollTo(0, 0)")
    # Right-to-left: the exit button sits at the left end of the bar, the text reads from the right.
    open_page(kit, tab, reverse("guide:home", args=[lang]))
    exit_box = page.locator("#quick-exit").bounding_box()
    helpline_box = page.locator(".guide-bar-helpline").bounding_box()
    assert exit_box and helpline_box
    if lang in RTL:
        assert exit_box["x"] < helpline_box["x"], "the exit button should be on the left"
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    else:
        assert exit_box["x"] > helpline_box["x"], "the exit button should be on the right"
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "ar"])
def test_desktop_screenshots(
    kit: BrowserKit, guide_data: GuideData, screenshot_dir: Path, lang: str
) -> None:
    tab = kit.tab(kit.context(viewport=DESKTOP))
    for name, path in guide_pages(guide_data, lang):
        open_page(kit, tab, path)
        tab.page.screenshot(
            path=str(screenshot_dir / f"guide-{lang}-desktop-{name}.png"), full_page=True
        )
        assert overflow(tab.page) is None


@pytest.mark.browser
def test_print_hides_the_exit_button_and_the_filters(
    kit: BrowserKit, guide_data: GuideData
) -> None:
    page = kit.tab(kit.context(viewport=DESKTOP)).page
    page.goto(kit.url(reverse("guide:results", args=["pa"])))
    page.emulate_media(media="print")
    assert not page.locator("#quick-exit").is_visible()
    assert not page.locator(".guide-filters").is_visible()
    assert not page.locator(".guide-lang").is_visible()
    assert page.locator(".guide-bar-helpline").is_visible()
    assert page.locator(".guide-card").first.is_visible()
