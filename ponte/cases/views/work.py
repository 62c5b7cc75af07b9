"""Pages of the plan in action: activities, direct support, outcomes and notes.

Gate 1: `Case.objects.visible_to` (404 for outsiders). Gate 2: the capability, checked in the
service on POST and by `_allow` before showing a form (403). Reads are audited per section.
Follow-ups and "my work" are in views/tasks.py.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.accounts.http import AuthedRequest
from ponte.cases.forms.work import (
    ActivityForm,
    AutonomyForm,
    NoteForm,
    OutcomeForm,
    SpendForm,
    SupportForm,
)
from ponte.cases.models import (
    Activity,
    ActivityKind,
    AutonomyAssessment,
    Case,
    Outcome,
    SupportKind,
    SupportMeasure,
)
from ponte.cases.queries_tasks import notes_visible_to, on_team
from ponte.cases.services import work as services
from ponte.cases.services import work_outcomes as outcomes
from ponte.cases.services.core import audit_case_read, can
from ponte.common.access import access_rule
from ponte.network.roles import Cap
from ponte.people.models import Consent


def get_case(request: AuthedRequest, public_id: Any) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "person", "access_point__lead_organization", "case_manager"
        ),
        public_id=public_id,
    )


def allow(request: AuthedRequest, case: Case, cap: Cap) -> None:
    """A form the user could not save is not shown either."""
    if not can(request.user, case, cap):
        raise PermissionDenied(_("You do not have permission for this action."))


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """The service's message next to its field when the form has it, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_page(
    request: AuthedRequest, case: Case, template: str, form: forms.Form, **extra: Any
) -> HttpResponse:
    return render(request, template, {"case": case, "form": form, **extra})


# ---- activities ---------------------------------------------------------------------------------


@access_rule("capability:view_cases", "visible_to: outsiders get 404")
def activity_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    audit_case_read(case, actor=request.user, section="activities")
    activities = Activity.objects.filter(case=case).select_related("done_by")
    labels = dict(ActivityKind.choices)
    totals = [
        {"label": labels.get(row["kind"], row["kind"]), "count": row["n"], "minutes": row["m"]}
        for row in Activity.objects.filter(case=case)
        .values("kind")
        .annotate(n=Count("pk"), m=Sum("minutes"))
        .order_by("kind")
    ]
    return render(
        request,
        "cases/work/activity_list.html",
        {
            "case": case,
            "activities": activities,
            "totals": totals,
            "total_minutes": sum(t["minutes"] or 0 for t in totals),
            "can_add": can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
        },
    )


@access_rule("capability:contribute_to_cases", "visible_to 404, then the capability 403")
def activity_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.CONTRIBUTE_TO_CASES)
    form = ActivityForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_activity(
                case,
                actor=request.user,
                kind=data["kind"],
                done_on=data["done_on"],
                minutes=data["minutes"],
                note=data["note"],
                expected_version=data["version"],
            )
        except ValidationError as e:
            show_errors(form, e)
        else:
            messages.success(request, _("Activity recorded."))
            return redirect("cases:activity_list", case.public_id)
    return form_page(request, case, "cases/work/activity_form.html", form)


# ---- direct support -----------------------------------------------------------------------------


@access_rule("capability:view_cases", "visible_to: outsiders get 404")
def support_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    audit_case_read(case, actor=request.user, section="support")
    measures = (
        SupportMeasure.objects.filter(case=case)
        .select_related("autonomy_assessment")
        .prefetch_related("lines")
    )
    return render(
        request,
        "cases/work/support_list.html",
        {
            "case": case,
            "measures": measures,
            "assessments": AutonomyAssessment.objects.filter(case=case),
            "can_manage": can(request.user, case, Cap.MANAGE_CASES),
        },
    )


@access_rule("capability:manage_cases", "visible_to 404, then the capability 403")
def autonomy_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.MANAGE_CASES)
    form = AutonomyForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_autonomy(
                case,
                actor=request.user,
                assessed_on=data["assessed_on"],
                scores={name: data[name] for name in services.AUTONOMY_DIMENSIONS},
                expected_version=data["version"],
            )
        except ValidationError as e:
            show_errors(form, e)
        else:
            messages.success(request, _("Autonomy assessment recorded."))
            return redirect("cases:support_list", case.public_id)
    return form_page(request, case, "cases/work/autonomy_form.html", form)


