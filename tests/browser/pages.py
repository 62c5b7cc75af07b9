"""Every page of the app, with who opens it: the list the axe and CSP tests walk."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, Response

from ponte.accounts.models import EncryptedTOTPDevice
from ponte.network.factories import MembershipFactory, UserFactory
from ponte.network.roles import Role


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    persona: str | None = None  # a key of world.users; None for anonymous
    verified: bool = True  # past the second factor
    status: int = 200
    # Something to do after the page loaded (submit a form...); returns the new response.
    then: Callable[[Page], Response | None] | None = None


def _submit_empty_form(page: Page) -> Response | None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()
    return None


def _new_backup_codes(page: Page) -> Response | None:
    with page.expect_navigation():
        page.locator("main form[action$='/2fa/backup-codes/'] button").click()
    return None


HOME_PERSONAS = [
    "coordinator",
    "org_admin",
    "analyst",
    "outreach_worker",
    "case_manager",
    "specialist",
    "partner_operator@partner",
    "no_membership",
    "platform_admin",
]


def prepare(world: Any) -> None:
    """Users the catalogue needs beyond the root conftest's personas."""
    # Signed in with the password, has an authenticator: lands on the verify page.
    with_totp = world.users["specialist"]
    EncryptedTOTPDevice.objects.create(
        user=with_totp, name="app", key="3132333435363738393031323334353637383930", confirmed=True
    )
    world.users["needs_verify"] = with_totp
    # A new operator without any device: lands on the 2FA setup page.
    newcomer = MembershipFactory(
        organization=world.own, role=Role.CASE_MANAGER, user=UserFactory(email="new@own.test")
    ).user
    world.users["newcomer"] = newcomer


def catalogue(world: Any) -> list[PageSpec]:
    own, ap, agr = world.own, world.own_access_point, world.own_agreement
    network = "network:"
    specs = [
        PageSpec("login", reverse("accounts:login")),
        PageSpec("password reset", reverse("accounts:password_reset")),
        PageSpec("password reset sent", reverse("accounts:password_reset_done")),
        PageSpec(
            "password reset, expired link",
            reverse("accounts:password_reset_confirm", args=["MQ", "expired-token"]),
        ),
        PageSpec("verify (2FA)", reverse("accounts:verify"), "needs_verify", verified=False),
        PageSpec("2FA setup", reverse("accounts:setup"), "newcomer", verified=False),
    ]
    specs += [PageSpec(f"home: {p}", reverse("home"), p) for p in HOME_PERSONAS]
    c = "coordinator"
    specs += [
        PageSpec("network overview", reverse(network + "overview"), c),
        PageSpec(
            "network overview: province",
            reverse(network + "overview_territory", args=[world.province.pk]),
            c,
        ),
        PageSpec("organisation list", reverse(network + "organization_list"), c),
        PageSpec(
            "organisation detail",
            reverse(network + "organization_detail", args=[own.public_id]),
            c,
        ),
        PageSpec("organisation create", reverse(network + "organization_create"), c),
        PageSpec(
            "organisation create, with errors",
            reverse(network + "organization_create"),
            c,
            then=_submit_empty_form,
        ),
        PageSpec(
            "organisation edit",
            reverse(network + "organization_edit", args=[own.public_id]),
            c,
        ),
        PageSpec("access point list", reverse(network + "access_point_list"), c),
        PageSpec(
            "access point detail",
            reverse(network + "access_point_detail", args=[ap.public_id]),
            "org_admin",
        ),
        PageSpec("access point create", reverse(network + "access_point_create"), c),
        PageSpec(
            "access point edit",
            reverse(network + "access_point_edit", args=[ap.public_id]),
            c,
        ),
        PageSpec("site create", reverse(network + "site_create", args=[ap.public_id]), c),
        PageSpec("team add", reverse(network + "team_add", args=[ap.public_id]), "org_admin"),
        PageSpec("agreement list", reverse(network + "agreement_list"), c),
        PageSpec(
            "agreement detail",
            reverse(network + "agreement_detail", args=[agr.public_id]),
            c,
        ),
        PageSpec("agreement create", reverse(network + "agreement_create"), c),
        PageSpec(
            "agreement create, with errors",
            reverse(network + "agreement_create"),
            c,
            then=_submit_empty_form,
        ),
        PageSpec(
            "agreement edit",
            reverse(network + "agreement_edit", args=[agr.public_id]),
            c,
        ),
        PageSpec(
            "member list", reverse(network + "member_list", args=[own.public_id]), "org_admin"
        ),
        PageSpec(
            "API token list", reverse(network + "token_list", args=[own.public_id]), "org_admin"
        ),
        PageSpec("audit trail", reverse(network + "audit_list"), c),
        PageSpec("profile", reverse("accounts:profile"), c),
        PageSpec("password change", reverse("accounts:password_change"), c),
        PageSpec("backup codes", reverse("accounts:profile"), "org_admin", then=_new_backup_codes),
        PageSpec(
            "404 page",
            reverse(network + "organization_detail", args=[uuid.uuid4()]),
            c,
            status=404,
        ),
        PageSpec("403 page", reverse(network + "organization_create"), "analyst", status=403),
    ]
    specs += _catalog_pages(world)
    specs += _people_and_case_pages(world)
    specs += _referral_pages(world)
    specs += _monitoring_pages(world)
    return specs


