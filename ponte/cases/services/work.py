"""The plan in action: activities, direct support and follow-ups (outcomes and notes are in
services/work_outcomes.py).

Each function: capability check → rule check → one transaction with the change, the case's
new version, the timeline event (codes and labels only: personal text stays in the encrypted
fields) and the audit record `cases.<thing>_recorded`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.cases.models import (
    Activity,
    AutonomyAssessment,
    BudgetLine,
    Case,
    EventKind,
    FollowUp,
    SupportKind,
    SupportMeasure,
)
from ponte.cases.services.core import add_event, bump_version, locked_case, require_case
from ponte.network.roles import Cap

MAX_MINUTES = 24 * 60
AUTONOMY_DIMENSIONS = ("autonomy", "decisions", "territory", "social_network", "initiative")
WELLBEING_ITEMS = ("wellbeing_general", "wellbeing_work", "wellbeing_housing", "wellbeing_safety")
ANSWERS = ("trust", *WELLBEING_ITEMS)


def audit_work(action: str, case: Case, actor: Any, data: dict[str, Any]) -> None:
    record(
        action,
        actor=actor,
        target=case,
        organization=case.access_point.lead_organization,
        data={"case": str(case.public_id), **data},
    )


def not_future(day: datetime.date | None, name: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({name: _("The date cannot be in the future.")})


def record_change(case: Case, current: Case, *, kind: str, actor: Any, summary: str) -> None:
    """Move the version (so other open forms of the case are refused) and tell the timeline."""
    bump_version(current)
    case.version = current.version
    add_event(current, kind=kind, actor=actor, summary=summary)


# ---- activities ---------------------------------------------------------------------------------


def record_activity(
    case: Case,
    *,
    actor: Any,
    kind: str,
    done_on: datetime.date,
    minutes: int | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Activity:
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    not_future(done_on, "done_on")
    if minutes is not None and not 0 < minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": _("Give the time in minutes, at most one day.")})
    with transaction.atomic():
        current = locked_case(case, expected_version)
        activity = Activity(
            case=current, kind=kind, done_on=done_on, minutes=minutes, note=note, done_by=actor
        )
        activity.full_clean(exclude=["case", "done_by"])
        activity.save()
        record_change(case, current, kind=EventKind.ACTIVITY, actor=actor, summary=kind)
        audit_work(
            "cases.activity_recorded", current, actor, {"activity": activity.pk, "kind": kind}
        )
    return activity


# ---- direct support -----------------------------------------------------------------------------


def record_autonomy(
    case: Case,
    *,
    actor: Any,
    assessed_on: datetime.date,
    scores: dict[str, int],
    expected_version: int | None = None,
) -> AutonomyAssessment:
    require_case(actor, case, Cap.MANAGE_CASES)
    not_future(assessed_on, "assessed_on")
    for name in AUTONOMY_DIMENSIONS:
        value = scores.get(name)
        if value is None or not 1 <= value <= 5:
            raise ValidationError({name: _("Choose a value from 1 to 5.")})
    with transaction.atomic():
        current = locked_case(case, expected_version)
        assessment = AutonomyAssessment.objects.create(
            case=current,
            assessed_on=assessed_on,
            assessed_by=actor,
            **{name: scores[name] for name in AUTONOMY_DIMENSIONS},
        )
        record_change(case, current, kind=EventKind.SUPPORT, actor=actor, summary="autonomy")
        audit_work("cases.autonomy_recorded", current, actor, {"assessment": assessment.pk})
    return assessment


@dataclass
class Amounts:
    planned: Decimal = Decimal("0")
    spent: Decimal = Decimal("0")


@dataclass
class SupportInput:
    kind: str
    autonomy_assessment: AutonomyAssessment | None
    granted_on: datetime.date
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    amounts: Amounts = field(default_factory=Amounts)
    # The individual budget's lines, by BudgetLine.Line code: the measure's totals are their sums.
    lines: dict[str, Amounts] = field(default_factory=dict)
    note: str = ""


def _check_amounts(amounts: Amounts, prefix: str = "") -> None:
    if amounts.planned < 0 or amounts.spent < 0:
        raise ValidationError({f"{prefix}planned_amount": _("Amounts cannot be negative.")})
    if amounts.spent > amounts.planned:
        raise ValidationError(
            {
                f"{prefix}spent_amount": _(
                    "spent is more than planned; raise the planned amount first"
                )
            }
        )


def _totals(data: SupportInput) -> Amounts:
    if data.kind != SupportKind.BUDGET:
        _check_amounts(data.amounts)
        return data.amounts
    unknown = set(data.lines) - set(BudgetLine.Line.values)
    if unknown:
        raise ValidationError(_("Unknown budget line."))
    for code, amounts in data.lines.items():
        _check_amounts(amounts, prefix=f"{code}_")
    return Amounts(
        planned=sum((a.planned for a in data.lines.values()), Decimal("0")),
        spent=sum((a.spent for a in data.lines.values()), Decimal("0")),
    )


def _write_lines(measure: SupportMeasure, lines: dict[str, Amounts]) -> None:
    for code, amounts in lines.items():
        BudgetLine.objects.update_or_create(
            measure=measure,
            line=code,
            defaults={"planned_amount": amounts.planned, "spent_amount": amounts.spent},
        )


def record_support(
    case: Case, *, actor: Any, data: SupportInput, expected_version: int | None = None
) -> SupportMeasure:
    """A measure of direct support rests on an assessment of the person's autonomy."""
    require_case(actor, case, Cap.MANAGE_CASES)
    if not AutonomyAssessment.objects.filter(case=case).exists():
        raise ValidationError(_("Assess the person's autonomy first."))
    if data.autonomy_assessment is None or data.autonomy_assessment.case_id != case.pk:
        raise ValidationError(
            {"autonomy_assessment": _("Choose one of this case's autonomy assessments.")}
        )
    not_future(data.granted_on, "granted_on")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise ValidationError({"ends_on": _("The end comes before the start.")})
    totals = _totals(data)
    with transaction.atomic():
        current = locked_case(case, expected_version)
        measure = SupportMeasure(
            case=current,
            kind=data.kind,
            autonomy_assessment=data.autonomy_assessment,
            granted_on=data.granted_on,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            planned_amount=totals.planned,
            spent_amount=totals.spent,
            note=data.note,
            granted_by=actor,
        )
        measure.full_clean(exclude=["case", "autonomy_assessment", "granted_by"])
        measure.save()
        if data.kind == SupportKind.BUDGET:
            _write_lines(measure, data.lines)
        record_change(case, current, kind=EventKind.SUPPORT, actor=actor, summary=data.kind)
        audit_work(
            "cases.support_recorded", current, actor, {"measure": measure.pk, "kind": data.kind}
        )
    return measure


