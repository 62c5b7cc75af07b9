"""One person's path, in the browser, as a case manager walks it.

From an outreach contact of the PUA to a closed case with a positive outcome: consent,
first listening, an exploitation assessment that screens positive, the decision, safety,
skills, the plan agreed and printed in Arabic, the referral-ready phase, activities,
follow-ups with the person's own answers, an outcome, the closure. Every page passed is
checked with axe. Only the world and the outreach contact are made through the ORM.

A second test: what a partner organisation sees of the person follows the sharing consent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

BLOCKING = {"serious", "critical"}

# Delphi indicators that make dimensions 1 (recruitment), 4 (exploitation) and
# 5 (coercion at destination) positive: one strong and one other, or two strong.
POSITIVE_DELPHI = (
    "d1_deceived_nature_of_job",
    "d1_deceived_wages",
    "d4_excessive_working_hours",
    "d4_low_or_no_salary",
    "d5_confiscation_of_documents",
    "d5_debt_bondage",
)


class Walk:
    """A tab that checks every page it lands on with axe and collects the findings."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.axe = Axe()
        self.findings: list[str] = []
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        for violation in self.axe.run(self.page).response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [str(n["target"]) for n in violation["nodes"][:3]]
                self.findings.append(f"[{name}] {violation['id']}: {violation['help']} {targets}")
        self.checked.append(name)

    def goto(self, path: str, name: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (name, response)
        self.check(name)

    def submit(self, form: str, name: str) -> None:
        """Submit the form matched by `form` (a CSS selector), then check the page reached."""
        with self.page.expect_navigation():
            self.page.locator(f"{form} button[type=submit]").first.click()
        errors = self.page.locator(
            ".invalid-feedback, .field-error, #form-errors"
        ).all_inner_texts()
        alerts = self.page.locator(".messages .alert-danger").all_inner_texts()
        assert not [e for e in errors + alerts if e.strip()], (name, errors, alerts)
        self.check(name)

    def follow(self, link: Any, name: str) -> None:
        with self.page.expect_navigation():
            link.click()
        self.check(name)


def tick(page: Page, selector: str) -> None:
    """Tick a checkbox or radio as a person does: on its label (Bootstrap Italia draws the
    box on the label and hides the input under it)."""
    box = page.locator(selector).first
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def _contact(world: Any) -> Any:
    from ponte.outreach.factories import ContactFactory, OutingFactory

    outing = OutingFactory(access_point=world.own_access_point)
    outing.team.add(world.users["outreach_worker"])
    return ContactFactory(
        outing=outing, alias="Samir del cantiere (fittizio)", nationality="MA", case_ref=None
    )


def _catalog_service(world: Any) -> Any:
    from ponte.catalog.factories import ServiceFactory
    from ponte.catalog.taxonomy import Area

    return ServiceFactory(
        organization=world.own,
        name="Orientamento al lavoro fittizio",
        areas=[Area.WORK_GUIDANCE, Area.TRAINING],
        langs=["ar", "it"],
        places=[world.province],
        open_without_permit=True,
    )


def _move(walk: Walk, base: str, case_url: str, phase: str) -> None:
    page = walk.page
    page.goto(base + case_url)
    page.locator("select[name=to]").select_option(phase)
    walk.submit(f"form[action$='{case_url}phase/']", f"case moved to {phase}")
    expect(page.locator(".phase-steps [aria-current=step]")).to_have_count(1)


@pytest.mark.browser
def test_one_person_from_an_outreach_contact_to_a_closed_case(kit: Any, network: Any) -> None:
    from ponte.cases.models import Case, EventKind

    world = network
    contact = _contact(world)
    _catalog_service(world)
    today = timezone.localdate()
    walk = Walk(kit.tab(kit.context(world.users["case_manager"])).page)
    page = walk.page

    # The contact list offers to open a case; the consent is recorded with it.
    walk.goto(kit.url(reverse("outreach:contact_list")), "contact list")
    walk.follow(
        page.locator(f"a[href='{reverse('cases:case_from_contact', args=[contact.public_id])}']"),
        "open a case from the contact",
    )
    page.locator("#id_family_name").fill("Fittizio")
    tick(page, "#id_agreed")
    page.locator("#id_consent_method").select_option("oral_interpreter")
    page.locator("#id_consent_witness").fill("Mediatrice fittizia")
    page.locator("#id_consent_language").select_option("ar")
    walk.submit("main form[method=post]", "case overview, just opened")
    case = Case.objects.get(person__given_name__startswith="Samir")
    case_url = reverse("cases:case_detail", args=[case.public_id])
    assert page.url.endswith(case_url)

    _move(walk, kit.base_url, case_url, "analisi")

    # First listening: only the date is required; the narrative in the person's words.
    walk.goto(kit.url(reverse("cases:listening_create", args=[case.public_id])), "listening form")
    page.locator("#id_narrative").fill("Racconto fittizio: lavoro in un cantiere, paga a voce.")
    page.locator("#id_language").select_option("ar")
    tick(page, "input[name=immediate_needs]")
    walk.submit("main form[method=post]", "listening list")

    # The exploitation assessment: Delphi dimensions 1, 4 and 5 screen positive.
    walk.goto(kit.url(reverse("cases:assessment_create", args=[case.public_id])), "assessment form")
    delphi = page.locator("details.framework", has=page.locator("[name^=delphi__]"))
    delphi.locator("summary").click()  # folded until something in it is ticked
    for code in POSITIVE_DELPHI:
        tick(page, f"[name=delphi__{code}__observed]")
        page.locator(f"[name=delphi__{code}__source]").select_option("account")
    page.locator("#id_assessed_on").fill(today.isoformat())
    walk.submit("main form[method=post]", "assessment detail")
    assessment = case.assessments.get()
    assert assessment.screening_positive
    main = page.locator("main")
    expect(main).to_contain_text("800 290 290")
    expect(page.locator("a[href='tel:800290290']").first).to_be_visible()

    # The decision is the operator's, with a justification.
    walk.goto(
        kit.url(reverse("cases:assessment_decide", args=[case.public_id, assessment.public_id])),
        "decision form",
    )
    page.locator("#id_status").select_option("possible_victim")
    page.locator("#id_decided_by").select_option("case_worker")
    page.locator("#id_justification").fill(
        "Indicatori forti in tre dimensioni; sentito il numero verde."
    )
    walk.submit("main form[method=post]", "assessment detail, decided")
    assessment.refresh_from_db()
    assert assessment.status == "possible_victim"

    # Safety.
    walk.goto(kit.url(reverse("cases:safety_create", args=[case.public_id])), "safety form")
    tick(page, "#id_debt")
    tick(page, "#id_fear_of_retaliation")
    page.locator("#id_risk").select_option("medium")
    walk.submit("main form[method=post]", "safety list")

    # Skills profile, with one experience and one language.
    walk.goto(kit.url(reverse("cases:skills_edit", args=[case.public_id])), "skills form")
    page.locator("#id_competences").fill("So montare ponteggi e leggere un disegno tecnico.")
    page.locator("#id_wish").select_option("change")
    page.locator("#id_exp-0-what").fill("Muratore")
    page.locator("#id_exp-0-months").fill("30")
    page.locator("#id_lang-0-language").select_option("ar")
    page.locator("#id_lang-0-level").select_option(index=1)
    walk.submit("main form[method=post]", "skills profile")

    _move(walk, kit.base_url, case_url, "patto")

    # The plan, written with the person: its parts, a catalog service, a goal and an action.
    walk.goto(kit.url(reverse("cases:plan_edit", args=[case.public_id])), "plan form")
    page.locator("#id_plan-why_here").fill("Voglio un lavoro in regola.")
    page.locator("#id_plan-fears").fill("Perdere il posto letto.")
    page.locator("#id_plan-work_goal").fill("Lavorare nell'edilizia con un contratto.")
    page.locator("#id_plan-end_goal").fill("Un contratto e una casa.")
    page.locator("#id_services-0-service").select_option(index=1)
    page.locator("#id_goals-0-text").fill("Trovare un corso di sicurezza nei cantieri.")
    page.locator("#id_actions-0-text").fill("Iscriversi al corso.")
    page.locator("#id_actions-0-due_on").fill((today + dt.timedelta(days=30)).isoformat())
    walk.submit("main form[method=post]", "plan, draft")
    plan = case.plans.get()
    assert plan.services.filter(service__isnull=False).exists()
    assert plan.goals.get().actions.count() == 1

    agree = f"form[action$='{reverse('cases:plan_agree', args=[case.public_id])}']"
    page.locator(f"{agree} [name=agreed_on]").fill(today.isoformat())
    page.locator(f"{agree} [name=language]").select_option("ar")
    walk.submit(agree, "plan, agreed")
    plan.refresh_from_db()
    assert plan.agreed_on == today

    # The person's copy, in Arabic, right to left.
    print_url = reverse("cases:plan_print", args=[case.public_id, plan.revision])
    walk.goto(kit.url(print_url + "?lang=ar"), "printed plan (ar)")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")

    # Referral-ready: the plan agreed and the assessment decided.
    _move(walk, kit.base_url, case_url, "attuazione")

    walk.goto(kit.url(reverse("cases:activity_create", args=[case.public_id])), "activity form")
    page.locator("#id_kind").select_option("guidance")
    page.locator("#id_minutes").fill("45")
    walk.submit("main form[method=post]", "activity list")

    # Follow-ups: scheduled at the case's cadence, one recorded with the person's answers.
    walk.goto(kit.url(reverse("cases:follow_up_list", args=[case.public_id])), "follow-up list")
    schedule = f"form[action$='{reverse('cases:follow_up_schedule', args=[case.public_id])}']"
    page.locator(f"{schedule} [name=count]").fill("2")
    walk.submit(schedule, "follow-ups scheduled")
    follow_up = case.follow_ups.order_by("due_on").first()
    assert case.follow_ups.count() == 2
    walk.goto(
        kit.url(reverse("cases:follow_up_record", args=[case.public_id, follow_up.public_id])),
        "follow-up form",
    )
    tick(page, "input[name=status][value=done]")
    page.locator("#id_channel").select_option("in_person")
    for name in ("trust", "wellbeing_general", "wellbeing_work", "wellbeing_housing"):
        tick(page, f"input[name={name}][value='4']")
    tick(page, "input[name=wellbeing_safety][value='5']")
    walk.submit("main form[method=post]", "follow-up recorded")
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.trust) == ("done", 4)

    # The outcome: a job.
    walk.goto(kit.url(reverse("cases:outcome_create", args=[case.public_id])), "outcome form")
    page.locator("#id_kind").select_option("job")
    page.locator("#id_contract_type").select_option(index=1)
    page.locator("#id_sector").select_option(index=1)
    page.locator("#id_employer").fill("Impresa edile fittizia")
    page.locator("#id_starts_on").fill(today.isoformat())
    walk.submit("main form[method=post]", "outcome list")

    # Closing: goals reached, positive outcome.
    walk.goto(kit.url(reverse("cases:case_close", args=[case.public_id])), "close form")
    page.locator("#id_reason").select_option("goals_reached")
    page.locator("#id_outcome").select_option("positive")
    walk.submit("main form[method=post]", "case overview, closed")
    case.refresh_from_db()
    assert (case.phase, case.closure_reason, case.closure_outcome) == (
        "chiuso",
        "goals_reached",
        "positive",
    )

    # The timeline shows every step.
    timeline = page.locator("ol.timeline")
    kinds = {
        EventKind.OPENED,
        EventKind.PHASE,
        EventKind.LISTENING,
        EventKind.ASSESSMENT,
        EventKind.DECISION,
        EventKind.SAFETY,
        EventKind.SKILLS,
        EventKind.PLAN,
        EventKind.ACTIVITY,
        EventKind.FOLLOW_UP,
        EventKind.OUTCOME,
        EventKind.CLOSED,
    }
    from django.utils import translation

    with translation.override("it"):
        for kind in kinds:
            expect(timeline).to_contain_text(str(kind.label))
        for phase in ("Joint assessment", "Plan agreed", "Implementation"):
            expect(timeline).to_contain_text(translation.gettext(phase))
    assert set(case.events.values_list("kind", flat=True)) >= {k.value for k in kinds}
    assert not walk.findings, "\n".join(walk.findings)