def _catalog_pages(world: Any) -> list[PageSpec]:
    from ponte.catalog.factories import CapacityFactory, OpportunityFactory, ServiceFactory
    from ponte.catalog.taxonomy import Area

    service = ServiceFactory(
        organization=world.own,
        name="Sportello legale fittizio",
        areas=[Area.LEGAL, Area.MEDIATION],
        langs=["ar", "pa"],
        places=[world.province],
        open_without_permit=True,
        description="Consulenza su permessi di soggiorno e contratti (dati fittizi).",
    )
    CapacityFactory(service=service, available=2)
    OpportunityFactory(
        organization=world.own,
        service=service,
        title="Tirocinio fittizio",
        seats_total=3,
        seats_available=1,
    )
    cm = "case_manager"
    return [
        PageSpec("service search", reverse("catalog:service_list") + "?q=legale", cm),
        PageSpec("service detail", reverse("catalog:service_detail", args=[service.public_id]), cm),
        PageSpec("service create", reverse("catalog:service_create"), cm),
        PageSpec(
            "service create, with errors",
            reverse("catalog:service_create"),
            cm,
            then=_submit_empty_form,
        ),
        PageSpec("service edit", reverse("catalog:service_edit", args=[service.public_id]), cm),
        PageSpec("opportunity list", reverse("catalog:opportunity_list"), cm),
        PageSpec("opportunity create", reverse("catalog:opportunity_create"), cm),
        PageSpec("gap analysis", reverse("catalog:gap_analysis"), "analyst"),
    ]