def update_support(
    measure: SupportMeasure,
    *,
    actor: Any,
    amounts: Amounts,
    lines: dict[str, Amounts] | None = None,
    expected_version: int | None = None,
) -> SupportMeasure:
    """Record spending (and, if needed, a higher planned amount) on a measure."""
    case = measure.case
    require_case(actor, case, Cap.MANAGE_CASES)
    data = SupportInput(
        kind=measure.kind,
        autonomy_assessment=measure.autonomy_assessment,
        granted_on=measure.granted_on,
        amounts=amounts,
        lines=lines or {},
    )
    totals = _totals(data)
    with transaction.atomic():
        current = locked_case(case, expected_version)
        measure.planned_amount = totals.planned
        measure.spent_amount = totals.spent
        measure.save(update_fields=["planned_amount", "spent_amount", "updated_at"])
        if measure.kind == SupportKind.BUDGET:
            _write_lines(measure, data.lines)
        record_change(
            case, current, kind=EventKind.SUPPORT, actor=actor, summary=f"{measure.kind}:spent"
        )
        audit_work(
            "cases.support_recorded", current, actor, {"measure": measure.pk, "update": True}
        )
    return measure


# ---- follow-ups ---------------------------------------------------------------------------------


def _new_follow_ups(case: Case, dates: list[datetime.date]) -> list[FollowUp]:
    taken = set(
        FollowUp.objects.filter(case=case, due_on__in=dates).values_list("due_on", flat=True)
    )
    return [
        FollowUp.objects.create(case=case, due_on=day, after_closure=case.is_closed)
        for day in dates
        if day not in taken
    ]


