"""Operators' pages of the catalog: search, detail, edit, "verified today", opportunities, gaps."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ponte.accounts.http import AuthedRequest
from ponte.catalog import services
from ponte.catalog.exports import gap_csv, gap_xlsx
from ponte.catalog.forms import (
    GapFilterForm,
    OpportunityFilterForm,
    OpportunityForm,
    ServiceForm,
    ServiceSearchForm,
    service_formsets,
)
from ponte.catalog.models import Opportunity, Service, ServiceCapacity
from ponte.catalog.needs_registry import collect_needs
from ponte.catalog.queries import gap_matrix, search_services
from ponte.catalog.taxonomy import LANGUAGE_NAMES, Stage
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network.models import Organization, in_the_network
from ponte.network.roles import Cap, organizations_with_cap


def _list_queryset(user: Any) -> QuerySet[Service]:
    return (
        Service.objects.visible_to(user)
        .select_related("organization")
        .prefetch_related(
            "topics",
            "languages",
            "territories",
            Prefetch("capacities", queryset=ServiceCapacity.objects.filter(available__gt=0)),
        )
    )


def _editable_organizations(user: Any) -> QuerySet[Organization]:
    """Organisations whose catalog the user may write: its own, and those its coordinators keep."""
    if getattr(user, "is_platform_admin", False):
        return Organization.objects.all()
    own = organizations_with_cap(user, Cap.MANAGE_CATALOG)
    stewards = organizations_with_cap(user, Cap.MANAGE_NETWORK)
    return Organization.objects.filter(pk__in=own) | Organization.objects.filter(
        managed_by_id__in=stewards
    )


def _require_network(request: AuthedRequest) -> None:
    if not in_the_network(request.user):
        raise PermissionDenied


@access_rule("member", "the catalog is visible to every operator with a role")
def service_list(request: AuthedRequest) -> HttpResponse:
    _require_network(request)
    form = ServiceSearchForm(request.GET or None)
    results = search_services(_list_queryset(request.user), form.filters())
    page = paginate(request, results)
    return render_list(
        request,
        "catalog/service_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "today": timezone.localdate(),
            "language_names": LANGUAGE_NAMES,
            "can_create": _editable_organizations(request.user).exists(),
        },
    )


def _get_service(request: AuthedRequest, public_id: str) -> Service:
    return get_object_or_404(
        Service.objects.visible_to(request.user).select_related("organization"), public_id=public_id
    )


@access_rule("member", "the catalog is visible to every operator with a role")
def service_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    service = _get_service(request, public_id)  # gate 1 first: outsiders learn nothing
    _require_network(request)
    return render(
        request,
        "catalog/service_detail.html",
        {
            "service": service,
            "languages": [
                (lang.code, LANGUAGE_NAMES.get(lang.code, lang.code))
                for lang in service.languages.all()
            ],
            "territories": service.territories.select_related("parent"),
            "capacities": service.capacities.all(),
            "schedules": service.schedules.all(),
            "phones": service.phones.all(),
            "documents": service.required_documents.all(),
            "places": service.service_at_locations.select_related("location__municipality"),
            "opportunities": service.opportunities.open_now(),
            "can_edit": services.can_edit_catalog_of(request.user, service.organization),
            "stale": service.is_stale(),
        },
    )


@access_rule("capability", Cap.MANAGE_CATALOG)
@require_http_methods(["GET", "POST"])
def service_edit(request: AuthedRequest, public_id: str | None = None) -> HttpResponse:
    service = _get_service(request, public_id) if public_id else None
    if service is not None and not services.can_edit_catalog_of(request.user, service.organization):
        raise PermissionDenied
    choices = _editable_organizations(request.user)
    if not choices.exists():
        raise PermissionDenied
    form = ServiceForm(request.POST or None, instance=service, organization_choices=choices)
    parts = service_formsets(request.POST or None, service or Service())
    parts_valid = all(part.is_valid() for part in parts.values() if part.is_bound)
    if request.method == "POST" and form.is_valid() and parts_valid:
        try:
            saved = services.save_service(
                form.save(commit=False),
                actor=request.user,
                areas=form.cleaned_data["areas"],
                languages=form.cleaned_data["languages"],
                territories=form.cleaned_data["territories"],
                expected_version=form.cleaned_data.get("version"),
                changed=form.changed_data,
            )
        except services.StaleEditError:
            form.add_error(
                None,
                _(
                    "Someone else saved this service while you were editing it. "
                    "Reload the page to see their changes; nothing was overwritten."
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # One request transaction (ATOMIC_REQUESTS): parts save with the service or not at all.
            for part in parts.values():
                if part.is_bound:
                    part.instance = saved
                    part.save()
            messages.success(request, _("Service saved."))
            return redirect("catalog:service_detail", public_id=saved.public_id)
    return render(
        request,
        "catalog/service_form.html",
        {
            "form": form,
            "parts": [
                (_("Phones"), parts["phones"]),
                (_("Opening hours"), parts["schedules"]),
                (_("Documents required"), parts["documents"]),
                (_("Seats (capacity)"), parts["capacities"]),
            ],
            "title": _("Edit %(name)s") % {"name": service} if service else _("New service"),
            "cancel_href": reverse("catalog:service_detail", args=[public_id])
            if public_id
            else reverse("catalog:service_list"),
        },
    )


@access_rule("capability", Cap.MANAGE_CATALOG)
@require_POST
def service_verify(request: AuthedRequest, public_id: str) -> HttpResponse:
    service = _get_service(request, public_id)
    services.mark_verified(service, actor=request.user)
    messages.success(request, _("Marked as verified today."))
    return redirect("catalog:service_detail", public_id=public_id)


@access_rule("member", "the catalog is visible to every operator with a role")
def opportunity_list(request: AuthedRequest) -> HttpResponse:
    _require_network(request)
    form = OpportunityFilterForm(request.GET or {"open_only": "on"})
    qs = Opportunity.objects.visible_to(request.user).select_related(
        "organization", "service", "municipality"
    )
    if form.is_valid():
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["open_only"]:
            qs = qs.open_now()
        if form.cleaned_data["without_permit"]:
            qs = qs.filter(open_without_permit=True)
    page = paginate(request, qs)
    return render_list(
        request,
        "catalog/opportunity_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": _editable_organizations(request.user).exists(),
        },
    )


@access_rule("capability", Cap.MANAGE_CATALOG)
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: AuthedRequest, public_id: str | None = None) -> HttpResponse:
    opportunity = (
        get_object_or_404(Opportunity.objects.visible_to(request.user), public_id=public_id)
        if public_id
        else None
    )
    if opportunity is not None and not services.can_edit_catalog_of(
        request.user, opportunity.organization
    ):
        raise PermissionDenied
    choices = _editable_organizations(request.user)
    if not choices.exists():
        raise PermissionDenied
    form = OpportunityForm(request.POST or None, instance=opportunity, organization_choices=choices)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.municipality = form.cleaned_data["place"]
        try:
            services.save_opportunity(item, actor=request.user, changed=form.changed_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect("catalog:opportunity_list")
    return render(
        request,
        "catalog/service_form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": opportunity}
            if opportunity
            else _("New opportunity"),
            "cancel_href": reverse("catalog:opportunity_list"),
        },
    )


def _gap(request: AuthedRequest) -> tuple[GapFilterForm, Any]:
    _require_network(request)
    form = GapFilterForm(request.GET or None)
    within = form.cleaned_data["within"] if form.is_valid() else None
    needs = collect_needs(within=within)  # anonymous counts from the cases app, if installed
    return form, gap_matrix(Service.objects.visible_to(request.user), within=within, needs=needs)


@access_rule("member", "aggregate counts of the catalog, no personal data")
def gap_analysis(request: AuthedRequest) -> HttpResponse:
    form, matrix = _gap(request)
    return render(
        request,
        "catalog/gap_analysis.html",
        {
            "form": form,
            "matrix": matrix,
            "rows": matrix.rows(),
            "stages": Stage.choices,
            "querystring": request.GET.urlencode(),
        },
    )


@access_rule("member", "aggregate counts of the catalog, no personal data")
def gap_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    _form, matrix = _gap(request)
    if fmt == "xlsx":
        return gap_xlsx(matrix)
    return gap_csv(matrix)