def case_world(world: Any) -> Any:
    """A case in implementation with something in every section, built through the services
    (as the demo does), plus a person without a case and an outreach contact. Stored on
    `world.case_world`, so the screenshots reuse it."""
    if getattr(world, "case_world", None) is not None:
        return world.case_world
    from types import SimpleNamespace

    from ponte.cases.demo import POSITIVE_SCREENING
    from ponte.cases.demo.builder import DemoBuilder
    from ponte.cases.models import Phase
    from ponte.cases.services import plan as planning
    from ponte.catalog.factories import ServiceFactory
    from ponte.catalog.taxonomy import Area
    from ponte.outreach.factories import ContactFactory, OutingFactory
    from ponte.people.factories import PersonFactory

    actor = world.users["case_manager"]
    b = DemoBuilder(world.own_access_point, actor)
    person = {
        "given_name": "Gurpreet (fittizio)",
        "family_name": "Singh",
        "gender": "male",
        "birth_year": 1990,
        "citizenship": "IN",
        "languages": "pa,hi",
        "needs_interpreter": True,
        "safe_contact": "Dopo le 19, solo messaggi (fittizio)",
    }
    b.intake(120, person, source="outreach")
    b.listening(118, ["legal", "labour_disputes"], ["labour_rights", "helpline"], "pa")
    b.move(110, Phase.ANALYSIS)
    b.assess(100, POSITIVE_SCREENING)  # not decided yet: the decision form is walked too
    b.safety(99, "medium", fear_of_retaliation=True, debt=True, documents_held_by="employer")
    b.skills(98, "2", [{"what": "Bracciante (fittizio)", "sector": "agriculture", "months": 36}])
    b.move(90, Phase.PLAN)
    service = ServiceFactory(
        organization=world.own,
        name="Orientamento al lavoro fittizio",
        areas=[Area.WORK_GUIDANCE],
        langs=["pa", "it"],
        places=[world.province],
        open_without_permit=True,
    )
    goals = [
        planning.GoalInput(
            text="Un contratto regolare in agricoltura",
            actions=[
                planning.ActionInput(
                    text="Colloquio al centro per l'impiego",
                    owner="case_manager",
                    due_on=b.ago(-20),
                ),
                planning.ActionInput(text="Corso di sicurezza", owner="person", due_on=b.ago(5)),
            ],
        ),
        planning.GoalInput(text="Imparare l'italiano (A2)"),
    ]
    texts = {
        "why_here": "Voglio un lavoro in regola e non avere più debiti.",
        "fears": "Perdere il posto letto; che il datore di lavoro lo venga a sapere.",
        "work_goal": "Lavorare in agricoltura con un contratto.",
        "end_goal": "Un contratto, una casa, i documenti in ordine.",
    }
    services = [
        planning.ServiceInput(
            service=service, where_how="Via dei Test 1", when="Martedì mattina", contact="Giulia"
        )
    ]
    b.on(90, lambda: planning.save_plan_draft(
        b.current, actor=actor, texts=texts, services=services, goals=goals, expected_version=None
    ))  # fmt: skip
    b.on(
        90, lambda: planning.agree_plan(b.current, actor=actor, agreed_on=b.ago(90), language="pa")
    )
    b.move(85, Phase.IMPLEMENTATION)
    b.activity(80, "guidance", 60)
    b.activity(70, "legal", 90)
    b.budget(75, {"housing": (1200, 800), "health": (300, 120), "work": (500, 0)})
    b.follow_ups(60, [("done", 3), ("missed", None), ("planned", None)])
    b.outcome(
        20, "job", {"contract_type": "fixed_term", "sector": "agriculture", "starts_on": b.ago(20)}
    )
    b.note(10, "Colloquio andato bene (fittizio).")
    b.share_with(10, world.partner)
    case = b.current
    # A second person whose plan is still a draft: its edit form is open.
    b.intake(30, {"given_name": "Amina (fittizia)", "citizenship": "MA", "languages": "ar,fr"})
    b.path((25, Phase.ANALYSIS), (10, Phase.PLAN))
    b.on(5, lambda: planning.save_plan_draft(
        b.current, actor=actor, texts=texts, services=services, goals=goals, expected_version=None
    ))  # fmt: skip
    draft = b.current
    outing = OutingFactory(access_point=world.own_access_point)
    contact = ContactFactory(outing=outing, alias="Samir (fittizio)", nationality="MA")
    world.case_world = SimpleNamespace(
        case=case,
        draft=draft,
        person=case.person,
        plan=case.plans.order_by("-revision").first(),
        assessment=case.assessments.get(),
        listening=case.listenings.get(),
        follow_up=case.follow_ups.filter(status="planned").first(),
        support=case.support_measures.first(),
        consent=case.person.consents.filter(purpose="sharing").get(),
        newcomer=PersonFactory(organization=world.own, given_name="Ionela (fittizia)"),
        contact=contact,
        service=service,
    )
    return world.case_world