def schedule_follow_ups(
    case: Case,
    *,
    actor: Any,
    count: int = 3,
    start: datetime.date | None = None,
) -> list[FollowUp]:
    """The next `count` follow-ups at the case's cadence, from `start` (default: one cadence
    from today); a date that already has a follow-up is skipped, not doubled."""
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    if not 1 <= count <= 12:
        raise ValidationError({"count": _("Schedule between 1 and 12 follow-ups.")})
    every = datetime.timedelta(days=max(case.follow_up_every_days, 1))
    first = start or timezone.localdate() + every
    dates = [first + every * i for i in range(count)]
    with transaction.atomic():
        current = locked_case(case)
        created = _new_follow_ups(current, dates)
        if created:
            record_change(case, current, kind=EventKind.FOLLOW_UP, actor=actor, summary="scheduled")
            audit_work(
                "cases.follow_up_recorded",
                current,
                actor,
                {"scheduled": [f.pk for f in created]},
            )
    return created


@dataclass
class FollowUpResult:
    follow_up: FollowUp
    next_scheduled: FollowUp | None = None


def record_follow_up(
    follow_up: FollowUp,
    *,
    actor: Any,
    status: str,
    done_on: datetime.date | None,
    channel: str = "",
    answers: dict[str, int | None] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> FollowUpResult:
    """Done or missed. After a follow-up done with none left planned, an open case gets the next
    one at its cadence, so the person is never forgotten."""
    case = follow_up.case
    require_case(actor, case, Cap.CONTRIBUTE_TO_CASES)
    given: dict[str, int] = {k: v for k, v in (answers or {}).items() if v is not None}
    if status not in (FollowUp.Status.DONE, FollowUp.Status.MISSED):
        raise ValidationError({"status": _("Say whether the follow-up was done or missed.")})
    if status == FollowUp.Status.DONE and done_on is None:
        raise ValidationError({"done_on": _("Give the date of the follow-up.")})
    not_future(done_on, "done_on")
    if status == FollowUp.Status.MISSED and given:
        raise ValidationError(_("A missed follow-up has no answers from the person."))
    for name, value in given.items():
        if name not in ANSWERS or not 1 <= value <= 5:
            raise ValidationError({name: _("Choose a value from 1 to 5.")})
    with transaction.atomic():
        current = locked_case(case, expected_version)
        row = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if row.status != FollowUp.Status.PLANNED:
            raise ValidationError(_("This follow-up is already recorded."))
        row.status = status
        row.done_on = done_on
        row.channel = channel
        row.note = note
        row.done_by = actor
        row.after_closure = row.after_closure or current.is_closed
        for name in ANSWERS:
            setattr(row, name, given.get(name))
        row.full_clean(exclude=["case", "done_by"])
        row.save()
        result = FollowUpResult(row)
        planned_left = FollowUp.objects.filter(case=current, status=FollowUp.Status.PLANNED)
        if status == FollowUp.Status.DONE and not current.is_closed and not planned_left.exists():
            every = datetime.timedelta(days=max(current.follow_up_every_days, 1))
            base = max(done_on or timezone.localdate(), timezone.localdate())
            created = _new_follow_ups(current, [base + every])
            result.next_scheduled = created[0] if created else None
        record_change(case, current, kind=EventKind.FOLLOW_UP, actor=actor, summary=status)
        audit_work(
            "cases.follow_up_recorded",
            current,
            actor,
            {
                "follow_up": row.pk,
                "status": status,
                "after_closure": row.after_closure,
                "next": result.next_scheduled.pk if result.next_scheduled else None,
            },
        )
    follow_up.refresh_from_db()
    return result
