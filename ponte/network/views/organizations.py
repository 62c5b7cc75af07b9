from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network import services
from ponte.network.forms import OrganizationFilterForm, OrganizationForm
from ponte.network.models import Organization, Territory, can_steward
from ponte.network.queries import organizations_acting_with
from ponte.network.roles import Cap, has_cap_anywhere


@access_rule("member", "directory visible to every signed-in operator")
def organization_list(request: AuthedRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    qs = (
        Organization.objects.visible_to(request.user)
        .select_related("territory")
        .filter(is_active=True)
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(description__icontains=data["q"]))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["province"]:
            province: Territory = data["province"]
            qs = qs.filter(Q(territory=province) | Q(territory__parent=province))
    page = paginate(request, qs)
    return render_list(
        request,
        "network/organization_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": has_cap_anywhere(request.user, Cap.MANAGE_NETWORK),
        },
    )


@access_rule("member", "directory visible to every signed-in operator")
def organization_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.visible_to(request.user).select_related("territory", "managed_by"),
        public_id=public_id,
    )
    access_points = organization.access_points.annotate(n_sites=Count("sites"))
    agreements = organization.signatures.select_related("agreement").filter(
        agreement__in=_visible_agreements(request)
    )
    return render(
        request,
        "network/organization_detail.html",
        {
            "organization": organization,
            "access_points": access_points,
            "signatures": agreements,
            "can_edit": can_steward(request.user, organization),
        },
    )


def _visible_agreements(request: AuthedRequest):  # type: ignore[no-untyped-def]
    from ponte.network.models import Agreement

    return Agreement.objects.visible_to(request.user)


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_http_methods(["GET", "POST"])
def organization_create(request: AuthedRequest) -> HttpResponse:
    choices = organizations_acting_with(request.user, Cap.MANAGE_NETWORK)
    if not choices.exists():
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, steward_choices=choices)
    if request.method == "POST" and form.is_valid():
        organization = form.save(commit=False)
        organization.managed_by = form.cleaned_data["managed_by"]
        try:
            services.save_organization(organization, actor=request.user, changed=form.changed_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect("network:organization_detail", public_id=organization.public_id)
    return render(
        request,
        "network/form.html",
        {
            "form": form,
            "title": _("New organisation"),
            "cancel_href": reverse("network:organization_list"),
        },
    )


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_http_methods(["GET", "POST"])
def organization_edit(request: AuthedRequest, public_id: str) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.visible_to(request.user), public_id=public_id
    )
    if not can_steward(request.user, organization):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_organization(
                form.save(commit=False),
                actor=request.user,
                changed=form.changed_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Organisation saved."))
            return redirect("network:organization_detail", public_id=organization.public_id)
    return render(
        request,
        "network/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": organization.name},
            "cancel_href": reverse("network:organization_detail", args=[organization.public_id]),
        },
    )
