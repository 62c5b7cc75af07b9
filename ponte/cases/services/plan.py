"""The individual plan ("PAI", "Patto"): drafting, agreeing with the person, revising.

Revisions: `revise_plan` copies the latest agreed plan into revision + 1 as a draft. The agreed
revision stays the plan in action (its actions can still be ticked off) until the new revision
is agreed; only then is it marked superseded. Nothing in an agreed revision's texts, services,
goals or actions is rewritten by a later revision, so what was agreed on a date can always be
shown (and printed) again exactly as it was.

Every write: capability → rules → one transaction with the case lock, the plan's own version
check (stale forms refused), `bump_version(case)`, a timeline event and an audit record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.cases.models import Case, EventKind, Goal, Plan, PlanAction, PlanService
from ponte.cases.services.core import add_event, bump_version, locked_case, require_case
from ponte.catalog.models import Opportunity, Service
from ponte.network.roles import Cap
from ponte.people.services import StaleEdit

TEXT_FIELDS = ("why_here", "fears", "work_goal", "end_goal", "review_on")


@dataclass
class ServiceInput:
    service: Service | None = None
    description: str = ""
    where_how: str = ""
    when: str = ""
    contact: str = ""


@dataclass
class ActionInput:
    text: str
    owner: str
    due_on: datetime.date | None = None
    status: str = PlanAction.Status.TODO
    done_on: datetime.date | None = None


@dataclass
class GoalInput:
    text: str
    status: str = Goal.Status.OPEN
    actions: list[ActionInput] = field(default_factory=list)


def latest_plan(case: Case) -> Plan | None:
    return Plan.objects.filter(case=case).order_by("-revision").first()


def _audit(action: str, case: Case, actor: Any, data: dict[str, Any]) -> None:
    record(
        action,
        actor=actor,
        target=case,
        organization=case.access_point.lead_organization,
        data={"case": str(case.public_id), **data},
    )


def _locked_plan(case: Case, expected_version: int | None) -> Plan | None:
    """The latest revision, locked. `expected_version` 0 means "the form saw no plan yet"."""
    plan = Plan.objects.select_for_update().filter(case=case).order_by("-revision").first()
    if expected_version is None:
        return plan
    if (plan.version if plan else 0) != expected_version:
        raise StaleEdit()
    return plan


def _refuse_if_closed(case: Case) -> None:
    if case.is_closed:
        raise ValidationError(_("The case is closed: reopen it to change the plan."))


def _write_parts(plan: Plan, services: list[ServiceInput], goals: list[GoalInput]) -> None:
    PlanService.objects.filter(plan=plan).delete()
    Goal.objects.filter(plan=plan).delete()  # actions go with their goal
    for s in services:
        PlanService.objects.create(
            plan=plan,
            service=s.service,
            description=s.description,
            where_how=s.where_how,
            when=s.when,
            contact=s.contact,
        )
    for g in goals:
        goal = Goal.objects.create(plan=plan, text=g.text, status=g.status)
        for a in g.actions:
            PlanAction.objects.create(
                goal=goal,
                text=a.text,
                owner=a.owner,
                due_on=a.due_on,
                status=a.status,
                done_on=a.done_on if a.status == PlanAction.Status.DONE else None,
            )


def _check_parts(services: list[ServiceInput], goals: list[GoalInput]) -> None:
    today = timezone.localdate()
    for s in services:
        if s.service is None and not s.description.strip():
            raise ValidationError(_("Each service needs a service from the catalog or a name."))
    for g in goals:
        if not g.text.strip():
            raise ValidationError(_("Each goal needs a text."))
        for a in g.actions:
            if not a.text.strip():
                raise ValidationError(_("Each action needs a text."))
            if a.done_on and a.done_on > today:
                raise ValidationError(_("The date an action was done cannot be in the future."))


def save_plan_draft(
    case: Case,
    *,
    actor: Any,
    texts: dict[str, Any],
    services: list[ServiceInput],
    goals: list[GoalInput],
    expected_version: int | None,
) -> Plan:
    """Create the first draft, or rewrite the current draft as the form shows it."""
    require_case(actor, case, Cap.MANAGE_CASES)
    _refuse_if_closed(case)
    _check_parts(services, goals)
    with transaction.atomic():
        current_case = locked_case(case)
        plan = _locked_plan(current_case, expected_version)
        created = plan is None
        if plan is None:
            plan = Plan(
                case=current_case,
                revision=1,
                written_by=actor,
                language=current_case.person.preferred_language or settings.LANGUAGE_CODE,
            )
        elif not plan.is_editable:
            raise ValidationError(
                _("This revision was agreed with the person: start a new revision to change it.")
            )
        for name in TEXT_FIELDS:
            if name in texts:
                setattr(plan, name, texts[name])
        if not created:
            plan.version += 1
        plan.save()
        _write_parts(plan, services, goals)
        bump_version(current_case)
        add_event(
            current_case,
            kind=EventKind.PLAN,
            actor=actor,
            summary=_("Plan revision %(rev)s: draft saved") % {"rev": plan.revision},
        )
        _audit(
            "cases.plan_saved",
            current_case,
            actor,
            {"revision": plan.revision, "services": len(services), "goals": len(goals)},
        )
    return plan


def agree_plan(
    case: Case,
    *,
    actor: Any,
    agreed_on: datetime.date | None,
    language: str,
    expected_version: int | None = None,
) -> Plan:
    require_case(actor, case, Cap.MANAGE_CASES)
    _refuse_if_closed(case)
    if agreed_on is None:
        raise ValidationError({"agreed_on": _("Say on which day the plan was agreed.")})
    if agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": _("The date cannot be in the future.")})
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    with transaction.atomic():
        current_case = locked_case(case)
        plan = _locked_plan(current_case, expected_version)
        if plan is None or not plan.is_editable:
            raise ValidationError(_("There is no draft plan to agree."))
        if not plan.goals.exists():
            raise ValidationError(_("Write at least one goal before agreeing the plan."))
        if agreed_on < current_case.opened_on:
            raise ValidationError(
                {"agreed_on": _("The plan cannot be agreed before the case opened.")}
            )
        superseded = list(
            Plan.objects.filter(case=current_case, status=Plan.Status.AGREED).values_list(
                "revision", flat=True
            )
        )
        Plan.objects.filter(case=current_case, status=Plan.Status.AGREED).update(
            status=Plan.Status.SUPERSEDED
        )
        plan.status = Plan.Status.AGREED
        plan.agreed_on = agreed_on
        plan.language = language
        plan.version += 1
        plan.save()
        bump_version(current_case)
        add_event(
            current_case,
            kind=EventKind.PLAN,
            actor=actor,
            summary=_("Plan revision %(rev)s agreed") % {"rev": plan.revision},
        )
        _audit(
            "cases.plan_agreed",
            current_case,
            actor,
            {"revision": plan.revision, "language": language, "superseded": superseded},
        )
    return plan


def revise_plan(case: Case, *, actor: Any, expected_version: int | None = None) -> Plan:
    """A new draft revision, copied from the latest agreed one (statuses included)."""
    require_case(actor, case, Cap.MANAGE_CASES)
    _refuse_if_closed(case)
    with transaction.atomic():
        current_case = locked_case(case)
        old = _locked_plan(current_case, expected_version)
        if old is None:
            raise ValidationError(_("There is no plan to revise yet."))
        if old.is_editable:
            raise ValidationError(_("A draft revision is already open: edit it."))
        new = _copy(old, actor)
        bump_version(current_case)
        add_event(
            current_case,
            kind=EventKind.PLAN,
            actor=actor,
            summary=_("Plan revision %(rev)s started") % {"rev": new.revision},
        )
        _audit(
            "cases.plan_revised",
            current_case,
            actor,
            {"revision": new.revision, "from_revision": old.revision},
        )
    return new


def _copy(old: Plan, actor: Any) -> Plan:
    new = Plan.objects.create(
        case=old.case,
        revision=old.revision + 1,
        status=Plan.Status.DRAFT,
        why_here=old.why_here,
        fears=old.fears,
        work_goal=old.work_goal,
        end_goal=old.end_goal,
        review_on=old.review_on,
        language=old.language,
        written_by=actor,
    )
    for s in old.services.all():
        PlanService.objects.create(
            plan=new,
            service_id=s.service_id,
            description=s.description,
            where_how=s.where_how,
            when=s.when,
            contact=s.contact,
        )
    for g in old.goals.prefetch_related("actions"):
        goal = Goal.objects.create(plan=new, text=g.text, status=g.status)
        for a in g.actions.all():
            PlanAction.objects.create(
                goal=goal,
                text=a.text,
                owner=a.owner,
                owner_user_id=a.owner_user_id,
                due_on=a.due_on,
                status=a.status,
                done_on=a.done_on,
            )
    return new


def update_action_status(
    action: PlanAction,
    *,
    actor: Any,
    status: str,
    done_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> PlanAction:
    """Ticking off an action of the plan in action (draft or agreed, never a superseded one).

    `expected_version` is the version of the action's plan revision the form was shown with:
    a change to that revision since (another action ticked off, the draft rewritten) refuses
    the form instead of overwriting what the other person saw and decided."""
    plan = action.goal.plan
    case = plan.case
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    _refuse_if_closed(case)
    if status not in PlanAction.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses offered.")})
    today = timezone.localdate()
    if status == PlanAction.Status.DONE:
        done_on = done_on or today
        if done_on > today:
            raise ValidationError({"done_on": _("The date cannot be in the future.")})
    else:
        done_on = None
    with transaction.atomic():
        current_case = locked_case(case)
        current = (
            PlanAction.objects.select_for_update().select_related("goal__plan").get(pk=action.pk)
        )
        if current.goal.plan.status == Plan.Status.SUPERSEDED:
            raise ValidationError(
                _("This revision was replaced by a later one: update the current plan.")
            )
        # The case lock above serialises every write to its plans: this read is current.
        if expected_version is not None and current.goal.plan.version != expected_version:
            raise StaleEdit()
        before = current.status
        current.status = status
        current.done_on = done_on
        current.save(update_fields=["status", "done_on"])
        Plan.objects.filter(pk=plan.pk).update(version=current.goal.plan.version + 1)
        bump_version(current_case)
        add_event(
            current_case,
            kind=EventKind.PLAN,
            actor=actor,
            summary=_("Plan action: %(from)s → %(to)s")
            % {
                "from": PlanAction.Status(before).label,
                "to": PlanAction.Status(status).label,
            },
        )
        _audit(
            "cases.plan_action_updated",
            current_case,
            actor,
            {"revision": plan.revision, "action": current.pk, "from": before, "to": status},
        )
    return current


def add_to_plan(
    case: Case,
    *,
    actor: Any,
    service: Service | None = None,
    opportunity: Opportunity | None = None,
    expected_version: int | None = None,
) -> Plan:
    """ "Add to the plan" from the matching page: onto the draft, opening one if needed (the
    first draft, or a new revision of the agreed plan). `expected_version` is the latest
    revision's version the page was shown with (0: no plan yet)."""
    require_case(actor, case, Cap.MANAGE_CASES)
    _refuse_if_closed(case)
    if service is None and opportunity is None:
        raise ValidationError(_("Choose a service or an opportunity."))
    with transaction.atomic():
        current_case = locked_case(case)
        plan = _locked_plan(current_case, expected_version)
        if plan is None:
            plan = Plan.objects.create(
                case=current_case,
                revision=1,
                written_by=actor,
                language=current_case.person.preferred_language or settings.LANGUAGE_CODE,
            )
        elif not plan.is_editable:
            plan = _copy(plan, actor)
        row = _row_for(service, opportunity)
        row.plan = plan
        row.save()
        Plan.objects.filter(pk=plan.pk).update(version=plan.version + 1)
        plan.version += 1
        bump_version(current_case)
        add_event(
            current_case,
            kind=EventKind.PLAN,
            actor=actor,
            summary=_("Plan revision %(rev)s: service added") % {"rev": plan.revision},
        )
        _audit(
            "cases.plan_service_added",
            current_case,
            actor,
            {
                "revision": plan.revision,
                "service": str(service.public_id) if service else None,
                "opportunity": str(opportunity.public_id) if opportunity else None,
            },
        )
    return plan


