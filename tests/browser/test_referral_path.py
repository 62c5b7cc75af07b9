"""A referral that closes the loop, in the browser, as the two organisations walk it.

A case manager at the PUA (world.own) refers a person to a catalog service of a partner
organisation (world.partner), sharing the profile and the plan but not the notes or the first
listening. The partner's operator finds it in the inbox, reads only what was shared, accepts
it and completes it with an outcome; the case manager sees the outcome on the case's
referrals, on the referral's timeline and on the case's own timeline. An operator of a third
organisation gets 404. When the person withdraws the sharing consent, the referral still open
to the partner is withdrawn and the partner's next request gets 404.

A second test: a partner sends a signal to the PUA, and the PUA's case manager triages it
into a new case. Every page passed is checked with axe.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_case_path import Walk, tick

NOT_SHARED_NOTE = "Nota per i partner, non condivisa in questo invio (fittizia)"
NOT_SHARED_STORY = "Racconto riservato del primo ascolto (fittizio)"
PLAN_GOAL = "Un contratto regolare nel magazzino (fittizio)"
OUTCOME = "Assunto con contratto a tempo determinato (fittizio)"


def _case_to_refer(world: Any) -> Any:
    """A case in the plan phase with an agreed plan, a first listening and a note for
    partners; the person agreed to share their data with the partner organisation."""
    from ponte.cases.factories import CaseFactory
    from ponte.cases.models import CaseNote, Phase
    from ponte.cases.services import assessment, work_outcomes
    from ponte.cases.services import plan as planning
    from ponte.people.factories import ConsentFactory
    from ponte.people.models import Consent

    actor = world.users["case_manager"]
    case: Any = CaseFactory(
        access_point=world.own_access_point,
        case_manager=actor,
        phase=Phase.PLAN,
        person__given_name="Imran (fittizio)",
        person__languages="ur,pa",
    )
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    today = timezone.localdate()
    assessment.record_first_listening(
        case,
        actor=actor,
        data={"held_on": today, "narrative": NOT_SHARED_STORY, "language": "ur"},
        expected_version=None,
    )
    work_outcomes.add_note(
        case, actor=actor, body=NOT_SHARED_NOTE, visibility=CaseNote.Visibility.PARTNERS
    )
    case.refresh_from_db()
    planning.save_plan_draft(
        case,
        actor=actor,
        texts={"work_goal": "Lavorare in un magazzino con un contratto (fittizio)"},
        services=[],
        goals=[planning.GoalInput(text=PLAN_GOAL)],
        expected_version=None,
    )
    case.refresh_from_db()
    planning.agree_plan(case, actor=actor, agreed_on=today, language="ur")
    case.refresh_from_db()
    return case


def _partner_service(world: Any) -> Any:
    from ponte.catalog.factories import ServiceFactory
    from ponte.catalog.taxonomy import Area

    return ServiceFactory(
        organization=world.partner,
        name="Orientamento al lavoro del partner (fittizio)",
        areas=[Area.WORK_GUIDANCE],
        langs=["ur", "it"],
        places=[world.province],
        open_without_permit=True,
    )


def _status(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return response.status


def _move(walk: Walk, to: str, name: str, **fields: str) -> None:
    """Press one of the referral's move buttons (the form whose hidden `to` is `to`)."""
    form = walk.page.locator("form.referral-action").filter(
        has=walk.page.locator(f"input[name=to][value={to}]")
    )
    for field, value in fields.items():
        form.locator(f"textarea[name={field}]").fill(value)
    with walk.page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(walk.page.locator(".messages .alert-danger")).to_have_count(0)
    walk.check(name)