@pytest.mark.browser
def test_a_partner_sees_the_person_only_under_a_sharing_consent(kit: Any, network: Any) -> None:
    from ponte.cases.factories import CaseFactory
    from ponte.people.models import Consent

    world = network
    case = CaseFactory(
        access_point=world.own_access_point,
        case_manager=world.users["case_manager"],
        person__household="Vive con il fratello (fittizio)",
        person__safe_contact="Dopo le 19, solo messaggi",
    )
    person = case.person
    person_path = reverse("people:person_detail", args=[person.public_id])
    partner = kit.tab(kit.context(world.users["partner_operator@partner"])).page
    manager = Walk(kit.tab(kit.context(world.users["case_manager"])).page)
    page = manager.page

    def partner_status() -> int:
        response = partner.goto(kit.url(person_path))
        assert response is not None
        return response.status

    assert partner_status() == 404

    # The case manager records the person's consent to share with the partner.
    manager.goto(kit.url(person_path), "person page")
    manager.follow(
        page.locator(
            f"main a[href^='{reverse('people:consent_create', args=[person.public_id])}']"
        ).first,
        "consent form",
    )
    page.locator("#id_purpose").select_option("sharing")
    page.locator("#id_recipient").select_option(label=world.partner.name)
    page.locator("#id_method").select_option("written")
    tick(page, "#id_agreed")
    manager.submit("main form[method=post]", "person page, consent recorded")
    consent = Consent.objects.active().get(person=person, purpose="sharing")

    assert partner_status() == 200
    expect(partner.locator("h1")).to_contain_text(person.display_name)
    # The reduced page: nothing of the person's story or documents.
    shared = partner.locator("main").inner_text()
    assert "Dopo le 19, solo messaggi" in shared
    assert "Vive con il fratello" not in shared
    expect(
        partner.locator(f"a[href*='{reverse('people:person_edit', args=[person.public_id])}']")
    ).to_have_count(0)

    # Withdrawn: at once, for everyone it concerned.
    withdraw = reverse("people:consent_withdraw", args=[person.public_id, consent.public_id])
    manager.follow(page.locator(f"main a[href='{withdraw}']"), "withdraw form")
    manager.submit("main form[method=post]", "person page, consent withdrawn")
    assert partner_status() == 404
    assert not manager.findings, "\n".join(manager.findings)
