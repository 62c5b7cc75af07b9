"""Follow-ups of a case and "my work", the user's tasks and reminders across their cases."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ponte.accounts.http import AuthedRequest
from ponte.cases import queries_tasks as queries
from ponte.cases.forms.work import FollowUpForm, ScheduleForm
from ponte.cases.models import FollowUp
from ponte.cases.services import work as services
from ponte.cases.services.core import audit_case_read, can
from ponte.cases.views.work import allow, get_case, show_errors
from ponte.common.access import access_rule
from ponte.network.roles import Cap, has_cap_anywhere

# ---- follow-ups ---------------------------------------------------------------------------------


@access_rule("capability:view_cases", "visible_to: outsiders get 404")
def follow_up_list(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    audit_case_read(case, actor=request.user, section="follow_ups")
    rows = list(FollowUp.objects.filter(case=case).select_related("done_by"))
    return render(
        request,
        "cases/work/follow_up_list.html",
        {
            "case": case,
            "planned": [f for f in rows if f.status == FollowUp.Status.PLANNED],
            "done": [f for f in rows if f.status == FollowUp.Status.DONE][::-1],
            "missed": [f for f in rows if f.status == FollowUp.Status.MISSED][::-1],
            "today": timezone.localdate(),
            "schedule_form": ScheduleForm(),
            "can_add": can(request.user, case, Cap.CONTRIBUTE_TO_CASES),
            "can_manage": can(request.user, case, Cap.MANAGE_CASES),
        },
    )


@require_POST
@access_rule("capability:contribute_to_cases", "visible_to 404, then the capability 403")
def follow_up_schedule(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.CONTRIBUTE_TO_CASES)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("cases:follow_up_list", case.public_id)
    try:
        created = services.schedule_follow_ups(
            case,
            actor=request.user,
            count=form.cleaned_data["count"],
            start=form.cleaned_data["start"],
        )
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        if created:
            messages.success(
                request,
                _("%(n)d follow-ups scheduled.") % {"n": len(created)}
                if len(created) != 1
                else _("One follow-up scheduled."),
            )
        else:
            messages.info(request, _("These dates already have a follow-up: nothing added."))
    return redirect("cases:follow_up_list", case.public_id)


@access_rule("capability:contribute_to_cases", "visible_to 404, then the capability 403")
def follow_up_record(request: AuthedRequest, public_id: Any, item_id: Any) -> HttpResponse:
    case = get_case(request, public_id)
    allow(request, case, Cap.CONTRIBUTE_TO_CASES)
    follow_up = get_object_or_404(FollowUp.objects.filter(case=case), public_id=item_id)
    follow_up.case = case
    form = FollowUpForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.record_follow_up(
                follow_up,
                actor=request.user,
                status=data["status"],
                done_on=data["done_on"],
                channel=data["channel"],
                answers={name: data[name] for name in services.ANSWERS},
                note=data["note"],
                expected_version=data["version"],
            )
        except ValidationError as e:
            show_errors(form, e)
        else:
            messages.success(request, _("Follow-up recorded."))
            if result.next_scheduled is not None:
                messages.info(
                    request,
                    _("The next follow-up was scheduled on %(date)s.")
                    % {"date": date_format(result.next_scheduled.due_on, "SHORT_DATE_FORMAT")},
                )
            return redirect("cases:follow_up_list", case.public_id)
    return render(
        request,
        "cases/work/follow_up_form.html",
        {
            "case": case,
            "form": form,
            "follow_up": follow_up,
            "scales": scales(form),
            "auto_next": not case.is_closed,
        },
    )


FEELINGS = [
    gettext_lazy("Very bad"),
    gettext_lazy("Bad"),
    gettext_lazy("So-so"),
    gettext_lazy("Good"),
    gettext_lazy("Very good"),
]
TRUST = [
    gettext_lazy("Not at all"),
    gettext_lazy("A little"),
    gettext_lazy("Somewhat"),
    gettext_lazy("A lot"),
    gettext_lazy("Completely"),
]


def scales(form: FollowUpForm) -> list[dict[str, Any]]:
    """Each answer's five radios with a face (very sad to very happy) and a word for each."""
    rows = []
    for field in form.scales():
        words = TRUST if field.name == "trust" else FEELINGS
        options = [
            {"radio": radio, "src": static(f"ponte/pictograms/face-{n}.svg"), "text": words[n - 1]}
            for n, radio in enumerate(field, start=1)
        ]
        rows.append({"field": field, "options": options})
    return rows


# ---- my work ------------------------------------------------------------------------------------


@access_rule("capability:view_cases", "only the user's own cases (or their PUAs' as coordinator)")
def my_work(request: AuthedRequest) -> HttpResponse:
    if not has_cap_anywhere(request.user, Cap.VIEW_CASES):
        raise PermissionDenied(_("You do not have permission for this action."))
    can_widen = bool(queries.coordinated_organizations(request.user))
    scope = queries.SCOPE_PUA if can_widen and request.GET.get("scope") == "pua" else "mine"
    tasks = queries.tasks_for(request.user, scope=scope)
    groups = [
        (queries.OVERDUE, _("Overdue"), [t for t in tasks if t.bucket == queries.OVERDUE]),
        (queries.SOON, _("Due within 7 days"), [t for t in tasks if t.bucket == queries.SOON]),
        (queries.LATER, _("Later this month"), [t for t in tasks if t.bucket == queries.LATER]),
    ]
    return render(
        request,
        "cases/work/my_work.html",
        {"groups": groups, "scope": scope, "can_widen": can_widen, "total": len(tasks)},
    )
