"""The network of a territory: members by kind, agreements in force, PUAs and teams."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from ponte.accounts.http import AuthedRequest
from ponte.common.access import access_rule
from ponte.network.models import (
    KIND_GROUP_LABELS,
    KIND_GROUPS,
    AccessPoint,
    Agreement,
    Organization,
    TeamMember,
    Territory,
)


def _subtree_q(territory: Territory, field: str = "territory") -> Q:
    """Objects placed in this territory or up to three levels below it."""
    q = Q(**{field: territory})
    path = field
    for _level in range(3):
        path += "__parent"
        q |= Q(**{path: territory})
    return q


@access_rule("member", "directory visible to every signed-in operator")
def network_overview(request: AuthedRequest, territory_id: int | None = None) -> HttpResponse:
    regions = Territory.objects.filter(level=Territory.Level.REGION)
    if territory_id is None:
        territory = regions.first()
        if territory is None:
            return render(request, "network/overview.html", {"territory": None})
    else:
        territory = get_object_or_404(
            Territory.objects.exclude(level="municipality"), pk=territory_id
        )
    orgs = Organization.objects.visible_to(request.user).filter(
        _subtree_q(territory), is_active=True
    )
    counts = dict(orgs.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    groups = [
        {"label": KIND_GROUP_LABELS[group], "count": sum(counts.get(k, 0) for k in kinds)}
        for group, kinds in KIND_GROUPS.items()
    ]
    ambito_ids = Territory.objects.filter(
        Q(pk=territory.pk) | Q(parent=territory) | Q(parent__parent=territory), level="ambito"
    ).values("pk")
    access_points = (
        AccessPoint.objects.visible_to(request.user)
        .filter(Q(ambiti__in=ambito_ids) | Q(lead_organization__in=orgs.values("pk")))
        .distinct()
        .select_related("lead_organization")
        .prefetch_related(
            "sites",
            Prefetch("team", queryset=TeamMember.objects.select_related("user")),
        )
    )
    agreements = (
        Agreement.objects.visible_to(request.user)
        .in_force()
        .filter(_subtree_q(territory))
        .select_related("promoter")
        .annotate(n_signatories=Count("signatories"))
    )
    children = territory.children.exclude(level="municipality").order_by("name")
    return render(
        request,
        "network/overview.html",
        {
            "territory": territory,
            "ancestors": _ancestors(territory),
            "children": children,
            "regions": regions,
            "groups": groups,
            "total_orgs": sum(counts.values()),
            "access_points": access_points,
            "agreements": agreements,
        },
    )


def _ancestors(territory: Territory) -> list[Territory]:
    chain: list[Territory] = []
    node = territory.parent
    while node is not None:
        chain.insert(0, node)
        node = node.parent
    return chain
