from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ponte.accounts.http import AuthedRequest
from ponte.audit.services import record
from ponte.common.access import access_rule
from ponte.common.views import paginate, querystring_without_page, render_list
from ponte.network import services
from ponte.network.forms import (
    AccessPointFilterForm,
    AccessPointForm,
    SiteForm,
    TeamMemberForm,
    users_of,
)
from ponte.network.models import (
    AccessPoint,
    Organization,
    Site,
    TeamMember,
    _steward_q,
    can_steward,
)
from ponte.network.roles import Cap, has_cap, has_cap_anywhere


def _lead_choices(request: AuthedRequest):  # type: ignore[no-untyped-def]
    if request.user.is_platform_admin:
        return Organization.objects.all()
    return Organization.objects.filter(_steward_q(request.user))


def _get_access_point(request: AuthedRequest, public_id: str) -> AccessPoint:
    return get_object_or_404(
        AccessPoint.objects.visible_to(request.user).select_related("lead_organization"),
        public_id=public_id,
    )


@access_rule("member", "directory visible to every signed-in operator")
def access_point_list(request: AuthedRequest) -> HttpResponse:
    form = AccessPointFilterForm(request.GET or None)
    qs = (
        AccessPoint.objects.visible_to(request.user)
        .select_related("lead_organization")
        .prefetch_related("ambiti", "sites")
        .filter(is_active=True)
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            qs = qs.filter(Q(name__icontains=q) | Q(lead_organization__name__icontains=q))
        if form.cleaned_data["province"]:
            qs = qs.filter(ambiti__parent=form.cleaned_data["province"]).distinct()
    page = paginate(request, qs)
    return render_list(
        request,
        "network/access_point_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": has_cap_anywhere(request.user, Cap.MANAGE_NETWORK),
        },
    )


@access_rule("member", "directory visible to every signed-in operator")
def access_point_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    access_point = _get_access_point(request, public_id)
    return render(
        request,
        "network/access_point_detail.html",
        {
            "ap": access_point,
            "sites": access_point.sites.select_related("municipality"),
            "team": access_point.team.select_related("user"),
            "ambiti": access_point.ambiti.select_related("parent"),
            "can_edit": can_steward(request.user, access_point.lead_organization),
            "can_manage_team": has_cap(
                request.user, access_point.lead_organization, Cap.MANAGE_MEMBERS
            ),
        },
    )


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_http_methods(["GET", "POST"])
def access_point_edit(request: AuthedRequest, public_id: str | None = None) -> HttpResponse:
    access_point = _get_access_point(request, public_id) if public_id else None
    if access_point is not None and not can_steward(request.user, access_point.lead_organization):
        raise PermissionDenied
    choices = _lead_choices(request)
    if not choices.exists():
        raise PermissionDenied
    form = AccessPointForm(
        request.POST or None,
        instance=access_point,
        lead_choices=choices,
        initial={"ambiti": list(access_point.ambiti.all())} if access_point else None,
    )
    if request.method == "POST" and form.is_valid():
        saved = services.save_access_point(
            form.save(commit=False),
            actor=request.user,
            ambiti=form.cleaned_data["ambiti"],
            changed=form.changed_data,
        )
        messages.success(request, _("Access point saved."))
        return redirect("network:access_point_detail", public_id=saved.public_id)
    return render(
        request,
        "network/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": access_point}
            if access_point
            else _("New access point (PUA)"),
            "cancel_href": reverse("network:access_point_detail", args=[public_id])
            if public_id
            else reverse("network:access_point_list"),
        },
    )


@access_rule("capability", Cap.MANAGE_NETWORK)
@require_http_methods(["GET", "POST"])
def site_edit(request: AuthedRequest, public_id: str, site_id: int | None = None) -> HttpResponse:
    access_point = _get_access_point(request, public_id)
    site = get_object_or_404(Site, pk=site_id, access_point=access_point) if site_id else None
    if not can_steward(request.user, access_point.lead_organization):
        raise PermissionDenied
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            new_site = form.save(commit=False)
            new_site.access_point = access_point
            new_site.save()
            record(
                "network.site_saved",
                actor=request.user,
                target=access_point,
                organization=access_point.lead_organization,
                data={"site": new_site.pk, "fields": form.changed_data},
            )
        messages.success(request, _("Site saved."))
        return redirect("network:access_point_detail", public_id=public_id)
    return render(
        request,
        "network/form.html",
        {
            "form": form,
            "title": _("Site of %(name)s") % {"name": access_point},
            "cancel_href": reverse("network:access_point_detail", args=[public_id]),
        },
    )


@access_rule("capability", Cap.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def team_add(request: AuthedRequest, public_id: str) -> HttpResponse:
    access_point = _get_access_point(request, public_id)
    if not has_cap(request.user, access_point.lead_organization, Cap.MANAGE_MEMBERS):
        raise PermissionDenied
    form = TeamMemberForm(
        request.POST or None, user_choices=users_of([access_point.lead_organization_id])
    )
    if request.method == "POST" and form.is_valid():
        services.add_team_member(
            actor=request.user,
            access_point=access_point,
            user=form.cleaned_data["user"],
            professional_role=form.cleaned_data["professional_role"],
            languages=form.cleaned_data["languages"],
        )
        messages.success(request, _("Team member added."))
        return redirect("network:access_point_detail", public_id=public_id)
    return render(
        request,
        "network/form.html",
        {
            "form": form,
            "title": _("Team of %(name)s") % {"name": access_point},
            "cancel_href": reverse("network:access_point_detail", args=[public_id]),
        },
    )


@access_rule("capability", Cap.MANAGE_MEMBERS)
@require_POST
def team_remove(request: AuthedRequest, public_id: str, member_id: int) -> HttpResponse:
    access_point = _get_access_point(request, public_id)
    member = get_object_or_404(TeamMember, pk=member_id, access_point=access_point)
    services.remove_team_member(member, actor=request.user)
    messages.success(request, _("Team member removed."))
    return redirect("network:access_point_detail", public_id=public_id)
