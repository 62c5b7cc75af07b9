"""The authorization matrix: every page route × every persona × own / partner / foreign object.

Expected statuses come from the rules stated here in plain terms, not from the code under
test: outsiders get 404 on objects they may not see, members without the capability 403,
the right role 2xx/3xx, anonymous visitors the login redirect. A route missing from the
matrix fails `test_matrix_covers_every_route`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, verified_client
from ponte.network.factories import MembershipFactory, SignatoryFactory, TeamMemberFactory
from ponte.network.models import ApiToken
from ponte.network.roles import Cap, Role, capabilities_of
from tests.architecture.test_routes_declare_access import walk

# persona key -> (organisation key in World, role); None for the special personas
PERSONAS: dict[str, tuple[str, Role] | None] = {
    **{role.value: ("own", role) for role in Role},
    "partner_operator@partner": ("partner", Role.PARTNER_OPERATOR),
    "coordinator@foreign": ("foreign", Role.COORDINATOR),
    "org_admin@foreign": ("foreign", Role.ORG_ADMIN),
    "no_membership": None,
    "platform_admin": None,
    "anonymous": None,
}


def caps(persona: str, org_key: str) -> set[Cap]:
    spec = PERSONAS[persona]
    if persona == "platform_admin":
        return set(Cap)
    if spec is None or spec[0] != org_key:
        return set()
    return set(capabilities_of(spec[1]))


def in_network(persona: str) -> bool:
    return persona == "platform_admin" or PERSONAS[persona] is not None


def member_of(persona: str, org_keys: set[str]) -> bool:
    spec = PERSONAS[persona]
    return persona == "platform_admin" or (spec is not None and spec[0] in org_keys)


AGREEMENT_ORGS = {"own": {"own", "partner"}, "foreign": {"foreign"}}  # promoter + signatories
AGREEMENT_PROMOTER = {"own": "own", "foreign": "foreign"}


@dataclass
class Route:
    name: str
    targets: tuple[str, ...]
    url: Callable[[World, str], str]
    expect: Callable[[str, str], int]
    method: str = "get"
    data: Callable[[World, str], dict[str, Any]] = field(default=lambda w, t: {})


def directory(persona: str, target: str) -> int:
    return 200 if in_network(persona) else 404


def directory_list(persona: str, target: str) -> int:
    return 200


def with_cap(cap: Cap, ok: int = 200) -> Callable[[str, str], int]:
    def expect(persona: str, target: str) -> int:
        if not in_network(persona):
            return 404 if target != "-" else 403
        return ok if cap in caps(persona, target) else 403

    return expect


def cap_anywhere(cap: Cap) -> Callable[[str, str], int]:
    def expect(persona: str, target: str) -> int:
        org = (PERSONAS[persona] or ("-",))[0]
        return 200 if cap in caps(persona, org) or persona == "platform_admin" else 403

    return expect


def network_member(persona: str, target: str) -> int:
    return 200 if in_network(persona) else 403


def catalog_editor_anywhere(persona: str, target: str) -> int:
    org = (PERSONAS[persona] or ("-",))[0]
    mine = caps(persona, org)
    return 200 if Cap.MANAGE_CATALOG in mine or Cap.MANAGE_NETWORK in mine else 403


def catalog_edit(ok: int) -> Callable[[str, str], int]:
    def expect(persona: str, target: str) -> int:
        if not in_network(persona):
            return 404
        mine = caps(persona, target)
        return ok if Cap.MANAGE_CATALOG in mine or Cap.MANAGE_NETWORK in mine else 403

    return expect


def _service_of(w: World, t: str) -> Any:
    from ponte.catalog.factories import ServiceFactory

    return ServiceFactory(organization=org(w, t))


def _opportunity_of(w: World, t: str) -> Any:
    from ponte.catalog.factories import OpportunityFactory

    return OpportunityFactory(organization=org(w, t))


def personal_data(persona: str, target: str) -> int:
    """Outreach records: seen where the user may see personal data; invisible (404) elsewhere."""
    return 200 if Cap.VIEW_PERSONAL_DATA in caps(persona, target) else 404


def outreach_edit(persona: str, target: str) -> int:
    if Cap.VIEW_PERSONAL_DATA not in caps(persona, target):
        return 404
    return 200 if Cap.RECORD_OUTREACH in caps(persona, target) else 403


def outreach_dashboard(persona: str, target: str) -> int:
    org = (PERSONAS[persona] or ("-",))[0]
    mine = caps(persona, org)
    return 200 if mine & {Cap.VIEW_PERSONAL_DATA, Cap.VIEW_AGGREGATES} else 403


def _outing_of(w: World, t: str) -> Any:
    from ponte.outreach.factories import OutingFactory

    return OutingFactory(access_point=ap(w, t))


def _place_of(w: World, t: str) -> Any:
    from ponte.outreach.factories import PlaceFactory

    return PlaceFactory(organization=org(w, t))


def agreement_view(persona: str, target: str) -> int:
    return 200 if member_of(persona, AGREEMENT_ORGS[target]) else 404


def agreement_manage(ok: int) -> Callable[[str, str], int]:
    def expect(persona: str, target: str) -> int:
        if not member_of(persona, AGREEMENT_ORGS[target]):
            return 404
        return ok if Cap.MANAGE_NETWORK in caps(persona, AGREEMENT_PROMOTER[target]) else 403

    return expect


def org(w: World, t: str) -> Any:
    return {"own": w.own, "partner": w.partner, "foreign": w.foreign}[t]


def ap(w: World, t: str) -> Any:
    return {"own": w.own_access_point, "foreign": w.foreign_access_point}[t]


def agreement(w: World, t: str) -> Any:
    return {"own": w.own_agreement, "foreign": w.foreign_agreement}[t]


def _member_of(w: World, t: str) -> int:
    return MembershipFactory(organization=org(w, t), role=Role.SPECIALIST).pk


def _token_of(w: World, t: str) -> int:
    return ApiToken.objects.create(
        organization=org(w, t), name="x", prefix=f"p{t}", token_hash="0"
    ).pk


def _team_member_of(w: World, t: str) -> int:
    return TeamMemberFactory(access_point=ap(w, t)).pk


def _signatory_of(w: World, t: str) -> int:
    return SignatoryFactory(agreement=agreement(w, t)).pk


def _u(name: str, *args: Any) -> str:
    return reverse(name, args=args)


ORG3 = ("own", "partner", "foreign")
AP2 = ("own", "foreign")
NONE = ("-",)

ROUTES = [
    Route("home", NONE, lambda w, t: _u("home"), lambda p, t: 200),
    Route("network:overview", NONE, lambda w, t: _u("network:overview"), directory_list),
    Route(
        "network:overview_territory",
        NONE,
        lambda w, t: _u("network:overview_territory", w.own_territory_id()),
        directory_list,
    ),
    Route(
        "network:organization_list",
        NONE,
        lambda w, t: _u("network:organization_list"),
        directory_list,
    ),
    Route(
        "network:organization_detail",
        ORG3,
        lambda w, t: _u("network:organization_detail", org(w, t).public_id),
        directory,
    ),
    Route(
        "network:organization_create",
        NONE,
        lambda w, t: _u("network:organization_create"),
        cap_anywhere(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:organization_edit",
        ORG3,
        lambda w, t: _u("network:organization_edit", org(w, t).public_id),
        with_cap(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:member_list",
        ORG3,
        lambda w, t: _u("network:member_list", org(w, t).public_id),
        with_cap(Cap.MANAGE_MEMBERS),
    ),
    Route(
        "network:member_revoke",
        ORG3,
        lambda w, t: _u("network:member_revoke", org(w, t).public_id, _member_of(w, t)),
        with_cap(Cap.MANAGE_MEMBERS, 302),
        method="post",
    ),
    Route(
        "network:token_list",
        ORG3,
        lambda w, t: _u("network:token_list", org(w, t).public_id),
        with_cap(Cap.MANAGE_API_TOKENS),
    ),
    Route(
        "network:token_revoke",
        ORG3,
        lambda w, t: _u("network:token_revoke", org(w, t).public_id, _token_of(w, t)),
        with_cap(Cap.MANAGE_API_TOKENS, 302),
        method="post",
    ),
    Route(
        "network:access_point_list",
        NONE,
        lambda w, t: _u("network:access_point_list"),
        directory_list,
    ),
    Route(
        "network:access_point_create",
        NONE,
        lambda w, t: _u("network:access_point_create"),
        cap_anywhere(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:access_point_detail",
        AP2,
        lambda w, t: _u("network:access_point_detail", ap(w, t).public_id),
        directory,
    ),
    Route(
        "network:access_point_edit",
        AP2,
        lambda w, t: _u("network:access_point_edit", ap(w, t).public_id),
        with_cap(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:site_create",
        AP2,
        lambda w, t: _u("network:site_create", ap(w, t).public_id),
        with_cap(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:site_edit",
        AP2,
        lambda w, t: _u("network:site_edit", ap(w, t).public_id, w.site_of(ap(w, t)).pk),
        with_cap(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:team_add",
        AP2,
        lambda w, t: _u("network:team_add", ap(w, t).public_id),
        with_cap(Cap.MANAGE_MEMBERS),
    ),
    Route(
        "network:team_remove",
        AP2,
        lambda w, t: _u("network:team_remove", ap(w, t).public_id, _team_member_of(w, t)),
        with_cap(Cap.MANAGE_MEMBERS, 302),
        method="post",
    ),
    Route(
        "network:agreement_list", NONE, lambda w, t: _u("network:agreement_list"), directory_list
    ),
    Route(
        "network:agreement_create",
        NONE,
        lambda w, t: _u("network:agreement_create"),
        cap_anywhere(Cap.MANAGE_NETWORK),
    ),
    Route(
        "network:agreement_detail",
        AP2,
        lambda w, t: _u("network:agreement_detail", agreement(w, t).public_id),
        agreement_view,
    ),
    Route(
        "network:agreement_edit",
        AP2,
        lambda w, t: _u("network:agreement_edit", agreement(w, t).public_id),
        agreement_manage(200),
    ),
    Route(
        "network:agreement_document",
        AP2,
        lambda w, t: _u("network:agreement_document", agreement(w, t).public_id),
        lambda p, t: 404,
    ),  # no document uploaded: 404 for everyone, see test_agreements
    Route(
        "network:signatory_add",
        AP2,
        lambda w, t: _u("network:signatory_add", agreement(w, t).public_id),
        agreement_manage(302),
        method="post",
        data=lambda w, t: {"organization": w.third_org().pk, "role": "Partner"},
    ),
    Route(
        "network:signatory_remove",
        AP2,
        lambda w, t: _u("network:signatory_remove", agreement(w, t).public_id, _signatory_of(w, t)),
        agreement_manage(302),
        method="post",
    ),
    Route(
        "network:audit_list",
        NONE,
        lambda w, t: _u("network:audit_list"),
        cap_anywhere(Cap.VIEW_AUDIT),
    ),
    Route(
        "network:audit_export",
        NONE,
        lambda w, t: _u("network:audit_export"),
        cap_anywhere(Cap.VIEW_AUDIT),
    ),
    Route("catalog:service_list", NONE, lambda w, t: _u("catalog:service_list"), network_member),
    Route(
        "catalog:service_detail",
        ORG3,
        lambda w, t: _u("catalog:service_detail", _service_of(w, t).public_id),
        directory,
    ),
    Route(
        "catalog:service_create",
        NONE,
        lambda w, t: _u("catalog:service_create"),
        catalog_editor_anywhere,
    ),
    Route(
        "catalog:service_edit",
        ORG3,
        lambda w, t: _u("catalog:service_edit", _service_of(w, t).public_id),
        catalog_edit(200),
    ),
    Route(
        "catalog:service_verify",
        ORG3,
        lambda w, t: _u("catalog:service_verify", _service_of(w, t).public_id),
        catalog_edit(302),
        method="post",
    ),
    Route(
        "catalog:opportunity_list",
        NONE,
        lambda w, t: _u("catalog:opportunity_list"),
        network_member,
    ),
    Route(
        "catalog:opportunity_create",
        NONE,
        lambda w, t: _u("catalog:opportunity_create"),
        catalog_editor_anywhere,
    ),
    Route(
        "catalog:opportunity_edit",
        ORG3,
        lambda w, t: _u("catalog:opportunity_edit", _opportunity_of(w, t).public_id),
        catalog_edit(200),
    ),
    Route("catalog:gap_analysis", NONE, lambda w, t: _u("catalog:gap_analysis"), network_member),
    Route(
        "catalog:gap_export_csv", NONE, lambda w, t: _u("catalog:gap_export_csv"), network_member
    ),
    Route(
        "catalog:gap_export_xlsx", NONE, lambda w, t: _u("catalog:gap_export_xlsx"), network_member
    ),
    Route(
        "outreach:outing_list",
        NONE,
        lambda w, t: _u("outreach:outing_list"),
        cap_anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "outreach:outing_export",
        NONE,
        lambda w, t: _u("outreach:outing_export"),
        cap_anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "outreach:outing_detail",
        AP2,
        lambda w, t: _u("outreach:outing_detail", _outing_of(w, t).public_id),
        personal_data,
    ),
    Route(
        "outreach:contact_list",
        NONE,
        lambda w, t: _u("outreach:contact_list"),
        cap_anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "outreach:contact_export",
        NONE,
        lambda w, t: _u("outreach:contact_export"),
        cap_anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "outreach:place_list",
        NONE,
        lambda w, t: _u("outreach:place_list"),
        cap_anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "outreach:place_export",
        NONE,
        lambda w, t: _u("outreach:place_export"),
        cap_anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "outreach:place_create",
        NONE,
        lambda w, t: _u("outreach:place_create"),
        cap_anywhere(Cap.RECORD_OUTREACH),
    ),
    Route(
        "outreach:place_detail",
        AP2,
        lambda w, t: _u("outreach:place_detail", _place_of(w, t).public_id),
        personal_data,
    ),
    Route(
        "outreach:place_edit",
        AP2,
        lambda w, t: _u("outreach:place_edit", _place_of(w, t).public_id),
        outreach_edit,
    ),
    Route("outreach:dashboard", NONE, lambda w, t: _u("outreach:dashboard"), outreach_dashboard),
    Route("accounts:profile", NONE, lambda w, t: _u("accounts:profile"), lambda p, t: 200),
    Route(
        "accounts:password_change",
        NONE,
        lambda w, t: _u("accounts:password_change"),
        lambda p, t: 200,
    ),
]

# ---- people and cases ---------------------------------------------------------------------------


def case_read(persona: str, target: str) -> int:
    """A case file: the PUA's case workers read it; everyone else never learns it exists."""
    return 200 if Cap.VIEW_CASES in caps(persona, target) else 404


