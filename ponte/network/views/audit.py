"""The audit trail as coordinators see it: their organisations' events, filtered, exportable."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from ponte.accounts.http import AuthedRequest
from ponte.audit.models import AuditEvent
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.common.exports import csv_response
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network.forms import AuditFilterForm
from ponte.network.roles import Cap, organizations_with_cap


def _scoped_events(request: AuthedRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    if request.user.is_platform_admin:
        events = AuditEvent.objects.all()
    else:
        org_ids = organizations_with_cap(request.user, Cap.VIEW_AUDIT)
        if not org_ids:
            raise PermissionDenied
        events = AuditEvent.objects.for_organizations(org_ids)
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["action"]:
            events = events.filter(action__icontains=data["action"])
        if data["target"]:
            events = events.filter(target_label__icontains=data["target"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tz))
        if data["date_to"]:
            events = events.filter(at__lte=datetime.combine(data["date_to"], time.max, tz))
    return form, events.order_by("-seq")


@access_rule("capability", Cap.VIEW_AUDIT)
def audit_list(request: AuthedRequest) -> HttpResponse:
    form, events = _scoped_events(request)
    return render_list(
        request,
        "network/audit_list.html",
        {
            "form": form,
            "page": paginate(request, events, per_page=50),
            "querystring": querystring_without_page(request),
        },
    )


@access_rule("capability", Cap.VIEW_AUDIT)
def audit_export(request: AuthedRequest) -> HttpResponse:
    _form, events = _scoped_events(request)
    record(
        "audit.exported",
        actor=request.user,
        data={"filters": sorted(k for k, v in request.GET.items() if v)},
        request=request,
    )
    rows = (
        (
            e.seq,
            e.at.isoformat(),
            e.actor_label,
            e.organization_label,
            e.action,
            e.target_type,
            e.target_label,
            e.ip_address or "",
        )
        for e in events.iterator(chunk_size=2000)
    )
    return csv_response(
        "ponte-audit.csv",
        ["seq", "when", "who", "organisation", "action", "object_type", "object", "ip"],
        rows,
    )
