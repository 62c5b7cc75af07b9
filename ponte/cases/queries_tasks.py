"""Who reads which note, and "my work": tasks and reminders computed from due dates.

There is no task table: a task is a planned follow-up, an open plan action or a plan review
with a date, on a case the user manages or is on the team of, or what another app adds through
`cases.extensions` (referrals waiting for an answer). A coordinator can widen the list to all the
cases of the PUAs they coordinate. Plan actions and reviews of a closed case are no longer work
(they cannot be changed once the case is closed); follow-ups after closure are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.cases.extensions import extra_tasks
from ponte.cases.models import Case, CaseNote, FollowUp, Phase, Plan, PlanAction
from ponte.cases.services.core import can
from ponte.network.models import Membership
from ponte.network.roles import Cap, Role
from ponte.people.models import Consent

# ---- notes --------------------------------------------------------------------------------------


def on_team(case: Case, user: Any) -> bool:
    return case.case_manager_id == user.pk or case.team.filter(pk=user.pk).exists()


def notes_visible_to(case: Case, user: Any) -> QuerySet[CaseNote]:
    """Team notes: the case manager and the case team (and their author). Every other note: the
    case workers of the PUA's lead organisation (VIEW_CASES there)."""
    notes = CaseNote.objects.filter(case=case).select_related("author")
    if not can(user, case, Cap.VIEW_CASES):
        return notes.none()
    if on_team(case, user):
        return notes
    return notes.filter(~Q(visibility=CaseNote.Visibility.TEAM) | Q(author_id=user.pk))


def notes_shared_with_partner(case: Case, organization: Any) -> QuerySet[CaseNote]:
    """What a partner organisation may be shown: the notes written for partners, and only while
    the person's consent to share with that organisation is in force (withdrawal: gone at once)."""
    notes = CaseNote.objects.filter(case=case, visibility=CaseNote.Visibility.PARTNERS)
    shared = (
        Consent.objects.active()
        .filter(person_id=case.person_id, purpose=Consent.Purpose.SHARING, recipient=organization)
        .exists()
    )
    return notes if shared else notes.none()


# ---- my work ------------------------------------------------------------------------------------

SOON_DAYS = 7
HORIZON_DAYS = 30
OVERDUE, SOON, LATER = "overdue", "soon", "later"
SCOPE_MINE, SCOPE_PUA = "mine", "pua"


@dataclass(frozen=True)
class Task:
    kind: str  # follow_up | action | review | referral
    label: str
    due_on: datetime.date
    case: Case
    href: str
    today: datetime.date

    @property
    def days(self) -> int:
        """Negative when overdue."""
        return (self.due_on - self.today).days

    @property
    def days_late(self) -> int:
        return -self.days

    @property
    def bucket(self) -> str:
        if self.days < 0:
            return OVERDUE
        return SOON if self.days <= SOON_DAYS else LATER


def coordinated_organizations(user: Any) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(user=user, role=Role.COORDINATOR)
        .values_list("organization_id", flat=True)
    )


def my_cases(user: Any, scope: str = SCOPE_MINE) -> QuerySet[Case]:
    visible = Case.objects.visible_to(user)
    if scope == SCOPE_PUA:
        orgs = coordinated_organizations(user)
        return visible.filter(access_point__lead_organization_id__in=orgs)
    return visible.filter(Q(case_manager=user) | Q(team=user)).distinct()


def _follow_ups(case_ids: Any, until: datetime.date, today: datetime.date) -> list[Task]:
    rows = (
        FollowUp.objects.filter(
            case_id__in=case_ids, status=FollowUp.Status.PLANNED, due_on__lte=until
        )
        .select_related("case__person")
        .order_by("due_on")
    )
    return [
        Task(
            kind="follow_up",
            label=_("Follow-up after the end of the project")
            if f.after_closure
            else _("Follow-up"),
            due_on=f.due_on,
            case=f.case,
            href=reverse("cases:follow_up_record", args=[f.case.public_id, f.public_id]),
            today=today,
        )
        for f in rows
    ]


def _actions(case_ids: Any, until: datetime.date, today: datetime.date) -> list[Task]:
    rows = (
        PlanAction.objects.filter(
            goal__plan__case_id__in=case_ids,
            status__in=[PlanAction.Status.TODO, PlanAction.Status.DOING],
            due_on__isnull=False,
            due_on__lte=until,
        )
        .exclude(goal__plan__status=Plan.Status.SUPERSEDED)
        # A closed case's plan is frozen (update_action_status refuses): nothing left to do.
        .exclude(goal__plan__case__phase=Phase.CLOSED)
        .select_related("goal__plan__case__person")
        .order_by("due_on")
    )
    return [
        Task(
            kind="action",
            label=_("Plan action (%(who)s)") % {"who": a.get_owner_display()},
            due_on=a.due_on,
            case=a.goal.plan.case,
            href=_plan_href(a.goal.plan.case),
            today=today,
        )
        for a in rows
        if a.due_on is not None
    ]


def _reviews(case_ids: Any, until: datetime.date, today: datetime.date) -> list[Task]:
    rows = (
        Plan.objects.filter(case_id__in=case_ids, review_on__isnull=False, review_on__lte=until)
        .exclude(status=Plan.Status.SUPERSEDED)
        .exclude(case__phase=Phase.CLOSED)
        .select_related("case__person")
        .order_by("review_on")
    )
    return [
        Task(
            kind="review",
            label=_("Plan review"),
            due_on=p.review_on,
            case=p.case,
            href=_plan_href(p.case),
            today=today,
        )
        for p in rows
        if p.review_on is not None
    ]


def _plan_href(case: Case) -> str:
    try:
        return reverse("cases:plan", args=[case.public_id])
    except NoReverseMatch:  # the plan part may not be plugged in yet
        return reverse("cases:follow_up_list", args=[case.public_id])


def _tasks(user: Any, case_ids: Any, until: datetime.date, today: datetime.date) -> list[Task]:
    """Every task due by `until`: one query per kind, whatever the number of cases."""
    return [
        *_follow_ups(case_ids, until, today),
        *_actions(case_ids, until, today),
        *_reviews(case_ids, until, today),
        # Referrals waiting for an answer come from the referrals app (cases.extensions).
        *extra_tasks(user, case_ids, until, today),
    ]


def tasks_for(
    user: Any, *, scope: str = SCOPE_MINE, today: datetime.date | None = None
) -> list[Task]:
    """Overdue first (oldest first), then due within a week, then later (up to a month)."""
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=HORIZON_DAYS)
    case_ids = my_cases(user, scope).values("pk")
    return sorted(_tasks(user, case_ids, until, today), key=lambda t: (t.due_on, t.kind))


def overdue_count(user: Any, *, today: datetime.date | None = None) -> int:
    """For the home page: how many of the user's tasks are late. The same task lists as "my
    work", cut at yesterday, so the two pages can never disagree on what is overdue."""
    today = today or timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    return len(_tasks(user, my_cases(user).values("pk"), yesterday, today))