def case_write(cap: Cap, ok: int = 200) -> Callable[[str, str], int]:
    def expect(persona: str, target: str) -> int:
        if Cap.VIEW_CASES not in caps(persona, target):
            return 404
        return ok if cap in caps(persona, target) else 403

    return expect


def _case_of(w: World, t: str) -> Any:
    from ponte.cases.factories import CaseFactory

    return CaseFactory(access_point=ap(w, t))


def _person_of(w: World, t: str) -> Any:
    from ponte.people.factories import ConsentFactory, PersonFactory

    person = PersonFactory(organization=ap(w, t).lead_organization)
    ConsentFactory(person=person)
    return person


def _contact_of(w: World, t: str) -> Any:
    from ponte.outreach.factories import ContactFactory

    return ContactFactory(access_point=ap(w, t))


def contact_to_case(persona: str, target: str) -> int:
    if Cap.VIEW_PERSONAL_DATA not in caps(persona, target):
        return 404
    return 200 if Cap.MANAGE_CASES in caps(persona, target) else 403


CASE_ROUTES = [
    Route(
        "cases:case_list", NONE, lambda w, t: _u("cases:case_list"), cap_anywhere(Cap.VIEW_CASES)
    ),
    Route(
        "cases:case_open",
        AP2,
        lambda w, t: _u("cases:case_open") + f"?person={_person_of(w, t).public_id}",
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "cases:case_from_contact",
        AP2,
        lambda w, t: _u("cases:case_from_contact", _contact_of(w, t).public_id),
        contact_to_case,
    ),
    Route(
        "cases:case_detail",
        AP2,
        lambda w, t: _u("cases:case_detail", _case_of(w, t).public_id),
        case_read,
    ),
    Route(
        "cases:case_phase",
        AP2,
        lambda w, t: _u("cases:case_phase", _case_of(w, t).public_id),
        case_write(Cap.MANAGE_CASES, 302),
        method="post",
        data=lambda w, t: {"to": "analisi"},
    ),
    Route(
        "cases:case_edit",
        AP2,
        lambda w, t: _u("cases:case_edit", _case_of(w, t).public_id),
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "cases:case_close",
        AP2,
        lambda w, t: _u("cases:case_close", _case_of(w, t).public_id),
        case_write(Cap.MANAGE_CASES),
    ),
]


