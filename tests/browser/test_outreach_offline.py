"""The street unit's quick entry with no signal: an outing and three people met are recorded
offline, survive a reload, and reach the server exactly once when the connection returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from ponte.outreach.models import Contact, Outing
from ponte.outreach.offline_views import QUICK_PATH
from tests.browser.support import PHONE

BLOCKING = {"serious", "critical"}

PEOPLE = [
    {
        "alias": "Falco",
        "gender": "male",
        "age": "25-34",
        "sector": "logistics",
        "signals": ["wages", "ilo_debt_bondage"],
        "languages": ["pa", "en"],
    },
    {
        "alias": "",
        "gender": "female",
        "age": "18-24",
        "sector": "agriculture",
        "signals": ["working_time"],
        "languages": [],
    },
    {
        "alias": "Gru",
        "gender": "male",
        "age": "35-49",
        "sector": "construction",
        "signals": [],
        "languages": ["ar"],
    },
]


def italian(message: str, n: int | None = None) -> str:
    with translation.override("it"):
        text = gettext(message)
    return text if n is None else text.replace("{n}", str(n))


def toggle(page: Page, form: str, name: str, value: str) -> None:
    """Tap the large button (the label) of a radio or checkbox."""
    page.locator(f"{form} label[for='{_id(page, form, name, value)}']").click()


def _id(page: Page, form: str, name: str, value: str) -> str:
    return page.locator(f"{form} input[name='{name}'][value='{value}']").get_attribute("id") or ""


def open_quick_entry(kit: Any, user: Any) -> tuple[Any, Any]:
    context = kit.context(user, viewport=PHONE)
    # The favicon is answered here: the live server shares one in-memory SQLite connection
    # between its threads, and a stray parallel request can make another one fail.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=404, body=""))
    tab = kit.tab(context)
    tab.page.goto(kit.url(QUICK_PATH))
    # The worker is installed (page, CSS, JS and options cached) and controls the page.
    tab.page.wait_for_function(
        "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null)",
        timeout=20_000,
    )
    return context, tab


def blocking_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes'][:5]]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


@pytest.mark.browser
def test_offline_outing_with_three_contacts_is_synced_exactly_once(
    kit: Any, network: Any, screenshot_dir: Path
) -> None:
    context, tab = open_quick_entry(kit, network.users["outreach_worker"])
    page = tab.page
    expect(page.locator("#queue-count")).to_have_text(italian("Nothing to send"))
    assert blocking_violations(page) == []
    page.screenshot(path=str(screenshot_dir / "outreach-1-start.png"), full_page=True)

    context.set_offline(True)
    expect(page.locator("#net-status")).to_have_text(
        italian("Offline: entries are kept on this phone")
    )
    # Start the outing: the PUA and the time are already there; the place is typed.
    page.locator("#o-place-note").fill("Hub consegne fittizio")
    page.locator("#outing-form button[type=submit]").click()
    expect(page.locator("#outing-active")).to_be_visible()
    expect(page.locator("#add-person")).to_be_focused()

    for number, person in enumerate(PEOPLE, start=1):
        page.locator("#add-person").click()
        if person["alias"]:
            page.locator("#p-alias").fill(person["alias"])
        toggle(page, "#person-form", "gender", person["gender"])
        toggle(page, "#person-form", "age_band", person["age"])
        page.locator("#p-nationality").select_option("IN")
        for language in person["languages"]:
            toggle(page, "#person-form", "languages", language)
        toggle(page, "#person-form", "sector", person["sector"])
        for signal in person["signals"]:
            if signal.startswith("ilo_"):  # the ILO indicators are one tap further
                page.locator("#person-form details.more summary").click()
            toggle(page, "#person-form", "signals", signal)
        toggle(page, "#person-form", "needs", "legal")
        toggle(page, "#person-form", "next_step", "pua_appointment")
        page.locator("label[for='p-consent']").click()
        if number == 1:
            assert blocking_violations(page) == []
            page.screenshot(path=str(screenshot_dir / "outreach-2-person.png"), full_page=True)
        page.locator("#person-form button[type=submit]").click()
        expect(page.locator("#people-count")).to_have_text(str(number))
        expect(page.locator("#queue-count")).to_have_text(italian("{n} to send", number + 1))

    # People counted only, materials, logbook: then the outing ends and waits to be sent.
    # Two groups: 2 women 18-24 from Morocco; 5 men 25-34 typed as "other" (Sudan).
    page.locator("#g1-count").fill("2")
    page.locator("#g1-gender").select_option("female")
    page.locator("#g1-age_band").select_option("18-24")
    page.locator("#g1-nationality").select_option("MA")
    page.locator("#add-people-row").click()
    expect(page.locator("#g2-count")).to_be_focused()
    page.locator("#g2-count").fill("5")
    page.locator("#g2-gender").select_option("male")
    page.locator("#g2-age_band").select_option("25-34")
    page.locator("#g2-nationality").select_option("other")
    page.locator("#g2-nationality_other").fill("sd")
    assert blocking_violations(page) == []
    page.locator("#m-leaflet").fill("7")
    page.locator("#e-logbook").fill("Uscita fittizia: molte persone in attesa del turno.")
    page.screenshot(path=str(screenshot_dir / "outreach-3-end.png"), full_page=True)
    page.locator("#end-form button[type=submit]").click()
    expect(page.locator("#outing-form")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text(italian("{n} to send", 4))
    queued = page.evaluate("PonteQueue.all()")
    assert sorted(e["kind"] for e in queued) == ["contact", "contact", "contact", "outing"]
    contact_ids = {e["id"] for e in queued if e["kind"] == "contact"}
    assert Contact.objects.count() == 0

    # Reload with no connection: the service worker serves the page, the queue is still there.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("h1")).to_have_text(italian("Quick entry"))
    expect(page.locator("#queue-count")).to_have_text(italian("{n} to send", 4))
    expect(page.locator("#send-now")).to_be_disabled()  # until the connection returns
    page.screenshot(path=str(screenshot_dir / "outreach-4-offline-reload.png"), full_page=True)
    assert Contact.objects.count() == 0

    # Back online: the "online" event sends the queue; "Send now" is there for a retry.
    context.set_offline(False)
    expect(page.locator("#queue-count")).to_have_text(italian("Nothing to send"), timeout=15_000)
    page.screenshot(path=str(screenshot_dir / "outreach-5-synced.png"), full_page=True)
    assert set(str(u) for u in Contact.objects.values_list("public_id", flat=True)) == contact_ids
    outing = Outing.objects.get()
    assert outing.contacts.count() == 3
    assert sorted(outing.people_met.values_list("gender", "age_band", "nationality", "count")) == [
        ("female", "18-24", "MA", 2),
        ("male", "25-34", "SD", 5),
    ]
    assert sorted(sorted(c.language_list()) for c in outing.contacts.all()) == [
        [],
        ["ar"],
        ["en", "pa"],
    ]
    assert page.evaluate("PonteQueue.all()") == []

    # The same entries sent twice more: straight to the API, and back through the queue.
    answers = page.evaluate(
        """async (entries) => {
          const token = (await (await fetch('/outreach/csrf/')).json()).csrfToken;
          const response = await fetch('/api/v1/outreach/sync', {
            method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
            body: JSON.stringify({
              entries: entries.map(e => ({kind: e.kind, id: e.id, data: e.data})),
            }),
          });
          return (await response.json()).results.map(r => r.status);
        }""",
        queued,
    )
    assert answers == ["already_synced"] * 4
    for entry in queued:
        entry["state"] = "ready"
        page.evaluate("entry => PonteQueue.put(entry)", entry)
    page.reload()
    expect(page.locator("#queue-count")).to_have_text(italian("Nothing to send"), timeout=15_000)
    assert Contact.objects.count() == 3
    assert Outing.objects.count() == 1
    assert tab.csp_problems() == []
    assert tab.errors == []


@pytest.mark.browser
def test_signing_out_with_unsent_entries_asks_first(kit: Any, network: Any) -> None:
    context, tab = open_quick_entry(kit, network.users["outreach_worker"])
    page = tab.page
    context.set_offline(True)
    page.locator("#o-place-note").fill("Stazione fittizia")
    page.locator("#outing-form button[type=submit]").click()
    expect(page.locator("#queue-count")).to_have_text(italian("{n} to send", 1))
    context.set_offline(False)

    messages: list[str] = []

    def dismiss(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name=italian("Sign out")).click()
    page.wait_for_timeout(300)
    assert messages and "1" in messages[0]
    assert page.url.endswith(QUICK_PATH)  # still signed in, still here
    expect(page.locator("#queue-count")).to_have_text(italian("{n} to send", 1))

    # Any other page asks too: it counts the queue without the quick-entry script.
    page.goto(kit.url("/"))
    page.once("dialog", dismiss)
    page.get_by_role("button", name=italian("Sign out")).click()
    page.wait_for_timeout(300)
    assert len(messages) == 2 and "1" in messages[1]
    assert page.url == kit.url("/")
    # Accepted: the form is sent and the user is signed out.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name=italian("Sign out")).click()
    expect(page.get_by_role("button", name=italian("Sign out"))).to_have_count(0)


@pytest.mark.browser
def test_signing_out_with_no_queue_does_not_create_it(kit: Any, network: Any) -> None:
    context = kit.context(network.users["outreach_worker"], viewport=PHONE)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=404, body=""))
    page = kit.tab(context).page
    page.goto(kit.url("/"))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with page.expect_navigation():
        page.get_by_role("button", name=italian("Sign out")).click()
    expect(page.get_by_role("button", name=italian("Sign out"))).to_have_count(0)
    assert dialogs == []
    names = page.evaluate("indexedDB.databases().then(list => list.map(db => db.name))")
    assert "ponte-outreach" not in names
