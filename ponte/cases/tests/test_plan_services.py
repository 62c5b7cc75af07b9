"""The plan's services: draft → agree → revise, stale saves, dates, permissions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, CaseEvent, EventKind, Plan, PlanAction
from ponte.cases.services import plan as svc
from ponte.catalog.factories import OpportunityFactory, ServiceFactory
from ponte.people.services import StaleEdit

TODAY = timezone.localdate


def make_case(world: Any, **kwargs: Any) -> Case:
    return CaseFactory(
        access_point=world.own_access_point,
        case_manager=world.users["case_manager"],
        opened_on=TODAY() - datetime.timedelta(days=30),
        **kwargs,
    )


def draft(case: Case, user: Any, *, expected: int = 0, goals: int = 1) -> Plan:
    return svc.save_plan_draft(
        case,
        actor=user,
        texts={"why_here": "Voglio un lavoro regolare", "fears": "Perdere la casa"},
        services=[svc.ServiceInput(description="Corso fittizio di italiano", when="lunedì")],
        goals=[
            svc.GoalInput(
                text=f"Obiettivo fittizio {n}",
                actions=[
                    svc.ActionInput(text="Iscriversi al corso", owner=PlanAction.Owner.PERSON),
                    svc.ActionInput(text="Chiamare l'ente", owner=PlanAction.Owner.CASE_MANAGER),
                ],
            )
            for n in range(goals)
        ],
        expected_version=expected,
    )


@pytest.fixture
def case(world: Any) -> Case:
    return make_case(world)


def test_draft_agree_revise_keeps_revision_one_unchanged(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    first = draft(case, cm)
    assert (first.revision, first.status, first.version) == (1, Plan.Status.DRAFT, 1)
    assert first.language == case.person.preferred_language
    agreed = svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="ar", expected_version=1)
    assert agreed.status == Plan.Status.AGREED and agreed.language == "ar"

    second = svc.revise_plan(case, actor=cm, expected_version=agreed.version)
    assert second.revision == 2 and second.status == Plan.Status.DRAFT
    assert second.why_here == first.why_here
    assert [g.text for g in second.goals.all()] == ["Obiettivo fittizio 0"]
    assert second.goals.get().actions.count() == 2
    assert second.services.get().description == "Corso fittizio di italiano"

    # The old revision stays the plan in action until the new one is agreed.
    first.refresh_from_db()
    assert first.status == Plan.Status.AGREED

    svc.save_plan_draft(
        case,
        actor=cm,
        texts={"why_here": "Testo cambiato", "fears": ""},
        services=[],
        goals=[svc.GoalInput(text="Nuovo obiettivo")],
        expected_version=second.version,
    )
    svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    first.refresh_from_db()
    assert first.status == Plan.Status.SUPERSEDED
    assert first.why_here == "Voglio un lavoro regolare"
    assert first.agreed_on == TODAY() and first.language == "ar"
    assert first.services.count() == 1
    assert [g.text for g in first.goals.all()] == ["Obiettivo fittizio 0"]
    assert first.goals.get().actions.count() == 2

    kinds = list(
        CaseEvent.objects.filter(case=case, kind=EventKind.PLAN).values_list("kind", flat=True)
    )
    assert len(kinds) == 5
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"cases.plan_saved", "cases.plan_agreed", "cases.plan_revised"} <= actions


def test_every_write_moves_the_case_version(world: Any, case: Case) -> None:
    before = case.version
    draft(case, world.users["case_manager"])
    case.refresh_from_db()
    assert case.version == before + 1


def test_stale_save_is_refused(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    plan = draft(case, cm)
    draft(case, cm, expected=plan.version)  # someone saves: version 2
    with pytest.raises(StaleEdit):
        draft(case, cm, expected=plan.version)
    # A second "first draft" (two people opened the empty form) is refused too.
    with pytest.raises(StaleEdit):
        draft(case, cm, expected=0)
    assert Plan.objects.filter(case=case).count() == 1


def test_agreed_plan_cannot_be_edited(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    plan = draft(case, cm)
    agreed = svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    with pytest.raises(ValidationError):
        draft(case, cm, expected=agreed.version)
    plan.refresh_from_db()
    assert plan.why_here == "Voglio un lavoro regolare"


@pytest.mark.parametrize(
    ("day", "field"),
    [(None, "agreed_on"), (datetime.timedelta(days=1), "agreed_on")],
)
def test_agree_date_required_and_not_in_future(
    world: Any, case: Case, day: Any, field: str
) -> None:
    cm = world.users["case_manager"]
    draft(case, cm)
    agreed_on = TODAY() + day if day else None
    with pytest.raises(ValidationError) as error:
        svc.agree_plan(case, actor=cm, agreed_on=agreed_on, language="it")
    assert field in error.value.message_dict
    assert Plan.objects.get(case=case).status == Plan.Status.DRAFT


def test_agree_needs_a_goal_and_a_known_language(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    draft(case, cm, goals=0)
    with pytest.raises(ValidationError):
        svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    with pytest.raises(ValidationError):
        svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="xx")


def test_revise_needs_an_agreed_plan(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    with pytest.raises(ValidationError):
        svc.revise_plan(case, actor=cm)
    draft(case, cm)
    with pytest.raises(ValidationError):
        svc.revise_plan(case, actor=cm)


@pytest.mark.parametrize(
    "role", ["specialist", "analyst", "outreach_worker", "coordinator@foreign"]
)
def test_only_case_managers_and_coordinators_write_the_plan(
    world: Any, case: Case, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        draft(case, world.users[role])
    assert not Plan.objects.exists()


def test_coordinator_writes_the_plan(world: Any, case: Case) -> None:
    assert draft(case, world.users["coordinator"]).revision == 1


def test_action_status_on_agreed_plan_by_specialist(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    draft(case, cm)
    svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    action = PlanAction.objects.filter(goal__plan__case=case).first()
    assert action is not None
    updated = svc.update_action_status(action, actor=world.users["specialist"], status="done")
    assert updated.status == "done" and updated.done_on == TODAY()
    again = svc.update_action_status(action, actor=cm, status="doing", done_on=TODAY())
    assert again.done_on is None  # only a done action keeps a date
    assert AuditEvent.objects.filter(action="cases.plan_action_updated").count() == 2
    with pytest.raises(ValidationError):
        svc.update_action_status(
            action, actor=cm, status="done", done_on=TODAY() + datetime.timedelta(days=2)
        )
    with pytest.raises(PermissionDenied):
        svc.update_action_status(action, actor=world.users["analyst"], status="done")


def test_superseded_actions_are_frozen(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    draft(case, cm)
    svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    svc.revise_plan(case, actor=cm)
    svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    old = PlanAction.objects.filter(goal__plan__revision=1, goal__plan__case=case).first()
    assert old is not None
    with pytest.raises(ValidationError):
        svc.update_action_status(old, actor=cm, status="done")


def test_add_to_plan_creates_a_draft_or_a_revision(world: Any, case: Case) -> None:
    cm = world.users["case_manager"]
    service = ServiceFactory(email="servizio@example.test")
    plan = svc.add_to_plan(case, actor=cm, service=service)
    assert plan.revision == 1 and plan.services.get().service == service
    plan.goals.create(text="Obiettivo")
    svc.agree_plan(case, actor=cm, agreed_on=TODAY(), language="it")
    opportunity = OpportunityFactory(service=service, starts_on=TODAY())
    revised = svc.add_to_plan(case, actor=cm, opportunity=opportunity)
    assert revised.revision == 2
    assert revised.services.count() == 2
    assert revised.services.filter(description=opportunity.title).exists()
    assert Plan.objects.get(case=case, revision=1).services.count() == 1
    with pytest.raises(PermissionDenied):
        svc.add_to_plan(case, actor=world.users["specialist"], service=service)


def test_add_to_plan_fills_where_when_whom_from_the_catalog(world: Any, case: Case) -> None:
    from ponte.catalog.models import Location, Phone, Schedule, ServiceAtLocation

    service = ServiceFactory(email="sportello@example.test")
    location = Location.objects.create(
        organization=service.organization, name="Sede fittizia", address_1="Via Finta 3"
    )
    ServiceAtLocation.objects.create(service=service, location=location)
    Schedule.objects.create(service=service, description="martedì 9-12")
    Phone.objects.create(service=service, number="+39 000 0000000")
    row = svc.add_to_plan(case, actor=world.users["case_manager"], service=service).services.get()
    assert row.where_how == "Sede fittizia, Via Finta 3"
    assert row.when == "martedì 9-12"
    assert row.contact == "+39 000 0000000 · sportello@example.test"