def anywhere(*wanted: Cap) -> Callable[[str, str], int]:
    def expect(persona: str, target: str) -> int:
        org = (PERSONAS[persona] or ("-",))[0]
        return 200 if set(wanted) & caps(persona, org) or persona == "platform_admin" else 403

    return expect


def person_rights(ok: int = 200) -> Callable[[str, str], int]:
    return case_write(Cap.MANAGE_PERSON_RIGHTS, ok)


def _listening_of(w: World, t: str) -> tuple[Any, Any]:
    from ponte.cases.models import FirstListening

    case = _case_of(w, t)
    return case, FirstListening.objects.create(case=case, held_on=case.opened_on)


def _assessment_of(w: World, t: str) -> tuple[Any, Any]:
    from ponte.cases.models import Assessment

    case = _case_of(w, t)
    return case, Assessment.objects.create(case=case, assessed_on=case.opened_on)


def _support_of(w: World, t: str) -> tuple[Any, Any]:
    from ponte.cases.models import AutonomyAssessment, SupportMeasure

    case = _case_of(w, t)
    scores = dict.fromkeys(
        ("autonomy", "decisions", "territory", "social_network", "initiative"), 3
    )
    autonomy = AutonomyAssessment.objects.create(case=case, assessed_on=case.opened_on, **scores)
    measure = SupportMeasure.objects.create(
        case=case, kind="allowance", autonomy_assessment=autonomy, granted_on=case.opened_on
    )
    return case, measure