@access_rule("capability:manage_cases", "visible_to 404, then the capability 403")
def support_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.MANAGE_CASES)
    assessments = AutonomyAssessment.objects.filter(case=case)
    form = SupportForm(
        request.POST or None, initial={"version": case.version}, assessments=assessments
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_support(
                case,
                actor=request.user,
                data=services.SupportInput(
                    kind=data["kind"],
                    autonomy_assessment=data["autonomy_assessment"],
                    granted_on=data["granted_on"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    amounts=form.amounts(),
                    lines=form.line_amounts() if data["kind"] == SupportKind.BUDGET else {},
                    note=data["note"],
                ),
                expected_version=data["version"],
            )
        except ValidationError as e:
            show_errors(form, e)
        else:
            messages.success(request, _("Support measure recorded."))
            return redirect("cases:support_list", case.public_id)
    return form_page(
        request,
        case,
        "cases/work/support_form.html",
        form,
        has_assessment=assessments.exists(),
    )


@access_rule("capability:manage_cases", "visible_to 404, then the capability 403")
def support_update(request: AuthedRequest, public_id: Any, item_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.MANAGE_CASES)
    measure = get_object_or_404(
        SupportMeasure.objects.filter(case=case).select_related("autonomy_assessment"),
        public_id=item_id,
    )
    measure.case = case
    lines = {line.line: line for line in measure.lines.all()}
    initial: dict[str, Any] = {
        "version": case.version,
        "planned_amount": measure.planned_amount,
        "spent_amount": measure.spent_amount,
    }
    for code, line in lines.items():
        initial[f"{code}_planned_amount"] = line.planned_amount
        initial[f"{code}_spent_amount"] = line.spent_amount
    form = SpendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_support(
                measure,
                actor=request.user,
                amounts=form.amounts(),
                lines=form.line_amounts() if measure.kind == SupportKind.BUDGET else None,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as e:
            show_errors(form, e)
        else:
            messages.success(request, _("Spending recorded."))
            return redirect("cases:support_list", case.public_id)
    return form_page(
        request,
        case,
        "cases/work/support_update.html",
        form,
        measure=measure,
        is_budget=measure.kind == SupportKind.BUDGET,
    )


# ---- outcomes -----------------------------------------------------------------------------------


@access_rule("capability:view_cases", "visible_to: outsiders get 404")
def outcome_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    audit_case_read(case, actor=request.user, section="outcomes")
    return render(
        request,
        "cases/work/outcome_list.html",
        {
            "case": case,
            "outcomes": Outcome.objects.filter(case=case).select_related("legal_basis"),
            "can_manage": can(request.user, case, Cap.MANAGE_CASES),
        },
    )


@access_rule("capability:manage_cases", "visible_to 404, then the capability 403")
def outcome_create(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.MANAGE_CASES)
    # The legal bases offered are those in force on the outcome's date (today until one is sent).
    day = timezone.localdate()
    if request.method == "POST":
        day_field = forms.DateField(required=False)
        with contextlib.suppress(ValidationError):
            day = day_field.clean(request.POST.get("achieved_on")) or day
    form = OutcomeForm(
        request.POST or None,
        initial={"version": case.version},
        legal_bases=outcomes.legal_bases_in_force(day),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcomes.record_outcome(
                case,
                actor=request.user,
                kind=data["kind"],
                achieved_on=data["achieved_on"],
                data=form.kind_data(),
                expected_version=data["version"],
            )
        except ValidationError as e:
            show_errors(form, e)
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect("cases:outcome_list", case.public_id)
    return form_page(request, case, "cases/work/outcome_form.html", form)


# ---- notes --------------------------------------------------------------------------------------


@access_rule("capability:view_cases", "visible_to 404; team notes to the team; writing 403")
def note_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    can_write = can(request.user, case, Cap.CONTRIBUTE_TO_CASES)
    form = NoteForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST":
        allow(request, case, Cap.CONTRIBUTE_TO_CASES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcomes.add_note(
                    case,
                    actor=request.user,
                    body=data["body"],
                    visibility=data["visibility"],
                    expected_version=data["version"],
                )
            except ValidationError as e:
                show_errors(form, e)
            else:
                messages.success(request, _("Note added."))
                return redirect("cases:note_list", case.public_id)
    else:
        audit_case_read(case, actor=request.user, section="notes")
    sharing = (
        Consent.objects.active()
        .filter(person_id=case.person_id, purpose=Consent.Purpose.SHARING)
        .select_related("recipient")
    )
    return render(
        request,
        "cases/work/note_list.html",
        {
            "case": case,
            "notes": notes_visible_to(case, request.user),
            "form": form if can_write else None,
            "on_team": on_team(case, request.user),
            "sharing_with": [c.recipient for c in sharing],
        },
    )