def _people_and_case_pages(world: Any) -> list[PageSpec]:
    w = case_world(world)
    cid, pid = w.case.public_id, w.person.public_id
    cm, co = "case_manager", "coordinator"

    def case(name: str, *more: Any) -> str:
        return reverse(f"cases:{name}", args=[cid, *more])

    return [
        PageSpec("people list", reverse("people:person_list"), cm),
        PageSpec("people search", reverse("people:person_list") + "?q=singh", cm),
        PageSpec("person detail", reverse("people:person_detail", args=[pid]), cm),
        PageSpec(
            "person, shared with a partner",
            reverse("people:person_detail", args=[pid]),
            "partner_operator@partner",
        ),
        PageSpec("person edit", reverse("people:person_edit", args=[pid]), cm),
        PageSpec("person create", reverse("people:person_create"), cm),
        PageSpec(
            "person create, with errors",
            reverse("people:person_create"),
            cm,
            then=_submit_empty_form,
        ),
        PageSpec("consent create", reverse("people:consent_create", args=[pid]), cm),
        PageSpec(
            "consent withdraw",
            reverse("people:consent_withdraw", args=[pid, w.consent.public_id]),
            cm,
        ),
        PageSpec("consent print", reverse("people:consent_print", args=[pid]), cm),
        PageSpec("consent text", reverse("people:consent_text"), cm),
        PageSpec("case list", reverse("cases:case_list"), cm),
        PageSpec("my work", reverse("cases:my_work"), cm),
        PageSpec("case open", reverse("cases:case_open") + f"?person={w.newcomer.public_id}", cm),
        PageSpec(
            "case from contact", reverse("cases:case_from_contact", args=[w.contact.public_id]), cm
        ),
        PageSpec("case overview", case("case_detail"), cm),
        PageSpec("case edit", case("case_edit"), cm),
        PageSpec("case close", case("case_close"), cm),
        PageSpec("listening list", case("listening_list"), cm),
        PageSpec("listening new", case("listening_create"), cm),
        PageSpec("listening edit", case("listening_edit", w.listening.public_id), cm),
        PageSpec("assessment list", case("assessment_list"), cm),
        PageSpec("assessment new", case("assessment_create"), cm),
        PageSpec("assessment new, from the last", case("assessment_create") + "?from=last", cm),
        PageSpec("assessment detail", case("assessment_detail", w.assessment.public_id), cm),
        PageSpec("assessment decision", case("assessment_decide", w.assessment.public_id), cm),
        PageSpec("assessment notes", case("assessment_notes", w.assessment.public_id), cm),
        PageSpec("safety list", case("safety_list"), cm),
        PageSpec("safety new", case("safety_create"), cm),
        PageSpec("skills", case("skills"), cm),
        PageSpec("skills edit", case("skills_edit"), cm),
        PageSpec("plan", case("plan"), cm),
        PageSpec("plan edit", reverse("cases:plan_edit", args=[w.draft.public_id]), cm),
        PageSpec("plan revision", case("plan_revision", w.plan.revision), cm),
        PageSpec("plan print", case("plan_print", w.plan.revision) + "?lang=it", cm),
        PageSpec("plan print (pa)", case("plan_print", w.plan.revision) + "?lang=pa", cm),
        PageSpec("matching", case("matching"), cm),
        PageSpec("activity list", case("activity_list"), cm),
        PageSpec("activity new", case("activity_create"), cm),
        PageSpec("support list", case("support_list"), cm),
        PageSpec("support new", case("support_create"), cm),
        PageSpec("autonomy new", case("autonomy_create"), cm),
        PageSpec("support update", case("support_update", w.support.public_id), cm),
        PageSpec("follow-up list", case("follow_up_list"), cm),
        PageSpec("follow-up record", case("follow_up_record", w.follow_up.public_id), cm),
        PageSpec("outcome list", case("outcome_list"), cm),
        PageSpec("outcome new", case("outcome_create"), cm),
        PageSpec("outcome new, with errors", case("outcome_create"), cm, then=_submit_empty_form),
        PageSpec("note list", case("note_list"), cm),
        PageSpec("person export form", reverse("cases:person_export", args=[pid]), co),
        PageSpec(
            "person export",
            reverse("cases:person_export", args=[pid]) + "?format=html&purpose=access",
            co,
        ),
        PageSpec("person erase", reverse("cases:person_erase", args=[pid]), co),
        PageSpec("HTCDS export form", reverse("cases:htcds_export"), "analyst"),
        PageSpec(
            "case 404 for a partner", case("case_detail"), "partner_operator@partner", status=404
        ),
    ]