@pytest.mark.browser
def test_a_referral_to_a_partner_service_closes_the_loop(kit: Any, network: Any) -> None:
    from ponte.people.models import Consent
    from ponte.referrals.factories import ReferralFactory
    from ponte.referrals.models import Referral, Status

    world = network
    case = _case_to_refer(world)
    service = _partner_service(world)
    manager = Walk(kit.tab(kit.context(world.users["case_manager"])).page)
    partner = Walk(kit.tab(kit.context(world.users["partner_operator@partner"])).page)
    outsider = kit.tab(kit.context(world.users["coordinator@foreign"])).page
    page = manager.page

    # From the case's referrals, to the service's provider: profile and plan, not the notes.
    case_referrals = reverse("referrals:case_referrals", args=[case.public_id])
    manager.goto(kit.url(case_referrals), "case referrals, none yet")
    create = reverse("referrals:create") + f"?case={case.public_id}&service={service.public_id}"
    manager.goto(kit.url(create), "new referral to a service")
    expect(page.locator("main")).to_contain_text(service.name)
    tick(page, "input[name=sections][value=plan]")
    expect(page.locator("input[name=sections][value=profile]")).to_be_checked()
    expect(page.locator("input[name=sections][value=notes]")).not_to_be_checked()
    page.locator("#id_message").fill("Cerca un lavoro in magazzino; parla urdu (fittizio).")
    manager.submit("main form[method=post]:has(button[name=and_send])", "referral sent")
    referral = Referral.objects.get(case=case)
    assert (referral.status, referral.receiver, referral.service) == (
        Status.SENT,
        world.partner,
        service,
    )
    assert referral.section_list() == ["profile", "plan"]
    detail = kit.url(reverse("referrals:detail", args=[referral.public_id]))
    assert page.url == detail

    # The partner finds it in the inbox and reads only what was shared.
    partner.goto(kit.url(reverse("referrals:inbox")), "partner inbox")
    partner.follow(
        partner.page.locator(
            f"main a[href='{reverse('referrals:detail', args=[referral.public_id])}']"
        ),
        "referral, as the receiver",
    )
    shared = partner.page.locator("main").inner_text()
    # Opening it was the acknowledgement: the sender sees it received.
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED and referral.received_at is not None
    assert "Imran (fittizio)" in shared
    assert PLAN_GOAL in shared
    assert NOT_SHARED_NOTE not in shared
    assert NOT_SHARED_STORY not in shared
    expect(partner.page.locator(f"main a[href*='{case.public_id}']")).to_have_count(0)

    # An operator of a third organisation does not know it exists.
    assert _status(outsider, detail) == 404

    _move(partner, Status.ACCEPTED, "referral accepted")
    _move(partner, Status.COMPLETED, "referral completed", outcome=OUTCOME)
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (Status.COMPLETED, OUTCOME)
    # Closed: the partner's access to the shared file ended with it.
    assert _status(partner.page, detail) == 404

    # The sender sees the outcome on the case's referrals and on the referral's timeline.
    manager.goto(kit.url(case_referrals), "case referrals, completed")
    expect(page.locator("main table")).to_contain_text(OUTCOME)
    manager.goto(detail, "referral, as the sender, completed")
    timeline = page.locator("ol.referral-timeline")
    expect(timeline.locator("li")).to_have_count(referral.events.count())
    for event in referral.events.all():
        expect(timeline).to_contain_text(str(event.get_to_status_display()))
    expect(page.locator("main .referral-summary")).to_contain_text(OUTCOME)
    # And on the case's own timeline: the "Completed" line carries the outcome.
    manager.goto(kit.url(reverse("cases:case_detail", args=[case.public_id])), "case, completed")
    completed = page.locator("main ol.timeline li", has_text=str(Status.COMPLETED.label)).filter(
        has_text=world.partner.name
    )
    expect(completed.first).to_contain_text(OUTCOME)

    # A second referral to the partner is open and visible to it — until the person withdraws
    # the sharing consent; the partner's next request is a 404.
    second: Any = ReferralFactory(case=case, receiver=world.partner, sent=True)
    second_detail = kit.url(reverse("referrals:detail", args=[second.public_id]))
    partner.goto(second_detail, "second referral, as the receiver")
    consent = Consent.objects.active().get(
        person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner
    )
    person = case.person
    manager.goto(kit.url(reverse("people:person_detail", args=[person.public_id])), "person page")
    withdraw = reverse("people:consent_withdraw", args=[person.public_id, consent.public_id])
    manager.follow(page.locator(f"main a[href='{withdraw}']"), "withdraw form")
    manager.submit("main form[method=post]", "person page, consent withdrawn")
    assert not Consent.objects.active().filter(pk=consent.pk).exists()
    assert _status(partner.page, second_detail) == 404
    assert _status(outsider, second_detail) == 404
    # The referral closed with the consent; the sender keeps it, withdrawn, with the reason.
    second.refresh_from_db()
    assert second.status == Status.WITHDRAWN and second.reason
    manager.goto(second_detail, "second referral, as the sender, consent withdrawn")
    expect(page.locator("ol.referral-timeline")).to_contain_text(second.reason)

    assert not manager.findings + partner.findings, "\n".join(manager.findings + partner.findings)


