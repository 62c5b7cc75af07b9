"""Shared helpers of the HSDS tests: a fully filled service, and the official schemas."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from hypothesis import strategies as st

from ponte.catalog.models import (
    Contact,
    CostOption,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceLanguage,
    ServiceTopic,
)
from ponte.catalog.taxonomy import Format, Presence, Stage
from ponte.network.factories import OrganizationFactory, TerritoryFactory
from ponte.network.models import Organization, OrganizationKind, Territory

# The official HSDS files are not part of the project; tests that need them skip elsewhere.
HSDS_DIR = Path(os.environ.get("PONTE_HSDS_DIR", "/work/shared/standards/hsds"))
EXAMPLES = HSDS_DIR / "examples"
# Example files that hold services (the others hold taxonomies, a bare location, a
# service_at_location without its service, or organisations without services).
SERVICE_EXAMPLES = [
    "service_full.json",
    "service_list.json",
    "organization_full.json",
    "service_at_location_list.json",
    "tabular.json",
]


def territories() -> dict[str, Territory]:
    region = TerritoryFactory(level=Territory.Level.REGION, code="03", name="Lombardia")
    province = TerritoryFactory(
        level=Territory.Level.PROVINCE, code="MI", name="Milano", parent=region
    )
    municipality = TerritoryFactory(
        level=Territory.Level.MUNICIPALITY, code="F205", name="Milano", parent=province
    )
    ambito = TerritoryFactory(level=Territory.Level.AMBITO, code="AMB-MI", name="Ambito di Milano")
    return {"region": region, "province": province, "municipality": municipality, "ambito": ambito}


def full_service(organization: Organization | None = None, **fields: Any) -> Service:
    """A service with every table we export filled in (fictitious data)."""
    places = territories()
    org = organization or OrganizationFactory(
        name="Cooperativa fittizia Ponte HSDS",
        kind=OrganizationKind.COOPERATIVE,
        description="Cooperativa di prova.",
        email="info@coop.example",
        website="https://coop.example",
        phone="+39 02 1234567",
    )
    values: dict[str, Any] = {
        "organization": org,
        "name": "Sportello fittizio lavoro e diritti",
        "alternate_name": "Sportello SLD",
        "description": "Orientamento al lavoro e tutela dei diritti.",
        "url": "https://coop.example/sportello",
        "email": "sportello@coop.example",
        "stage": Stage.ACTIVE,
        "presence": Presence.BOTH,
        "format": Format.GROUP,
        "objectives": "Conoscere i propri diritti; scrivere un CV.",
        "duration": "3 mesi",
        "notes": "Su appuntamento.",
        "eligibility_description": "Persone straniere maggiorenni.",
        "minimum_age": 18,
        "maximum_age": 65,
        "application_process": "Telefonare o passare allo sportello.",
        "fees_description": "Gratuito.",
        "open_without_permit": True,
        "last_verified_on": dt.date(2025, 3, 1),
        "verified_by_label": "verifier@coop.example",
        "is_public": True,
        "is_demo": True,
        **fields,
    }
    service = Service.objects.create(**values)
    for area in ("work_guidance", "legal"):
        ServiceTopic.objects.create(service=service, area=area)
    ServiceLanguage.objects.create(service=service, code="it")
    ServiceLanguage.objects.create(service=service, code="ar", note="con mediatrice il martedì")
    service.territories.set([places["province"], places["ambito"]])
    ServiceCapacity.objects.create(
        service=service,
        unit="posti",
        available=3,
        maximum=12,
        description="Posti nel gruppo",
        updated=timezone.make_aware(dt.datetime(2025, 3, 2, 10, 30, 15, 123456)),
    )
    Phone.objects.create(service=service, number="+39 02 7654321", description="Segreteria")
    Contact.objects.create(
        service=service,
        name="Operatrice Fittizia",
        title="Coordinatrice",
        email="operatrice@coop.example",
        phone="+39 333 0000000",
    )
    RequiredDocument.objects.create(service=service, document="Documento d'identità")
    CostOption.objects.create(
        service=service, option="Corso", amount=Decimal("25.50"), amount_description="a modulo"
    )
    Schedule.objects.create(
        service=service,
        byday="MO,WE",
        opens_at=dt.time(9, 0),
        closes_at=dt.time(13, 0),
        description="Mattina",
    )
    location = Location.objects.create(
        organization=org,
        name="Sede centrale fittizia",
        description="Primo piano",
        address_1="Via Finta 1",
        postal_code="20100",
        municipality=places["municipality"],
        city="Milano",
        latitude=Decimal("45.464211"),
        longitude=Decimal("9.191383"),
        transportation="Metro M1",
    )
    sal = ServiceAtLocation.objects.create(
        service=service, location=location, description="Sportello in sede"
    )
    Schedule.objects.create(
        service_at_location=sal,
        byday="TH",
        opens_at=dt.time(14, 0),
        closes_at=dt.time(18, 0),
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 12, 31),
    )
    return service


def load_example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def official_validator(schema_name: str = "service.json") -> Any:
    """A jsonschema validator for a compiled HSDS schema (its $refs resolved locally)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    compiled = HSDS_DIR / "schema" / "compiled"
    registry: Registry = Registry()
    for path in [*compiled.glob("*.json"), *(HSDS_DIR / "schema").glob("*.json")]:
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=_draft())
        registry = registry.with_resource(path.name, resource)
    schema = json.loads((compiled / schema_name).read_text(encoding="utf-8"))
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _draft() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def normalized(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Export minus what legitimately changes on every write (modification times)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "last_modified"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return sorted((strip(s) for s in services), key=lambda s: s["id"])


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Service,
            Organization,
            Location,
            ServiceAtLocation,
            Phone,
            Contact,
            Schedule,
            ServiceCapacity,
        )
    }


# Any JSON value, NaN included (Python's json module reads it).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