def _row_for(service: Service | None, opportunity: Opportunity | None) -> PlanService:
    if opportunity is None:
        return _row_from_catalog(service)
    row = _row_from_catalog(opportunity.service or service)
    row.description = opportunity.title[:300]
    dates = [d.strftime("%d/%m/%Y") for d in (opportunity.starts_on, opportunity.ends_on) if d]
    if dates:
        row.when = " – ".join(dates)
    if opportunity.municipality is not None:
        row.where_how = opportunity.municipality.name
    return row


def _row_from_catalog(service: Service | None) -> PlanService:
    """Where, when and whom from the catalog record, for the case manager to check and complete."""
    if service is None:
        return PlanService()
    at = service.service_at_locations.select_related("location").first()
    schedule = service.schedules.exclude(description="").first()
    phone = service.phones.first()
    where = ""
    if at is not None:
        loc = at.location
        where = ", ".join(p for p in (loc.name, loc.address_1, loc.city) if p)
    contact = " · ".join(p for p in (phone.number if phone else "", service.email) if p)
    return PlanService(
        service=service,
        where_how=where[:300],
        when=(schedule.description if schedule else "")[:200],
        contact=contact[:200],
    )


def audit_plan_printed(case: Case, *, actor: Any, plan: Plan, lang: str, fmt: str) -> None:
    with transaction.atomic():
        _audit(
            "cases.plan_printed",
            case,
            actor,
            {"revision": plan.revision, "lang": lang, "format": fmt},
        )