def _follow_up_of(w: World, t: str) -> tuple[Any, Any]:
    from ponte.cases.models import FollowUp

    case = _case_of(w, t)
    return case, FollowUp.objects.create(case=case, due_on=case.opened_on)


def _plan_action_of(w: World, t: str) -> tuple[Any, Any]:
    from ponte.cases.models import Goal, Plan, PlanAction

    case = _case_of(w, t)
    plan = Plan.objects.create(case=case)
    goal = Goal.objects.create(plan=plan, text="Obiettivo fittizio")
    return case, PlanAction.objects.create(goal=goal, text="Azione fittizia", owner="person")


def _consent_of(w: World, t: str) -> Any:
    from ponte.people.factories import ConsentFactory, PersonFactory

    return ConsentFactory(person=PersonFactory(organization=ap(w, t).lead_organization))


def _case_url(name: str) -> Callable[[World, str], str]:
    return lambda w, t: _u(name, _case_of(w, t).public_id)


def _item_url(
    name: str, make: Callable[[World, str], tuple[Any, Any]]
) -> Callable[[World, str], str]:
    def url(w: World, t: str) -> str:
        case, item = make(w, t)
        key = item if isinstance(item, int) else getattr(item, "public_id", None) or item.pk
        return _u(name, case.public_id, key)

    return url


