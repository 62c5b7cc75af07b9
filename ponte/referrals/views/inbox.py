"""The organisation's inbox (received and sent), and the referrals of one case."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ponte.accounts.http import AuthedRequest
from ponte.cases.models import Case
from ponte.cases.services import core as case_services
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network.roles import Cap, has_cap, has_cap_anywhere
from ponte.referrals.forms import InboxFilterForm
from ponte.referrals.models import OPEN_STATUSES, Referral, Status

AWAITING_ANSWER = (Status.SENT, Status.RECEIVED)


def open_first(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    """Open referrals first, the ones whose answer is due soonest on top; then the closed."""
    return qs.annotate(
        closed_rank=CaseWhen(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("closed_rank", "answer_due_on", "-created_at")


def with_flags(referrals: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "r": r,
            "overdue": r.status in AWAITING_ANSWER
            and r.answer_due_on is not None
            and r.answer_due_on < today,
        }
        for r in referrals
    ]


@access_rule("member", "referrals of the user's organisations (visible_to)")
def inbox(request: AuthedRequest) -> HttpResponse:
    if not has_cap_anywhere(request.user, Cap.VIEW_PERSONAL_DATA):
        raise PermissionDenied
    box = "sent" if request.GET.get("box") == "sent" else "received"
    base = (
        Referral.objects.sent_by(request.user)
        if box == "sent"
        else Referral.objects.inbox_of(request.user)
    )
    form = InboxFilterForm(request.GET or None)
    qs = base.select_related("sender", "receiver", "service", "access_point")
    status = form.value("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if direction := form.value("direction"):
        qs = qs.filter(direction=direction)
    if need := form.value("need"):
        qs = qs.filter(need=need)
    page = paginate(request, open_first(qs))
    return render_list(
        request,
        "referrals/inbox.html",
        {
            "box": box,
            "form": form,
            "page": page,
            "rows": with_flags(page),
            "querystring": querystring_without_page(request),
            "can_signal": has_cap_anywhere(request.user, Cap.REFER),
            "can_see_figures": has_cap_anywhere(request.user, Cap.VIEW_AGGREGATES),
        },
    )


@access_rule("capability:view_cases", "case workers of the case's PUA (Case.visible_to)")
def case_referrals(request: AuthedRequest, public_id: Any) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "person", "access_point", "access_point__lead_organization"
        ),
        public_id=public_id,
    )
    case_services.audit_case_read(case, actor=request.user, section="referrals")
    referrals = open_first(
        Referral.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("sender", "receiver", "service")
    )
    can_refer = has_cap(request.user, case.access_point.lead_organization_id, Cap.MANAGE_CASES)
    return render(
        request,
        "referrals/case_referrals.html",
        {"case": case, "rows": with_flags(referrals), "can_refer": can_refer},
    )