def referral_world(world: Any) -> Any:
    """Referrals around the case of `case_world`: one sent to the partner (with a message and
    a notification on each side), one to an organisation outside Ponte (printable), and a
    signal from the partner waiting for the PUA's triage. Stored on `world.referral_world`."""
    if getattr(world, "referral_world", None) is not None:
        return world.referral_world
    from types import SimpleNamespace

    from ponte.catalog.factories import ServiceFactory
    from ponte.catalog.taxonomy import Area
    from ponte.network.factories import OrganizationFactory
    from ponte.referrals.factories import InboundSignalFactory, ReferralFactory
    from ponte.referrals.models import Notification, ReferralMessage, Urgency

    w = case_world(world)
    service = ServiceFactory(
        organization=world.partner,
        name="Sportello lavoro del partner (fittizio)",
        areas=[Area.WORK_GUIDANCE],
        langs=["pa", "it"],
        places=[world.province],
    )
    sent: Any = ReferralFactory(
        case=w.case,
        receiver=world.partner,
        service=service,
        sent=True,
        shared_sections="profile,assessment,skills,plan,notes",
        urgency=Urgency.SOON,
        answer_due_on=timezone.localdate() + datetime.timedelta(days=2),
        created_by=world.users["case_manager"],
    )
    ReferralMessage.objects.create(
        referral=sent,
        author=world.users["partner_operator@partner"],
        organization=world.partner,
        body="Possiamo vederlo giovedì alle 10 (fittizio).",
    )
    outside = ReferralFactory(
        case=w.case,
        receiver=OrganizationFactory(name="Associazione fuori Ponte (fittizia)"),
        receiver_outside_ponte=True,
        sent=True,
        need=Area.HOUSING_TEMPORARY,
        shared_sections="profile",
    )
    signal: Any = InboundSignalFactory(
        access_point=world.own_access_point,
        sender=world.partner,
        person_alias="Kwame (fittizio)",
        person_contact="Solo messaggi dopo le 18 (fittizio)",
        first_evaluation="Paga a giornata, senza contratto (fittizio).",
        language="en",
    )
    for user, referral, kind in (
        (world.users["partner_operator@partner"], sent, Notification.Kind.NEW_REFERRAL),
        (world.users["case_manager"], signal, Notification.Kind.NEW_REFERRAL),
        (world.users["case_manager"], sent, Notification.Kind.MESSAGE),
    ):
        Notification.objects.create(user=user, kind=kind, referral=referral)
    world.referral_world = SimpleNamespace(
        case=w.case, sent=sent, outside=outside, signal=signal, service=service
    )
    return world.referral_world


def _referral_pages(world: Any) -> list[PageSpec]:
    r = referral_world(world)
    cm, po = "case_manager", "partner_operator@partner"
    from_case = f"?case={r.case.public_id}"

    def one(name: str, referral: Any) -> str:
        return reverse(f"referrals:{name}", args=[referral.public_id])

    return [
        PageSpec("referral inbox: received", reverse("referrals:inbox"), po),
        PageSpec("referral inbox: received at the PUA", reverse("referrals:inbox"), cm),
        PageSpec("referral inbox: sent", reverse("referrals:inbox") + "?box=sent", cm),
        PageSpec(
            "referral inbox: filtered",
            reverse("referrals:inbox") + "?box=sent&status=open&need=work_guidance",
            cm,
        ),
        PageSpec("referral detail: as sender", one("detail", r.sent), cm),
        PageSpec("referral detail: as receiver", one("detail", r.sent), po),
        PageSpec("referral detail: outside Ponte", one("detail", r.outside), cm),
        PageSpec("referral detail: signal, as the PUA", one("detail", r.signal), cm),
        PageSpec("referral detail: signal, as its sender", one("detail", r.signal), po),
        PageSpec("referral print", one("print", r.outside), cm),
        PageSpec("referral triage", one("triage", r.signal), cm),
        PageSpec("referral create", reverse("referrals:create") + from_case, cm),
        PageSpec(
            "referral create, to a service",
            reverse("referrals:create") + from_case + f"&service={r.service.public_id}",
            cm,
        ),
        PageSpec(
            "referral create, with errors",
            reverse("referrals:create") + from_case,
            cm,
            then=_submit_empty_form,
        ),
        PageSpec(
            "referral anti-trafficking", reverse("referrals:anti_trafficking") + from_case, cm
        ),
        PageSpec("signal form", reverse("referrals:signal_create"), po),
        PageSpec(
            "signal form, with errors",
            reverse("referrals:signal_create"),
            po,
            then=_submit_empty_form,
        ),
        PageSpec("referral notifications", reverse("referrals:notifications"), cm),
        PageSpec("referral figures", reverse("referrals:figures"), "coordinator"),
        PageSpec("referral notifications: partner", reverse("referrals:notifications"), po),
        PageSpec(
            "case referrals", reverse("referrals:case_referrals", args=[r.case.public_id]), cm
        ),
        PageSpec(
            "referral 404 for another organisation",
            one("detail", r.sent),
            "coordinator@foreign",
            status=404,
        ),
    ]