@pytest.mark.browser
def test_a_partner_signals_a_person_and_the_pua_takes_them_in_charge(
    kit: Any, network: Any
) -> None:
    from ponte.cases.models import Case
    from ponte.referrals.models import Referral, Status

    world = network
    ap = world.own_access_point
    partner = Walk(kit.tab(kit.context(world.users["partner_operator@partner"])).page)
    manager = Walk(kit.tab(kit.context(world.users["case_manager"])).page)

    # The partner met someone at its desk and signals them to the PUA.
    partner.goto(kit.url(reverse("referrals:signal_create")), "signal form")
    form = partner.page
    form.locator("#id_access_point").select_option(str(ap.pk))
    form.locator("#id_sender_kind").select_option("employment_centre")
    form.locator("#id_need").select_option("legal")
    form.locator("#id_urgency").select_option("soon")
    form.locator("#id_person_alias").fill("Kwame (fittizio)")
    form.locator("#id_person_contact").fill("Solo messaggi dopo le 18 (fittizio)")
    form.locator("#id_language").select_option("en")
    form.locator("#id_first_evaluation").fill("Paga a giornata, senza contratto (fittizio).")
    partner.submit("main form[method=post]", "signal sent")
    signal = Referral.objects.get(sender=world.partner, receiver=world.own)
    assert signal.status == Status.SENT

    # The PUA's case manager finds it in the inbox and triages it into a new case.
    manager.goto(kit.url(reverse("referrals:inbox")), "PUA inbox")
    detail = reverse("referrals:detail", args=[signal.public_id])
    manager.follow(manager.page.locator(f"main a[href='{detail}']"), "signal, as the PUA")
    expect(manager.page.locator("main")).to_contain_text("Kwame (fittizio)")
    manager.follow(
        manager.page.locator(
            f"main a[href='{reverse('referrals:triage', args=[signal.public_id])}']"
        ),
        "triage",
    )
    page = manager.page
    expect(page.locator("#id_new-given_name")).to_have_value("Kwame (fittizio)")
    tick(page, "#id_new-agreed")
    page.locator("#id_new-consent_method").select_option("oral_interpreter")
    page.locator("#id_new-consent_witness").fill("Mediatore fittizio")
    page.locator("#id_new-consent_language").select_option("en")
    manager.submit("main form[method=post]:has(input[name=decision][value=new_case])", "triaged")
    signal.refresh_from_db()
    assert signal.status == Status.ACCEPTED
    assert signal.case is not None
    case = Case.objects.get(pk=signal.case.pk)
    assert case.access_point == ap
    assert case.person.given_name == "Kwame (fittizio)"
    manager.follow(
        page.locator(f"main a[href='{reverse('cases:case_detail', args=[case.public_id])}']").first,
        "the new case",
    )

    # The sender sees the answer; the case itself stays the PUA's.
    partner.goto(kit.url(detail), "signal, as the sender, answered")
    expect(partner.page.locator("main .referral-summary")).to_contain_text(
        str(Status.ACCEPTED.label)
    )
    assert _status(partner.page, kit.url(reverse("cases:case_detail", args=[case.public_id]))) in (
        403,
        404,
    )
    assert not manager.findings + partner.findings, "\n".join(manager.findings + partner.findings)


@pytest.mark.browser
def test_screenshots_of_the_referral_pages(kit: Any, network: Any, screenshot_dir: Any) -> None:
    """The inbox, a referral as its receiver reads it, a referral from a case, the triage of
    a signal: phone and desktop, in Italian, in var/screenshots/ for people to look at. No page
    scrolls sideways on a phone."""
    from tests.browser.pages import referral_world
    from tests.browser.support import VIEWPORTS
    from tests.browser.test_screenshots import overflow

    r = referral_world(network)
    pages = [
        ("referral-inbox", "partner_operator@partner", reverse("referrals:inbox")),
        (
            "referral-detail-receiver",
            "partner_operator@partner",
            reverse("referrals:detail", args=[r.sent.public_id]),
        ),
        (
            "referral-create",
            "case_manager",
            reverse("referrals:create") + f"?case={r.case.public_id}",
        ),
        ("referral-triage", "case_manager", reverse("referrals:triage", args=[r.signal.public_id])),
        ("referral-inbox-pua", "case_manager", reverse("referrals:inbox")),
        (
            "referral-case",
            "case_manager",
            reverse("referrals:case_referrals", args=[r.case.public_id]),
        ),
    ]
    problems: list[str] = []
    for size, viewport in VIEWPORTS.items():
        tabs: dict[str, Page] = {}
        for name, persona, path in pages:
            if persona not in tabs:
                context = kit.context(network.users[persona], viewport=viewport)
                tabs[persona] = kit.tab(context).page
            page = tabs[persona]
            response = page.goto(kit.url(path))
            assert response is not None and response.status == 200, (name, response)
            assert page.locator("html").get_attribute("lang") == "it"
            page.screenshot(path=str(screenshot_dir / f"it-{size}-{name}.png"), full_page=True)
            if size == "phone" and (problem := overflow(page)):
                problems.append(f"{name}: {problem}")
    assert not problems, "\n".join(problems)
