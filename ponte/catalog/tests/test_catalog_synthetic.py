from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db.models import F

from ponte.catalog.factories import ServiceFactory
from ponte.catalog.models import Opportunity, Service, ServiceCapacity
from ponte.catalog.synthetic import SERVICES
from ponte.network.management.synthetic import SOURCE_PREFIX


def generate(seed: int) -> str:
    out = StringIO()
    call_command("generate_data", "--scale=small", f"--seed={seed}", "--no-progress", stdout=out)
    return out.getvalue()


def fingerprint() -> dict[str, list[Any]]:
    """Everything a seed decides about the catalog, by name rather than by primary key."""
    services = Service.objects.filter(source__startswith=SOURCE_PREFIX)
    return {
        "services": sorted(
            services.values_list(
                "name",
                "organization__name",
                "stage",
                "status",
                "presence",
                "is_public",
                "open_without_permit",
                "last_verified_on",
                "search_text",
            )
        ),
        "areas": sorted(services.values_list("name", "topics__area")),
        "languages": sorted(
            services.exclude(languages=None).values_list("name", "languages__code")
        ),
        "places": sorted(services.values_list("name", "territories__code")),
        "capacities": sorted(
            ServiceCapacity.objects.filter(service__in=services).values_list(
                "service__name", "unit", "available", "maximum"
            )
        ),
        "opportunities": sorted(
            Opportunity.objects.filter(service__in=services).values_list(
                "title", "service__name", "kind", "starts_on", "seats_total", "seats_available"
            )
        ),
    }


def test_same_seed_same_catalog_other_seed_other_catalog(db) -> None:
    kept = ServiceFactory(name="Servizio non sintetico (fittizio)")
    generate(1)
    first = fingerprint()
    assert len(first["services"]) == SERVICES["small"]
    assert first["opportunities"] and first["capacities"] and first["languages"]

    output = generate(1)  # replaces the first run's rows with the same ones
    assert f"services {SERVICES['small']}" in output
    assert fingerprint() == first

    generate(2)
    other = fingerprint()
    assert other["services"] != first["services"]
    assert other["opportunities"] != first["opportunities"]
    assert Service.objects.filter(pk=kept.pk).exists()


def test_small_scale_is_marked_and_spread(db) -> None:
    generate(3)
    services = Service.objects.filter(source__startswith=SOURCE_PREFIX)
    assert not services.filter(is_demo=False).exists()
    assert all("(fittizio)" in name for name in services.values_list("name", flat=True))
    assert services.filter(is_public=True).exists()
    assert services.stale().exists() and services.exclude(pk__in=services.stale()).exists()
    assert set(services.values_list("territories__level", flat=True)) >= {"ambito", "province"}
    assert len(set(services.values_list("topics__area", flat=True))) >= 12
    # Every opportunity belongs to its service's provider.
    mismatched = Opportunity.objects.filter(service__in=services).exclude(
        organization=F("service__organization")
    )
    assert not mismatched.exists()