def monitoring_data(world: Any) -> Any:
    """The monitoring's hand-made dataset (January–June 2026: two PUAs, cases, referrals,
    follow-ups, outcomes), so the dashboards draw charts and the network graph. Stored on
    `world.monitoring_data`."""
    if getattr(world, "monitoring_data", None) is None:
        from ponte.monitoring.tests.dataset import build

        world.monitoring_data = build(world)
    return world.monitoring_data


def _submit_without_browser_checks(page: Page) -> Response | None:
    """Submit the empty form past the browser's own checks of required fields: the page's
    error messages are what is checked."""
    page.evaluate("document.querySelector('main form[method=post]').noValidate = true")
    return _submit_empty_form(page)


def _monitoring_pages(world: Any) -> list[PageSpec]:
    from ponte.monitoring.indicators import SECTIONS

    monitoring_data(world)
    co, an = "coordinator", "analyst"
    # The dataset's half year, named: the default period (the current year) drifts away from it.
    period = "?since=2026-01-01&until=2026-06-30"
    report = reverse("monitoring:report")
    return [
        *(
            PageSpec(
                f"monitoring: {section.key}",
                reverse("monitoring:section", args=[section.key])
                + period
                + "&breakdown=access_point",
                co,
            )
            for section in SECTIONS
        ),
        PageSpec(
            "monitoring: analyst, by gender (small counts)",
            reverse("monitoring:dashboard") + period + "&breakdown=gender",
            an,
        ),
        PageSpec(
            "monitoring, with errors",
            reverse("monitoring:dashboard") + "?since=2026-06-30&until=2026-01-01",
            co,
        ),
        PageSpec("monitoring report form", report, co),
        PageSpec("monitoring report form, with errors", report + "?year=1990", co),
        PageSpec("monitoring report", report + "?year=2026&quarter=1&breakdown=access_point", co),
        PageSpec("monitoring microdata form", reverse("monitoring:microdata"), an),
        PageSpec(
            "monitoring microdata form, with errors",
            reverse("monitoring:microdata"),
            an,
            then=_submit_without_browser_checks,
        ),
    ]


@dataclass
class Visit:
    spec: PageSpec
    tab: Any  # conftest.Tab
    response: Response | None

    @property
    def problems(self) -> list[str]:
        """What is wrong before any accessibility check: the status code."""
        if self.response is None:
            return [f"{self.spec.name}: no response"]
        redirected = self.response.request.redirected_from
        if redirected is not None:
            return [f"{self.spec.name}: redirected from {redirected.url} to {self.response.url}"]
        if self.response.status != self.spec.status:
            return [f"{self.spec.name}: HTTP {self.response.status}, expected {self.spec.status}"]
        return []


def walk(kit: Any, world: Any, viewport: dict[str, int], locale: str = "it-IT") -> Any:
    """Open every page of the catalogue in turn, one tab per persona; yields a Visit."""
    tabs: dict[tuple[str | None, bool], Any] = {}
    for spec in catalogue(world):
        key = (spec.persona, spec.verified)
        if key not in tabs:
            user = world.users[spec.persona] if spec.persona else None
            context = kit.context(user, viewport=viewport, locale=locale, verified=spec.verified)
            tabs[key] = kit.tab(context)
        tab = tabs[key]
        tab.console.clear()
        tab.errors.clear()
        response = tab.page.goto(kit.url(spec.path))
        if spec.then is not None:
            spec.then(tab.page)
        yield Visit(spec, tab, response)
