"""Screenshots of the main pages, phone and desktop, Italian and English, in var/screenshots/.

They are for people to look at; the test itself only checks that no page scrolls
sideways on a phone (wide tables scroll inside their own box) and that the layout holds
when the page is turned right-to-left.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.support import PHONE, VIEWPORTS

LANGUAGES = {"it": "it-IT", "en": "en-GB"}

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const position = getComputedStyle(el).position;
    if (el.closest('.table-responsive') && !['absolute', 'fixed'].includes(position)) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 1 || box.left < -1);
  }).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className && typeof el.className === 'string'
                   ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


def main_pages(world: Any) -> list[tuple[str, str | None, str]]:
    return [
        ("login", None, reverse("accounts:login")),
        ("home-coordinator", "coordinator", reverse("home")),
        ("organisation-list", "coordinator", reverse("network:organization_list")),
        (
            "access-point-detail",
            "org_admin",
            reverse("network:access_point_detail", args=[world.own_access_point.public_id]),
        ),
        (
            "agreement-detail",
            "coordinator",
            reverse("network:agreement_detail", args=[world.own_agreement.public_id]),
        ),
    ]


def overflow(page: Any) -> str | None:
    found = page.evaluate(OVERFLOW_JS)
    if found["scrollWidth"] > found["width"] + 1:
        wide, width = found["scrollWidth"], found["width"]
        return f"page is {wide}px wide in a {width}px viewport; sticking out: {found['wide']}"
    return None


@pytest.mark.browser
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_screenshots_of_the_main_pages(
    kit: Any, network: Any, screenshot_dir: Path, lang: str
) -> None:
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        contexts: dict[str | None, Any] = {}
        for name, persona, path in main_pages(network):
            if persona not in contexts:
                user = network.users[persona] if persona else None
                context = kit.context(user, viewport=viewport, locale=LANGUAGES[lang])
                contexts[persona] = kit.tab(context).page
            page = contexts[persona]
            response = page.goto(kit.url(path))
            assert response is not None and response.status == 200, (name, response)
            assert page.locator("html").get_attribute("lang") == lang
            page.screenshot(path=str(screenshot_dir / f"{lang}-{size}-{name}.png"), full_page=True)
            if size == "phone" and (problem := overflow(page)):
                problems.append(f"{lang} {name}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_login_page_holds_right_to_left(kit: Any, screenshot_dir: Path, size: str) -> None:
    page = kit.tab(kit.context(viewport=VIEWPORTS[size])).page
    page.goto(kit.url(reverse("accounts:login")))
    page.evaluate("document.documentElement.setAttribute('dir', 'rtl')")
    page.screenshot(path=str(screenshot_dir / f"rtl-{size}-login.png"), full_page=True)
    assert overflow(page) is None
    # The form reads from the right: the label starts at the right edge of its field.
    label = page.locator("label[for=id_username]").bounding_box()
    field = page.locator("#id_username").bounding_box()
    assert label and field
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2


PLAN_LANGUAGES = ["it", "en", "fr", "ar", "ur", "pa", "bn", "es"]
RIGHT_TO_LEFT = {"ar", "ur"}


def case_pages(world: Any) -> list[tuple[str, str]]:
    from tests.browser.pages import case_world

    w = case_world(world)
    cid = w.case.public_id
    return [
        ("case-overview", reverse("cases:case_detail", args=[cid])),
        (
            "assessment-detail",
            reverse("cases:assessment_detail", args=[cid, w.assessment.public_id]),
        ),
        ("plan-edit", reverse("cases:plan_edit", args=[w.draft.public_id])),
        ("my-work", reverse("cases:my_work")),
        ("follow-up-form", reverse("cases:follow_up_record", args=[cid, w.follow_up.public_id])),
        ("person", reverse("people:person_detail", args=[w.person.public_id])),
    ]


@pytest.mark.browser
def test_screenshots_of_the_case_pages_and_the_printed_plan(
    kit: Any, network: Any, screenshot_dir: Path
) -> None:
    """The case manager's main pages in Italian; the person's copy of the plan in the
    eight languages it is handed over in, right to left where the script needs it."""
    from tests.browser.pages import case_world

    w = case_world(network)
    print_path = reverse("cases:plan_print", args=[w.case.public_id, w.plan.revision])
    problems: list[str] = []
    for size, viewport in {"phone": PHONE, "desktop": {"width": 1366, "height": 900}}.items():
        page = kit.tab(kit.context(network.users["case_manager"], viewport=viewport)).page
        for name, path in case_pages(network):
            response = page.goto(kit.url(path))
            assert response is not None and response.status == 200, (name, response)
            assert response.request.redirected_from is None, name
            page.screenshot(path=str(screenshot_dir / f"it-{size}-{name}.png"), full_page=True)
            if size == "phone" and (problem := overflow(page)):
                problems.append(f"{name}: {problem}")
        for lang in PLAN_LANGUAGES:
            response = page.goto(kit.url(f"{print_path}?lang={lang}"))
            assert response is not None and response.status == 200, (lang, response)
            html = page.locator("html")
            assert html.get_attribute("lang") == lang
            assert html.get_attribute("dir") == ("rtl" if lang in RIGHT_TO_LEFT else "ltr"), lang
            page.screenshot(
                path=str(screenshot_dir / f"plan-print-{lang}-{size}.png"), full_page=True
            )
            if size == "phone" and (problem := overflow(page)):
                problems.append(f"printed plan ({lang}): {problem}")
    assert not problems, "\n".join(problems)