def _person_url(name: str) -> Callable[[World, str], str]:
    return lambda w, t: _u(name, _person_of(w, t).public_id)


CASE_ROUTES += [
    # the people pages
    Route(
        "people:person_list",
        NONE,
        lambda w, t: _u("people:person_list"),
        anywhere(Cap.VIEW_CASES, Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "people:person_create",
        NONE,
        lambda w, t: _u("people:person_create"),
        anywhere(Cap.MANAGE_CASES),
    ),
    Route(
        "people:consent_text",
        NONE,
        lambda w, t: _u("people:consent_text"),
        anywhere(Cap.VIEW_CASES),
    ),
    Route("people:person_detail", AP2, _person_url("people:person_detail"), case_read),
    Route(
        "people:person_edit", AP2, _person_url("people:person_edit"), case_write(Cap.MANAGE_CASES)
    ),
    Route(
        "people:consent_create",
        AP2,
        _person_url("people:consent_create"),
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "people:consent_withdraw",
        AP2,
        lambda w, t: (lambda c: _u("people:consent_withdraw", c.person.public_id, c.public_id))(
            _consent_of(w, t)
        ),
        case_write(Cap.MANAGE_CASES),
    ),
    Route("people:consent_print", AP2, _person_url("people:consent_print"), case_read),
    # assessment
    Route("cases:listening_list", AP2, _case_url("cases:listening_list"), case_read),
    Route(
        "cases:listening_create",
        AP2,
        _case_url("cases:listening_create"),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route(
        "cases:listening_edit",
        AP2,
        _item_url("cases:listening_edit", _listening_of),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route("cases:assessment_list", AP2, _case_url("cases:assessment_list"), case_read),
    Route(
        "cases:assessment_create",
        AP2,
        _case_url("cases:assessment_create"),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route(
        "cases:assessment_detail",
        AP2,
        _item_url("cases:assessment_detail", _assessment_of),
        case_read,
    ),
    Route(
        "cases:assessment_decide",
        AP2,
        _item_url("cases:assessment_decide", _assessment_of),
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "cases:assessment_notes",
        AP2,
        _item_url("cases:assessment_notes", _assessment_of),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route("cases:safety_list", AP2, _case_url("cases:safety_list"), case_read),
    Route(
        "cases:safety_create",
        AP2,
        _case_url("cases:safety_create"),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route("cases:skills", AP2, _case_url("cases:skills"), case_read),
    Route(
        "cases:skills_edit",
        AP2,
        _case_url("cases:skills_edit"),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    # plan and matching
    Route("cases:plan", AP2, _case_url("cases:plan"), case_read),
    Route("cases:plan_edit", AP2, _case_url("cases:plan_edit"), case_write(Cap.MANAGE_CASES)),
    Route(
        "cases:plan_revision",
        AP2,
        _item_url(
            "cases:plan_revision",
            lambda w, t: (lambda c, a: (c, a.goal.plan.revision))(*_plan_action_of(w, t)),
        ),
        case_read,
    ),
    Route(
        "cases:plan_print",
        AP2,
        _item_url(
            "cases:plan_print",
            lambda w, t: (lambda c, a: (c, a.goal.plan.revision))(*_plan_action_of(w, t)),
        ),
        case_read,
    ),
    Route(
        "cases:plan_pdf",
        AP2,
        _item_url(
            "cases:plan_pdf",
            lambda w, t: (lambda c, a: (c, a.goal.plan.revision))(*_plan_action_of(w, t)),
        ),
        case_read,
    ),
    Route(
        "cases:plan_agree",
        AP2,
        _case_url("cases:plan_agree"),
        case_write(Cap.MANAGE_CASES, 400),
        method="post",
    ),
    Route(
        "cases:plan_revise",
        AP2,
        _case_url("cases:plan_revise"),
        case_write(Cap.MANAGE_CASES, 302),
        method="post",
    ),
    Route(
        "cases:plan_add_service",
        AP2,
        _case_url("cases:plan_add_service"),
        case_write(Cap.MANAGE_CASES, 302),
        method="post",
        data=lambda w, t: {"service": str(_service_of(w, t).public_id)},
    ),
    Route(
        "cases:plan_action_update",
        AP2,
        _item_url("cases:plan_action_update", _plan_action_of),
        case_write(Cap.CONTRIBUTE_TO_CASES, 302),
        method="post",
        data=lambda w, t: {"status": "done"},
    ),
    Route("cases:matching", AP2, _case_url("cases:matching"), case_read),
    # the plan in action
    Route("cases:activity_list", AP2, _case_url("cases:activity_list"), case_read),
    Route(
        "cases:activity_create",
        AP2,
        _case_url("cases:activity_create"),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route("cases:support_list", AP2, _case_url("cases:support_list"), case_read),
    Route(
        "cases:autonomy_create",
        AP2,
        _case_url("cases:autonomy_create"),
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "cases:support_create", AP2, _case_url("cases:support_create"), case_write(Cap.MANAGE_CASES)
    ),
    Route(
        "cases:support_update",
        AP2,
        _item_url("cases:support_update", _support_of),
        case_write(Cap.MANAGE_CASES),
    ),
    Route("cases:follow_up_list", AP2, _case_url("cases:follow_up_list"), case_read),
    Route(
        "cases:follow_up_schedule",
        AP2,
        _case_url("cases:follow_up_schedule"),
        case_write(Cap.CONTRIBUTE_TO_CASES, 302),
        method="post",
    ),
    Route(
        "cases:follow_up_record",
        AP2,
        _item_url("cases:follow_up_record", _follow_up_of),
        case_write(Cap.CONTRIBUTE_TO_CASES),
    ),
    Route("cases:outcome_list", AP2, _case_url("cases:outcome_list"), case_read),
    Route(
        "cases:outcome_create", AP2, _case_url("cases:outcome_create"), case_write(Cap.MANAGE_CASES)
    ),
    Route("cases:note_list", AP2, _case_url("cases:note_list"), case_read),
    Route("cases:my_work", NONE, lambda w, t: _u("cases:my_work"), anywhere(Cap.VIEW_CASES)),
    # the person's rights
    Route("cases:person_export", AP2, _person_url("cases:person_export"), person_rights()),
    Route("cases:person_erase", AP2, _person_url("cases:person_erase"), person_rights()),
    Route(
        "cases:person_legal_hold",
        AP2,
        _person_url("cases:person_legal_hold"),
        person_rights(400),
        method="post",
    ),
    Route(
        "cases:person_restriction",
        AP2,
        _person_url("cases:person_restriction"),
        person_rights(400),
        method="post",
    ),
    Route(
        "cases:htcds_export",
        NONE,
        lambda w, t: _u("cases:htcds_export"),
        anywhere(Cap.EXPORT_PSEUDONYMOUS),
    ),
]


# ---- referrals ----------------------------------------------------------------------------------


def _referral_of(w: World, t: str, outside_ponte: bool = False) -> Any:
    """Own: from the own PUA's case to the partner (who has the person's sharing consent).
    Foreign: from the foreign PUA's case to a third organisation."""
    from ponte.referrals.factories import ReferralFactory

    receiver = w.partner if t == "own" else w.third_org()  # type: ignore[attr-defined]
    return ReferralFactory(
        case=_case_of(w, t), receiver=receiver, sent=True, receiver_outside_ponte=outside_ponte
    )


def _signal_to(w: World, t: str) -> Any:
    """An inbound signal from the partner (own) or the third organisation (foreign) to the PUA."""
    from ponte.referrals.factories import InboundSignalFactory

    sender = w.partner if t == "own" else w.third_org()  # type: ignore[attr-defined]
    return InboundSignalFactory(access_point=ap(w, t), sender=sender)


def referral_read(persona: str, target: str) -> int:
    """The sender's case workers; the receiver's operators while open and consented."""
    if Cap.VIEW_CASES in caps(persona, target):
        return 200
    return 200 if target == "own" and persona == "partner_operator@partner" else 404


def referral_print(persona: str, target: str) -> int:
    """The paper copy for a receiver outside Ponte: the sender's case managers print it; others
    who see the referral (a specialist, the platform admin: on no side) are refused."""
    if persona == "platform_admin":
        return 403
    mine = caps(persona, target)
    if Cap.VIEW_CASES in mine:
        return 200 if Cap.MANAGE_CASES in mine else 403
    return 403 if target == "own" and persona == "partner_operator@partner" else 404


def signal_triage(persona: str, target: str) -> int:
    """The receiving PUA's case managers triage; the sender sees the signal but cannot."""
    mine = caps(persona, target)
    if Cap.VIEW_CASES in mine:
        return 200 if Cap.MANAGE_CASES in mine else 403
    return 403 if target == "own" and persona == "partner_operator@partner" else 404


CASE_ROUTES += [
    Route(
        "referrals:inbox",
        NONE,
        lambda w, t: _u("referrals:inbox"),
        anywhere(Cap.VIEW_PERSONAL_DATA),
    ),
    Route(
        "referrals:notifications",
        NONE,
        lambda w, t: _u("referrals:notifications"),
        lambda p, t: 200,
    ),
    Route(
        "referrals:create",
        AP2,
        lambda w, t: _u("referrals:create") + f"?case={_case_of(w, t).public_id}",
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "referrals:anti_trafficking",
        AP2,
        lambda w, t: _u("referrals:anti_trafficking") + f"?case={_case_of(w, t).public_id}",
        case_write(Cap.MANAGE_CASES),
    ),
    Route(
        "referrals:figures",
        NONE,
        lambda w, t: _u("referrals:figures"),
        anywhere(Cap.VIEW_AGGREGATES),
    ),
    Route(
        "monitoring:dashboard",
        NONE,
        lambda w, t: _u("monitoring:dashboard"),
        anywhere(Cap.VIEW_AGGREGATES),
    ),
    Route(
        "monitoring:section",
        NONE,
        lambda w, t: _u("monitoring:section", "process") + "?breakdown=gender",
        anywhere(Cap.VIEW_AGGREGATES),
    ),
    Route(
        "monitoring:export",
        NONE,
        lambda w, t: _u("monitoring:export", "outcomes", "xlsx"),
        anywhere(Cap.VIEW_AGGREGATES),
    ),
    Route(
        "monitoring:report",
        NONE,
        lambda w, t: _u("monitoring:report") + "?year=2026&breakdown=access_point",
        anywhere(Cap.VIEW_AGGREGATES),
    ),
    Route(
        "monitoring:microdata",
        NONE,
        lambda w, t: _u("monitoring:microdata"),
        anywhere(Cap.EXPORT_PSEUDONYMOUS),
    ),
    Route(
        "referrals:signal_create",
        NONE,
        lambda w, t: _u("referrals:signal_create"),
        anywhere(Cap.REFER),
    ),
    Route("referrals:case_referrals", AP2, _case_url("referrals:case_referrals"), case_read),
    Route(
        "referrals:detail",
        AP2,
        lambda w, t: _u("referrals:detail", _referral_of(w, t).public_id),
        referral_read,
    ),
    Route(
        "referrals:print",
        AP2,
        lambda w, t: _u("referrals:print", _referral_of(w, t, outside_ponte=True).public_id),
        referral_print,
    ),
    Route(
        "referrals:triage",
        AP2,
        lambda w, t: _u("referrals:triage", _signal_to(w, t).public_id),
        signal_triage,
    ),
]

ROUTES += CASE_ROUTES

# Routes whose behaviour is a flow rather than a permission, covered in their own tests.
COVERED_ELSEWHERE = {
    "accounts:login",
    "accounts:logout",
    "accounts:verify",
    "accounts:setup",
    "accounts:backup_codes",
    "accounts:end_other_sessions",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "set_language",
    "healthz",  # public, no data: tests/test_health.py
    "readyz",
    "network:invitation_accept",  # the invitee's own answer: ponte/network/tests/test_pages.py
    "network:invitation_decline",
    # The offline quick entry, its CSRF refresh and service worker: ponte/outreach/tests/
    # test_offline_views.py (and tests/browser/test_outreach_offline.py).
    "outreach:outreach_quick_entry",
    "outreach:outreach_csrf",
    "outreach:outreach_service_worker",
    # Referral moves, messages, attachments and answers are POSTs whose outcome depends on the
    # side and the state: ponte/referrals/tests/test_pages*.py runs their persona matrix.
    "referrals:transition",
    "referrals:send",
    "referrals:post_message",
    "referrals:attachment",
    "referrals:external_answer",
}

CASES = [
    pytest.param(route, persona, target, id=f"{route.name}|{persona}|{target}")
    for route in ROUTES
    for persona in PERSONAS
    for target in route.targets
]


def _extend_world(world: World) -> None:
    from ponte.network.factories import OrganizationFactory, SiteFactory, TerritoryFactory

    territory = TerritoryFactory(level="region", code="R-T", name="Regione di prova")
    world.own_territory_id = lambda: territory.pk  # type: ignore[attr-defined]
    sites: dict[int, Any] = {}
    world.site_of = lambda a: sites.setdefault(a.pk, SiteFactory(access_point=a))  # type: ignore[attr-defined]
    third = OrganizationFactory(name="Terzo ente fittizio")
    world.third_org = lambda: third  # type: ignore[attr-defined]


@pytest.mark.parametrize(("route", "persona", "target"), CASES)
def test_matrix(world: World, route: Route, persona: str, target: str) -> None:
    _extend_world(world)
    url = route.url(world, target)
    if persona == "anonymous":
        response = getattr(Client(), route.method)(url, route.data(world, target))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        return
    client = verified_client(world.users[persona])
    response = getattr(client, route.method)(url, route.data(world, target))
    expected = route.expect(persona, target)
    assert response.status_code == expected, (
        f"{route.method.upper()} {url} as {persona} on {target}: "
        f"got {response.status_code}, expected {expected}"
    )


def test_matrix_covers_every_route() -> None:
    from django.urls import get_resolver

    names: set[str] = set()
    resolver = get_resolver()
    for route, pattern in walk(resolver.url_patterns):
        if route.startswith("api/"):
            continue  # the API has its own matrix (ponte/network/tests/test_api.py)
        namespace = route.split("/", 1)[0]
        if namespace == "guida":
            continue  # the public guide: anonymous by design, tested in test_public_guide.py
        ns = {
            "accounts": "accounts:",
            "network": "network:",
            "catalog": "catalog:",
            "outreach": "outreach:",
            "people": "people:",
            "cases": "cases:",
            "referrals": "referrals:",
            "monitoring": "monitoring:",
        }.get(namespace, "")
        names.add(f"{ns}{pattern.name}")
    covered = {r.name for r in ROUTES} | COVERED_ELSEWHERE
    assert names - covered == set(), f"routes missing from the matrix: {names - covered}"


def test_foreign_objects_are_absent_from_lists(world: World) -> None:
    client = verified_client(world.users["case_manager"])
    listing = client.get(reverse("network:agreement_list")).content.decode()
    assert world.own_agreement.title in listing
    assert world.foreign_agreement.title not in listing
