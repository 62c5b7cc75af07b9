"""Writes on the catalog: permission, validation, save and audit in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.catalog.models import Opportunity, Service, ServiceLanguage, ServiceTopic
from ponte.catalog.taxonomy import Area
from ponte.network.models import Organization, Territory, can_steward
from ponte.network.roles import Cap, has_cap


class StaleEditError(Exception):
    """Someone saved the service after the form was opened; nothing was overwritten."""


def can_edit_catalog_of(user: Any, organization: Organization) -> bool:
    """The providing organisation's operators, and the coordinators who keep its record."""
    return has_cap(user, organization, Cap.MANAGE_CATALOG) or can_steward(user, organization)


def require_catalog_editor(user: Any, organization: Organization) -> None:
    if not can_edit_catalog_of(user, organization):
        raise PermissionDenied(_("You do not have permission for this action."))


def search_text_for(service: Service, areas: Iterable[str], languages: Iterable[str]) -> str:
    """Italian and English area names both match: operators search in either."""
    labels = dict(Area.choices)
    names: list[str] = []
    for lang in ("it", "en"):
        with translation.override(lang):
            names.extend(str(labels[a]) for a in areas if a in labels)
    parts = [
        service.name,
        service.alternate_name,
        service.description,
        service.objectives,
        service.eligibility_description,
        service.notes,
        service.organization.name,
        " ".join(names),
        " ".join(languages),
    ]
    return " ".join(p for p in parts if p).lower()


def save_service(
    service: Service,
    *,
    actor: Any,
    areas: Iterable[str],
    languages: Iterable[str] = (),
    territories: Iterable[Territory] = (),
    expected_version: int | None = None,
    changed: Iterable[str] = (),
) -> Service:
    """Create or update a service with its areas, languages and area served."""
    areas = sorted(set(areas))
    languages = sorted({code.strip().lower() for code in languages if code.strip()})
    unknown = [a for a in areas if a not in Area.values]
    if unknown:
        raise ValidationError({"areas": _("Unknown area: %(a)s") % {"a": ", ".join(unknown)}})
    if not areas:
        raise ValidationError({"areas": _("Choose at least one area.")})
    require_catalog_editor(actor, service.organization)
    creating = service.pk is None
    with transaction.atomic():
        if not creating:
            current = (
                Service.objects.select_for_update()
                .select_related("organization")
                .get(pk=service.pk)
            )
            require_catalog_editor(actor, current.organization)
            if expected_version is not None and current.version != expected_version:
                raise StaleEditError
            service.version = current.version + 1
        service.search_text = search_text_for(service, areas, languages)
        service.full_clean(exclude=["search_text"])
        service.save()
        service.topics.exclude(area__in=areas).delete()
        ServiceTopic.objects.bulk_create(
            [ServiceTopic(service=service, area=a) for a in areas], ignore_conflicts=True
        )
        service.languages.exclude(code__in=languages).delete()
        ServiceLanguage.objects.bulk_create(
            [ServiceLanguage(service=service, code=c) for c in languages], ignore_conflicts=True
        )
        service.territories.set(territories)
        record(
            "catalog.service_created" if creating else "catalog.service_updated",
            actor=actor,
            target=service,
            organization=service.organization,
            data={"fields": sorted(changed)},
        )
    return service


def mark_verified(service: Service, *, actor: Any) -> Service:
    """ "Verified today": the provider or a coordinator confirms the entry is still true."""
    require_catalog_editor(actor, service.organization)
    with transaction.atomic():
        service.last_verified_on = timezone.localdate()
        service.verified_by_label = getattr(actor, "email", "")
        service.save(update_fields=["last_verified_on", "verified_by_label", "updated_at"])
        record(
            "catalog.service_verified",
            actor=actor,
            target=service,
            organization=service.organization,
        )
    return service


def save_opportunity(
    opportunity: Opportunity, *, actor: Any, changed: Iterable[str] = ()
) -> Opportunity:
    require_catalog_editor(actor, opportunity.organization)
    if (
        opportunity.service is not None
        and opportunity.service.organization_id != opportunity.organization_id
    ):
        raise ValidationError({"service": _("The service must belong to the same organisation.")})
    creating = opportunity.pk is None
    if not creating:
        previous = Opportunity.objects.select_related("organization").get(pk=opportunity.pk)
        require_catalog_editor(actor, previous.organization)
    with transaction.atomic():
        opportunity.full_clean()
        opportunity.save()
        record(
            "catalog.opportunity_created" if creating else "catalog.opportunity_updated",
            actor=actor,
            target=opportunity,
            organization=opportunity.organization,
            data={"fields": sorted(changed)},
        )
    return opportunity
