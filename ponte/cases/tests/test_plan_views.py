"""Plan pages: the access matrix, the edit form (formsets, stale save), agree, revise, actions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.audit.models import AuditEvent
from ponte.cases.models import Case, Plan, PlanAction
from ponte.cases.services import plan as svc
from ponte.cases.tests.test_plan_services import draft, make_case
from ponte.catalog.factories import ServiceFactory

# Messages and labels are read in English (the msgids).
pytestmark = pytest.mark.usefixtures("english")

TODAY = timezone.localdate

READERS = ["case_manager", "specialist", "coordinator", "platform_admin"]
HIDDEN = [
    "analyst",
    "outreach_worker",
    "org_admin",
    "partner_operator@partner",
    "coordinator@foreign",
    "no_membership",
]


@pytest.fixture
def case(world: Any) -> Case:
    c = make_case(world)
    draft(c, world.users["case_manager"])
    return c


def _urls(case: Case) -> dict[str, str]:
    pid = case.public_id
    return {
        "plan": reverse("cases:plan", args=[pid]),
        "revision": reverse("cases:plan_revision", args=[pid, 1]),
        "print": reverse("cases:plan_print", args=[pid, 1]),
        "matching": reverse("cases:matching", args=[pid]),
    }


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_plan_pages(world: Any, case: Case, role: str) -> None:
    client = verified_client(world.users[role])
    for name, url in _urls(case).items():
        assert client.get(url).status_code == 200, name


@pytest.mark.parametrize("role", HIDDEN)
def test_outsiders_and_other_roles_get_404(world: Any, case: Case, role: str) -> None:
    client = verified_client(world.users[role])
    for name, url in _urls(case).items():
        assert client.get(url).status_code == 404, name
    edit = reverse("cases:plan_edit", args=[case.public_id])
    assert client.get(edit).status_code == 404
    assert client.post(reverse("cases:plan_agree", args=[case.public_id]), {}).status_code == 404


def test_specialist_reads_but_does_not_edit(world: Any, case: Case) -> None:
    client = verified_client(world.users["specialist"])
    pid = case.public_id
    page = client.get(reverse("cases:plan", args=[pid]))
    assert reverse("cases:plan_edit", args=[pid]).encode() not in page.content
    assert client.get(reverse("cases:plan_edit", args=[pid])).status_code == 403
    agree = {"version": 1, "agreed_on": TODAY().isoformat(), "language": "it"}
    assert client.post(reverse("cases:plan_agree", args=[pid]), agree).status_code == 403
    assert client.post(reverse("cases:plan_revise", args=[pid]), {"version": 1}).status_code == 403
    add = {"service": str(ServiceFactory().public_id)}
    assert client.post(reverse("cases:plan_add_service", args=[pid]), add).status_code == 403


def test_plan_read_is_audited_and_queries_bounded(
    world: Any, case: Case, django_assert_max_num_queries: Any
) -> None:
    client = verified_client(world.users["case_manager"])
    with django_assert_max_num_queries(40):
        response = client.get(reverse("cases:plan", args=[case.public_id]))
    assert b"Obiettivo fittizio 0" in response.content
    assert AuditEvent.objects.filter(action="cases.case_viewed").exists()


def _form_data(version: int, **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "plan-version": version,
        "plan-why_here": "Per lavorare in regola",
        "plan-fears": "",
        "plan-work_goal": "Magazziniere",
        "plan-end_goal": "",
        "plan-review_on": "",
        "services-TOTAL_FORMS": 2,
        "services-INITIAL_FORMS": 0,
        "services-0-description": "Sportello fittizio",
        "services-0-when": "martedì",
        "services-1-description": "",
        "goals-TOTAL_FORMS": 2,
        "goals-INITIAL_FORMS": 0,
        "goals-0-text": "Trovare un lavoro",
        "goals-0-status": "open",
        "goals-1-text": "",
        "goals-1-status": "open",
        "actions-TOTAL_FORMS": 2,
        "actions-INITIAL_FORMS": 0,
        "actions-0-goal": 1,
        "actions-0-text": "Scrivere il CV",
        "actions-0-owner": "person",
        "actions-0-status": "todo",
        "actions-1-goal": 1,
        "actions-1-text": "",
        "actions-1-owner": "person",
        "actions-1-status": "todo",
    }
    data.update(extra)
    return data


def test_first_draft_through_the_form(world: Any) -> None:
    fresh = make_case(world)
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_edit", args=[fresh.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(0))
    assert response.status_code == 302
    plan = Plan.objects.get(case=fresh)
    assert plan.work_goal == "Magazziniere"
    assert plan.services.get().description == "Sportello fittizio"
    goal = plan.goals.get()
    assert [a.text for a in goal.actions.all()] == ["Scrivere il CV"]


def test_edit_form_shows_existing_rows_and_saves(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_edit", args=[case.public_id])
    page = client.get(url)
    assert b"Iscriversi al corso" in page.content
    service = ServiceFactory()
    response = client.post(url, _form_data(1, **{"services-1-service": str(service.pk)}))
    assert response.status_code == 302
    plan = Plan.objects.get(case=case)
    assert plan.version == 2
    assert plan.services.filter(service=service).exists()


def test_stale_edit_is_refused_with_a_message(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_edit", args=[case.public_id])
    draft(case, world.users["coordinator"], expected=1)  # saved meanwhile
    response = client.post(url, _form_data(1))
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert Plan.objects.get(case=case).work_goal == ""


def test_action_pointing_to_an_empty_goal_is_refused(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_edit", args=[case.public_id])
    response = client.post(url, _form_data(1, **{"actions-0-goal": "2"}))
    assert response.status_code == 200
    assert Plan.objects.get(case=case).version == 1


def test_agree_and_revise_through_the_pages(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    pid = case.public_id
    future = (TODAY() + datetime.timedelta(days=3)).isoformat()
    refused = client.post(
        reverse("cases:plan_agree", args=[pid]),
        {"version": 1, "agreed_on": future, "language": "fr"},
    )
    assert refused.status_code == 400
    assert Plan.objects.get(case=case).status == "draft"
    missing = client.post(reverse("cases:plan_agree", args=[pid]), {"version": 1, "language": "fr"})
    assert missing.status_code == 400
    ok = client.post(
        reverse("cases:plan_agree", args=[pid]),
        {"version": 1, "agreed_on": TODAY().isoformat(), "language": "fr"},
    )
    assert ok.status_code == 302
    assert Plan.objects.get(case=case).status == "agreed"
    # An agreed plan is not edited: the edit page sends back to the plan.
    assert client.get(reverse("cases:plan_edit", args=[pid])).status_code == 302
    revised = client.post(reverse("cases:plan_revise", args=[pid]), {"version": 2})
    assert revised.status_code == 302
    assert Plan.objects.filter(case=case).count() == 2
    old = client.get(reverse("cases:plan_revision", args=[pid, 1]))
    assert "This is an earlier revision" in old.content.decode()


def test_action_update_by_specialist_on_agreed_plan(world: Any, case: Case) -> None:
    svc.agree_plan(case, actor=world.users["case_manager"], agreed_on=TODAY(), language="it")
    action = PlanAction.objects.filter(goal__plan__case=case).first()
    assert action is not None
    client = verified_client(world.users["specialist"])
    url = reverse("cases:plan_action_update", args=[case.public_id, action.pk])
    version = Plan.objects.get(case=case).version
    response = client.post(
        url, {"status": "done", "done_on": TODAY().isoformat(), "version": version}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    analyst = verified_client(world.users["analyst"])
    assert analyst.post(url, {"status": "todo"}).status_code == 404


def test_action_of_another_case_is_404(world: Any, case: Case) -> None:
    other = make_case(world)
    draft(other, world.users["case_manager"])
    action = PlanAction.objects.filter(goal__plan__case=other).first()
    assert action is not None
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_action_update", args=[case.public_id, action.pk])
    assert client.post(url, {"status": "done"}).status_code == 404


def test_add_service_from_matching(world: Any) -> None:
    fresh = make_case(world)
    service = ServiceFactory()
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_add_service", args=[fresh.public_id])
    response = client.post(url, {"service": str(service.public_id), "version": 0})
    assert response.status_code == 302
    assert Plan.objects.get(case=fresh).services.get().service == service
    assert client.post(url, {"service": "not-a-uuid", "version": 1}).status_code == 404


# ---- stale saves: every plan form carries the version it was shown with -------------------------


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("version", [None, "stale"])
def test_action_update_without_or_with_a_stale_version_changes_nothing(
    world: Any, case: Case, version: str | None
) -> None:
    action = PlanAction.objects.filter(goal__plan__case=case, status="todo").first()
    assert action is not None
    client = verified_client(world.users["case_manager"])
    url = reverse("cases:plan_action_update", args=[case.public_id, action.pk])
    plan = Plan.objects.get(case=case)
    data: dict[str, Any] = {"status": "done", "done_on": TODAY().isoformat()}
    if version == "stale":
        data["version"] = plan.version
        # Someone ticks off another action meanwhile: the form's view of the plan is old.
        other = PlanAction.objects.filter(goal__plan=plan).exclude(pk=action.pk).first()
        assert other is not None
        svc.update_action_status(other, actor=world.users["coordinator"], status="doing")
        plan.refresh_from_db()
    response = client.post(url, data, follow=True)
    action.refresh_from_db()
    assert action.status == "todo"
    assert Plan.objects.get(case=case).version == plan.version
    expected = "did not say which version" if version is None else "Someone else changed"
    assert expected in _messages(response)


@pytest.mark.parametrize("version", [None, "stale"])
def test_add_to_plan_without_or_with_a_stale_version_changes_nothing(
    world: Any, case: Case, version: str | None
) -> None:
    service = ServiceFactory()
    client = verified_client(world.users["case_manager"])
    plan = Plan.objects.get(case=case)
    data: dict[str, Any] = {"service": str(service.public_id)}
    if version == "stale":
        data["version"] = plan.version
        draft(case, world.users["coordinator"], expected=plan.version)  # saved meanwhile
        plan.refresh_from_db()
    response = client.post(
        reverse("cases:plan_add_service", args=[case.public_id]), data, follow=True
    )
    assert not Plan.objects.filter(case=case, services__service=service).exists()
    assert Plan.objects.get(case=case).version == plan.version
    expected = "did not say which version" if version is None else "Someone else changed"
    assert expected in _messages(response)


def test_matching_and_plan_pages_send_the_version(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    version = Plan.objects.get(case=case).version
    hidden = f'name="version" value="{version}"'
    assert hidden in client.get(reverse("cases:plan", args=[case.public_id])).content.decode()
    ServiceFactory(areas=["work_guidance"])
    page = client.get(reverse("cases:matching", args=[case.public_id])).content.decode()
    assert reverse("cases:plan_add_service", args=[case.public_id]) in page
    assert hidden in page


def test_edit_agree_and_revise_without_a_version_are_refused(world: Any, case: Case) -> None:
    client = verified_client(world.users["case_manager"])
    pid = case.public_id
    data = _form_data(1)
    del data["plan-version"]
    response = client.post(reverse("cases:plan_edit", args=[pid]), data)
    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    assert Plan.objects.get(case=case).work_goal == ""
    agree = {"agreed_on": TODAY().isoformat(), "language": "fr"}
    response = client.post(reverse("cases:plan_agree", args=[pid]), agree)
    assert response.status_code == 400
    assert "did not say which version" in response.content.decode()
    assert Plan.objects.get(case=case).status == "draft"
    svc.agree_plan(case, actor=world.users["case_manager"], agreed_on=TODAY(), language="it")
    response = client.post(reverse("cases:plan_revise", args=[pid]), {}, follow=True)
    assert "did not say which version" in _messages(response)
    assert Plan.objects.filter(case=case).count() == 1
