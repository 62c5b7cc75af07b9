"""My work: tasks and reminders computed from due dates, overdue first, in constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.cases import queries_tasks as queries
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, FollowUp, Goal, Plan, PlanAction

# Messages and labels are read in English (the msgids).
pytestmark = pytest.mark.usefixtures("english")

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _case_with_tasks(world, manager, *, team=None):
    case = CaseFactory(access_point=world.own_access_point, case_manager=manager)
    if team:
        case.team.add(team)
    FollowUp.objects.create(case=case, due_on=TODAY - 3 * DAY)  # overdue
    FollowUp.objects.create(case=case, due_on=TODAY + 2 * DAY)  # soon
    FollowUp.objects.create(case=case, due_on=TODAY + 90 * DAY)  # beyond the horizon
    FollowUp.objects.create(case=case, due_on=TODAY - 9 * DAY, status="done", done_on=TODAY)
    plan = Plan.objects.create(case=case, review_on=TODAY + 20 * DAY)  # later
    goal = Goal.objects.create(plan=plan, text="Obiettivo fittizio")
    PlanAction.objects.create(goal=goal, text="Azione", owner="case_manager", due_on=TODAY)
    PlanAction.objects.create(
        goal=goal, text="Fatta", owner="person", due_on=TODAY - DAY, status="done"
    )
    old = Plan.objects.create(case=case, revision=0, status="superseded", review_on=TODAY)
    Goal.objects.create(plan=old, text="Vecchio")
    return case


def test_tasks_in_buckets_overdue_first(world):
    manager = world.users["case_manager"]
    _case_with_tasks(world, manager)
    tasks = queries.tasks_for(manager)
    assert [(t.kind, t.bucket) for t in tasks] == [
        ("follow_up", "overdue"),
        ("action", "soon"),
        ("follow_up", "soon"),
        ("review", "later"),
    ]
    assert tasks[0].days_late == 3
    assert queries.overdue_count(manager) == 1


def test_only_my_cases_unless_coordinator_widens(world):
    manager, specialist = world.users["case_manager"], world.users["specialist"]
    coordinator = world.users["coordinator"]
    _case_with_tasks(world, manager)
    assert queries.tasks_for(specialist) == []
    _case_with_tasks(world, manager, team=specialist)
    assert len(queries.tasks_for(specialist)) == 4
    assert queries.tasks_for(coordinator) == []
    assert len(queries.tasks_for(coordinator, scope=queries.SCOPE_PUA)) == 8
    # Outside the PUAs they coordinate: nothing.
    foreign = world.users["coordinator@foreign"]
    assert queries.tasks_for(foreign, scope=queries.SCOPE_PUA) == []


def test_closed_case_follow_ups_still_listed(world):
    manager = world.users["case_manager"]
    case = CaseFactory(
        access_point=world.own_access_point,
        case_manager=manager,
        phase="chiuso",
        closed_on=TODAY,
    )
    FollowUp.objects.create(case=case, due_on=TODAY, after_closure=True)
    (task,) = queries.tasks_for(manager)
    assert "after the end" in task.label


def test_closed_case_actions_and_reviews_leave_my_work(world):
    """A closed case's plan cannot be changed any more (update_action_status refuses), so its
    actions and review would be overdue for ever: they are no longer work. Follow-ups after
    closure still are."""
    manager = world.users["case_manager"]
    case = _case_with_tasks(world, manager)
    PlanAction.objects.filter(goal__plan__case=case, status="todo").update(due_on=TODAY - DAY)
    Plan.objects.filter(case=case, status="draft").update(review_on=TODAY - DAY)
    assert {t.kind for t in queries.tasks_for(manager)} == {"follow_up", "action", "review"}
    assert queries.overdue_count(manager) == 3
    Case.objects.filter(pk=case.pk).update(phase="chiuso", closed_on=TODAY)
    assert [t.kind for t in queries.tasks_for(manager)] == ["follow_up", "follow_up"]
    assert queries.overdue_count(manager) == 1  # the late follow-up
    # Reopened: the plan is live again, and so are its dates.
    Case.objects.filter(pk=case.pk).update(phase="attuazione", closed_on=None)
    assert queries.overdue_count(manager) == 3


def test_overdue_count_is_the_overdue_part_of_my_work(world):
    manager = world.users["case_manager"]
    for _ in range(2):
        _case_with_tasks(world, manager)
    tasks = queries.tasks_for(manager)
    assert queries.overdue_count(manager) == sum(t.bucket == "overdue" for t in tasks) == 2
    later = TODAY + 5 * DAY
    assert queries.overdue_count(manager, today=later) == sum(
        t.bucket == "overdue" for t in queries.tasks_for(manager, today=later)
    )


def test_my_work_page_links_and_scope(world):
    coordinator = world.users["coordinator"]
    case = _case_with_tasks(world, world.users["case_manager"])
    client = verified_client(coordinator)
    page = client.get(reverse("cases:my_work")).content.decode()
    assert "Nothing due" in page
    assert "All cases of my PUAs" in page
    page = client.get(reverse("cases:my_work") + "?scope=pua").content.decode()
    assert "3 days late" in page
    assert reverse("cases:follow_up_list", args=[case.public_id]).rstrip("/") in page
    page = verified_client(world.users["case_manager"]).get(reverse("cases:my_work"))
    assert "All cases of my PUAs" not in page.content.decode()


@pytest.mark.parametrize("scope", ["mine", "pua"])
def test_my_work_queries_constant_in_cases(world, scope):
    coordinator = world.users["coordinator"]
    client = verified_client(coordinator)
    url = reverse("cases:my_work") + f"?scope={scope}"
    counts = []
    for n in (3, 12):
        while len(queries.tasks_for(coordinator, scope=scope)) < 4 * n:
            _case_with_tasks(world, coordinator)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("list-group-item") == 4 * n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
