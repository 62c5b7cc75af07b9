from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule
from ponte.network.models import AccessPoint, Agreement, Membership, Organization, TeamMember
from ponte.network.roles import Cap, Role, has_cap_anywhere


@access_rule("authenticated")
def home(request: AuthedRequest) -> HttpResponse:
    """A landing page that fits the user's roles: what they can do today, and where."""
    user = request.user
    memberships = list(Membership.objects.active().filter(user=user).select_related("organization"))
    roles = {m.role for m in memberships}
    org_ids = [m.organization_id for m in memberships]
    teams = list(
        TeamMember.objects.filter(user=user)
        .select_related("access_point", "access_point__lead_organization")
        .prefetch_related(Prefetch("access_point__sites"))
    )
    agreements_in_force = (
        Agreement.objects.visible_to(user)
        .in_force()
        .select_related("promoter")
        .annotate(n_signatories=Count("signatories"))[:5]
    )
    context = {
        "memberships": memberships,
        "invitations": Membership.objects.pending()
        .filter(user=user)
        .select_related("organization"),
        "teams": teams,
        "is_coordinator": Role.COORDINATOR in roles or user.is_platform_admin,
        "is_org_admin": Role.ORG_ADMIN in roles or user.is_platform_admin,
        "is_analyst_only": roles == {Role.ANALYST},
        "is_field": bool(roles & {Role.OUTREACH_WORKER, Role.CASE_MANAGER, Role.SPECIALIST}),
        "is_partner": Role.PARTNER_OPERATOR in roles,
        "can_audit": has_cap_anywhere(user, Cap.VIEW_AUDIT),
        "agreements_in_force": agreements_in_force,
        "network_figures": {
            "organizations": Organization.objects.filter(is_active=True).count(),
            "access_points": AccessPoint.objects.filter(is_active=True).count(),
            "agreements_in_force": Agreement.objects.in_force().count(),
        },
        "own_signatures": Agreement.objects.visible_to(user)
        .filter(Q(signatories__organization_id__in=org_ids) | Q(promoter_id__in=org_ids))
        .distinct()
        .count(),
    }
    return render(request, "network/home.html", context)
