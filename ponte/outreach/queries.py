"""Reads of outreach that take the user: scopes, "the team", the coordinator's dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from ponte.network.models import AccessPoint, TeamMember
from ponte.network.roles import Cap, organizations_with_cap
from ponte.outreach.codes import ISIC_SECTION, Method, PlaceKind, Sector
from ponte.outreach.models import Contact, Outing, OutingMaterial, Place


def data_orgs(user: Any) -> list[int] | None:
    """Organisations whose outreach records the user sees; None = all (platform admin)."""
    if getattr(user, "is_platform_admin", False):
        return None
    return organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA)


def dashboard_orgs(user: Any) -> list[int] | None:
    """The dashboard shows counts only: personal-data roles and analysts (aggregates)."""
    if getattr(user, "is_platform_admin", False):
        return None
    return sorted(
        set(organizations_with_cap(user, Cap.VIEW_PERSONAL_DATA))
        | set(organizations_with_cap(user, Cap.VIEW_AGGREGATES))
    )


def access_points_for(org_ids: list[int] | None) -> QuerySet[AccessPoint]:
    qs = AccessPoint.objects.order_by("name")
    return qs if org_ids is None else qs.filter(lead_organization_id__in=org_ids)


def team_access_point_ids(user: Any) -> set[int]:
    """The PUAs whose team the user is in: only the team reads aliases and logbooks."""
    return set(TeamMember.objects.filter(user=user).values_list("access_point_id", flat=True))


def in_outing_team(user: Any, outing: Outing) -> bool:
    if outing.created_by_id == user.pk or outing.access_point_id in team_access_point_ids(user):
        return True
    return outing.team.filter(pk=user.pk).exists()


def with_times_seen_before(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    """Annotate `seen_before`: earlier contacts of the same PUA with the same alias key.
    One correlated subquery, so a list page stays at a fixed number of queries."""
    earlier = (
        Contact.objects.filter(
            access_point=OuterRef("access_point"),
            alias_key=OuterRef("alias_key"),
            met_at__lt=OuterRef("met_at"),
        )
        .exclude(alias_key="")
        .order_by()
        .values("access_point")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        seen_before=Coalesce(Subquery(earlier, output_field=IntegerField()), Value(0))
    )


def sees_alias(user: Any, contact: Contact, team_aps: set[int]) -> bool:
    return contact.created_by_id == user.pk or contact.access_point_id in team_aps


@dataclass
class Dashboard:
    outings: int = 0
    contacts: int = 0
    # Rows of label/count pairs or dicts; labels are lazy translations.
    by_month: list[Any] = field(default_factory=list)
    by_method: list[Any] = field(default_factory=list)
    by_place: list[Any] = field(default_factory=list)
    by_team_member: list[Any] = field(default_factory=list)
    contacts_by_place_kind: list[Any] = field(default_factory=list)
    contacts_by_sector: list[Any] = field(default_factory=list)
    contacts_by_nationality: list[Any] = field(default_factory=list)
    materials_by_language: list[Any] = field(default_factory=list)
    with_alias: int = 0
    distinct_people: int = 0
    people_seen_again: int = 0
    funnel: list[tuple[str, int]] = field(default_factory=list)

    @property
    def repeat_contacts(self) -> int:
        """Contacts with a person already met before (same alias in the same PUA)."""
        return self.with_alias - self.distinct_people

    @property
    def repeat_rate(self) -> float | None:
        """Share of the people met with an alias who were met more than once."""
        return self.people_seen_again / self.distinct_people if self.distinct_people else None


def dashboard(
    org_ids: list[int] | None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    access_point: AccessPoint | None = None,
) -> Dashboard:
    outings = Outing.objects.all()
    contacts = Contact.objects.all()
    if org_ids is not None:
        outings = outings.visible_to_organizations(org_ids)
        contacts = contacts.visible_to_organizations(org_ids)
    if date_from:
        outings = outings.filter(date__gte=date_from)
        contacts = contacts.filter(met_at__date__gte=date_from)
    if date_to:
        outings = outings.filter(date__lte=date_to)
        contacts = contacts.filter(met_at__date__lte=date_to)
    if access_point is not None:
        outings = outings.filter(access_point=access_point)
        contacts = contacts.filter(access_point=access_point)

    d = Dashboard(outings=outings.count(), contacts=contacts.count())
    d.by_month = list(
        outings.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    methods = dict(outings.values_list("method").annotate(n=Count("pk")).order_by())
    d.by_method = [(label, methods.get(value, 0)) for value, label in Method.choices]
    d.by_place = list(
        Place.objects.filter(outings__in=outings)
        .values("public_id", "name", "kind")
        .annotate(n=Count("outings", distinct=True))
        .order_by("-n", "name")[:20]
    )
    kinds = dict(PlaceKind.choices)
    for row in d.by_place:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
    d.by_team_member = list(
        outings.filter(team__isnull=False)
        .values(member=F("team__full_name"), email=F("team__email"))
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "member")[:20]
    )
    by_kind = dict(
        contacts.filter(outing__places__isnull=False)
        .values_list("outing__places__kind")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    d.contacts_by_place_kind = [
        (label, by_kind[value]) for value, label in PlaceKind.choices if by_kind.get(value)
    ]
    sectors = dict(contacts.values_list("sector").annotate(n=Count("pk")).order_by())
    d.contacts_by_sector = [
        (label, ISIC_SECTION.get(value, ""), sectors.get(value, 0))
        for value, label in [*Sector.choices, ("", "—")]
        if sectors.get(value)
    ]
    d.contacts_by_nationality = list(
        contacts.values_list("nationality").annotate(n=Count("pk")).order_by("-n", "nationality")
    )[:30]
    materials = OutingMaterial.objects.filter(outing__in=outings)
    d.materials_by_language = list(
        materials.values("language").annotate(quantity=Sum("quantity")).order_by("-quantity")
    )
    aliased = contacts.exclude(alias_key="")
    d.with_alias = aliased.count()
    per_person = aliased.values("alias_key").annotate(n=Count("pk")).order_by()
    d.distinct_people = per_person.count()
    d.people_seen_again = per_person.filter(n__gt=1).count()
    d.funnel = [
        ("contacts", d.contacts),
        ("consent", contacts.filter(consent_recontact=True).count()),
        ("engaged", contacts.filter(engaged_at__isnull=False).count()),
        ("case", contacts.filter(case_ref__isnull=False).count()),
    ]
    return d
