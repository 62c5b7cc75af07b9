"""Open Referral HSDS 3.0: export the catalog as `service` objects, import them back.

How our models map to HSDS (decisions a reader of an export needs to know):

- Ids. Service, location, service_at_location and organisation ids are our `public_id`
  UUIDs. Our other rows have no public id, so their HSDS ids are derived:
  uuid5(PONTE_HSDS_NAMESPACE, "<parent id>/<table>/<position or code>"). The same data
  therefore always exports with the same ids, and an export → import → export round
  trip is exact. Incoming ids of those rows are not kept; re-importing a service
  replaces its phones, contacts, schedules, documents, costs and capacities.
- FairJob map fields (stage, presence, format, objectives, duration, notes, each area,
  open to people without a permit) are `attribute` rows pointing at terms of the Ponte
  taxonomy (`hsds_terms.py`); so are "shown in the public guide" and, in full exports
  only, the internal "fictitious (demo)" flag. The organisation's kind is an attribute
  of the organisation.
- Service areas are our territories: name = territory name, description = its level,
  uri = `urn:ponte:territory:<level>:<code>`; extent and extent_type stay empty. On
  import a service area matches a territory by that uri, else by a unique name.
- Capacity (ServiceCapacity) is exported as `capacities`, in the HSDS 3.1
  `service_capacity` shape with its `unit` object, rather than squeezed into attribute
  values: a 3.0 consumer ignores the extra property (HSDS allows extensions), a 3.1
  consumer reads it as is, and numbers stay numbers.
- A location keeps one address: `address_1`, `city`, `postal_code`; on export
  `state_province` is the province code of its municipality and `country` is IT.
- Staff personal data (contact names, e-mails, phones; who verified the entry) and
  internal flags leave only in a *full* export (`full=True`), which the public API never
  gives.

Not represented in Ponte, so dropped on import and absent from exports: programs,
funding, accessibility, metadata, interpretation_services, accreditations, licences,
alerts, per-location phones/contacts/languages, schedule recurrence beyond weekly days
and hours, phone types, cost-option validity dates, attributes of other taxonomies.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from ponte.catalog.hsds_import import ImportReport, Problem, import_services
from ponte.catalog.hsds_spec import is_email
from ponte.catalog.hsds_terms import term_id, term_object
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
)
from ponte.catalog.taxonomy import LANGUAGE_NAMES
from ponte.network.models import Organization, Territory

__all__ = [
    "PONTE_HSDS_NAMESPACE",
    "ImportReport",
    "Problem",
    "export_services",
    "import_services",
    "service_list_item",
]

# Namespace of the ids we derive for rows that have no public id of their own.
PONTE_HSDS_NAMESPACE = uuid.UUID("4f6e7465-0000-4000-8000-706f6e746502")
TERRITORY_URN = "urn:ponte:territory:"

JSONObject = dict[str, Any]


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(PONTE_HSDS_NAMESPACE, "/".join(str(p) for p in parts)))


def timestamp(value: dt.datetime) -> str:
    """UTC with milliseconds, as the HSDS examples write date-times."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(value: Decimal | int) -> float | int:
    return value if isinstance(value, int) else float(value)


def _put(obj: JSONObject, **values: Any) -> None:
    """Set the optional fields that have a value: empty text and None stay out."""
    for key, value in values.items():
        if value not in ("", None):
            obj[key] = value


def with_related(queryset: QuerySet[Service]) -> QuerySet[Service]:
    """Everything an export reads, in a fixed order (derived ids depend on positions)."""
    by_pk = "pk"
    return queryset.select_related("organization").prefetch_related(
        "topics",
        "languages",
        Prefetch("capacities", queryset=ServiceCapacity.objects.order_by(by_pk)),
        Prefetch("phones", queryset=Phone.objects.order_by(by_pk)),
        Prefetch("contacts", queryset=Contact.objects.order_by(by_pk)),
        Prefetch("required_documents", queryset=RequiredDocument.objects.order_by(by_pk)),
        Prefetch("cost_options", queryset=CostOption.objects.order_by(by_pk)),
        Prefetch("schedules", queryset=Schedule.objects.order_by(by_pk)),
        Prefetch(
            "territories",
            queryset=Territory.objects.order_by("level", "code"),
        ),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related(
                "location__organization", "location__municipality__parent__parent"
            )
            .prefetch_related(Prefetch("schedules", queryset=Schedule.objects.order_by(by_pk)))
            .order_by(by_pk),
        ),
    )


def export_services(queryset: QuerySet[Service], *, full: bool = False) -> list[JSONObject]:
    """HSDS 3.0 `service` objects, fully nested (compiled service schema)."""
    return [service_object(service, full=full) for service in with_related(queryset)]


def service_list_item(service: Service) -> JSONObject:
    """The one-to-one fields of a service, as in the compiled `service_list` schema."""
    obj = _service_fields(service, full=False)
    obj["organization"] = _organization_fields(service.organization)
    return obj


def _service_fields(service: Service, *, full: bool) -> JSONObject:
    obj: JSONObject = {
        "id": str(service.public_id),
        "organization_id": str(service.organization.public_id),
        "name": service.name,
        "status": service.status,
    }
    _put(
        obj,
        alternate_name=service.alternate_name,
        description=service.description,
        url=service.url,
        email=service.email,
        application_process=service.application_process,
        fees_description=service.fees_description,
        eligibility_description=service.eligibility_description,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        assured_date=service.last_verified_on.isoformat() if service.last_verified_on else None,
        last_modified=timestamp(service.updated_at),
    )
    if full and is_email(service.verified_by_label):
        obj["assurer_email"] = service.verified_by_label
    return obj


def service_object(service: Service, *, full: bool = False) -> JSONObject:
    sid = str(service.public_id)
    obj = _service_fields(service, full=full)
    obj["organization"] = organization_object(service.organization)
    obj["phones"] = [
        _phone(derived_id(sid, "phone", i), p.number, p.description)
        for i, p in enumerate(service.phones.all())
    ]
    obj["schedules"] = [
        schedule_object(derived_id(sid, "schedule", i), s)
        for i, s in enumerate(service.schedules.all())
    ]
    obj["service_areas"] = [service_area_object(sid, t) for t in service.territories.all()]
    obj["service_at_locations"] = [
        service_at_location_object(sal) for sal in service.service_at_locations.all()
    ]
    obj["languages"] = [
        language_object(sid, lang.code, lang.note) for lang in service.languages.all()
    ]
    obj["cost_options"] = [
        cost_option_object(derived_id(sid, "cost_option", i), c)
        for i, c in enumerate(service.cost_options.all())
    ]
    obj["required_documents"] = [
        {"id": derived_id(sid, "required_document", i), "document": d.document}
        for i, d in enumerate(service.required_documents.all())
    ]
    obj["contacts"] = [
        contact
        for i, c in enumerate(service.contacts.all())
        if (contact := contact_object(derived_id(sid, "contact", i), c, full=full)) is not None
    ]
    obj["attributes"] = service_attributes(service, full=full)
    obj["capacities"] = [
        capacity_object(derived_id(sid, "service_capacity", i), c)
        for i, c in enumerate(service.capacities.all())
    ]
    return obj


def _organization_fields(org: Organization) -> JSONObject:
    obj: JSONObject = {"id": str(org.public_id), "name": org.name, "description": org.description}
    _put(obj, email=org.email, website=org.website)
    return obj


def organization_object(org: Organization) -> JSONObject:
    oid = str(org.public_id)
    obj = _organization_fields(org)
    obj["phones"] = [_phone(derived_id(oid, "phone", 0), org.phone, "")] if org.phone else []
    obj["attributes"] = [attribute_object(oid, "organization", f"organization_kind:{org.kind}")]
    return obj


def _phone(phone_id: str, number: str, description: str) -> JSONObject:
    obj: JSONObject = {"id": phone_id, "number": number}
    _put(obj, description=description)
    return obj


def schedule_object(schedule_id: str, schedule: Schedule) -> JSONObject:
    obj: JSONObject = {"id": schedule_id}
    _put(
        obj,
        freq="WEEKLY" if schedule.byday else None,
        byday=schedule.byday,
        opens_at=schedule.opens_at.isoformat() if schedule.opens_at else None,
        closes_at=schedule.closes_at.isoformat() if schedule.closes_at else None,
        valid_from=schedule.valid_from.isoformat() if schedule.valid_from else None,
        valid_to=schedule.valid_to.isoformat() if schedule.valid_to else None,
        description=schedule.description,
    )
    return obj


def service_area_object(service_id: str, territory: Territory) -> JSONObject:
    key = f"{territory.level}:{territory.code}"
    return {
        "id": derived_id(service_id, "service_area", key),
        "name": territory.name,
        "description": str(territory.get_level_display()),
        "uri": TERRITORY_URN + key,
    }


def _province(location: Location) -> Territory | None:
    node = location.municipality.parent if location.municipality else None
    return node if node is not None and node.level == Territory.Level.PROVINCE else None


def address_object(location: Location) -> JSONObject:
    province = _province(location)
    city = location.city or (location.municipality.name if location.municipality else "")
    obj: JSONObject = {
        "id": derived_id(location.public_id, "address", 0),
        "address_1": location.address_1,
        "city": city,
        "state_province": province.code if province else "",
        "postal_code": location.postal_code,
        "country": "IT",
        "address_type": location.location_type
        if location.location_type != Location.Kind.VIRTUAL
        else Location.Kind.PHYSICAL,
    }
    region = province.parent if province else None
    _put(obj, region=region.name if region else None)
    return obj


def location_object(location: Location) -> JSONObject:
    obj: JSONObject = {
        "id": str(location.public_id),
        "location_type": location.location_type,
        "organization_id": str(location.organization.public_id),
    }
    _put(
        obj,
        name=location.name,
        description=location.description,
        url=location.url,
        transportation=location.transportation,
        latitude=float(location.latitude) if location.latitude is not None else None,
        longitude=float(location.longitude) if location.longitude is not None else None,
    )
    obj["addresses"] = [address_object(location)] if location.address_1 else []
    return obj


def service_at_location_object(sal: ServiceAtLocation) -> JSONObject:
    sal_id = str(sal.public_id)
    obj: JSONObject = {"id": sal_id}
    _put(obj, description=sal.description)
    obj["schedules"] = [
        schedule_object(derived_id(sal_id, "schedule", i), s)
        for i, s in enumerate(sal.schedules.all())
    ]
    obj["location"] = location_object(sal.location)
    return obj


def language_object(service_id: str, code: str, note: str) -> JSONObject:
    obj: JSONObject = {"id": derived_id(service_id, "language", code), "code": code}
    _put(obj, name=LANGUAGE_NAMES.get(code), note=note)
    return obj


def cost_option_object(option_id: str, cost: CostOption) -> JSONObject:
    obj: JSONObject = {"id": option_id, "currency": cost.currency}
    _put(
        obj,
        option=cost.option,
        amount=_number(cost.amount) if cost.amount is not None else None,
        amount_description=cost.amount_description,
    )
    return obj


def contact_object(contact_id: str, contact: Contact, *, full: bool) -> JSONObject | None:
    """A contact's name, e-mail and phone are staff personal data: full exports only."""
    obj: JSONObject = {"id": contact_id}
    _put(obj, title=contact.title)
    if full:
        _put(obj, name=contact.name, email=contact.email)
        if contact.phone:
            obj["phones"] = [{"id": derived_id(contact_id, "phone", 0), "number": contact.phone}]
    return obj if len(obj) > 1 else None


def capacity_object(capacity_id: str, capacity: ServiceCapacity) -> JSONObject:
    obj: JSONObject = {
        "id": capacity_id,
        "unit": {"id": derived_id("unit", capacity.unit), "name": capacity.unit},
        "available": capacity.available,
        "updated": timestamp(capacity.updated),
    }
    _put(obj, maximum=capacity.maximum, description=capacity.description)
    return obj


def attribute_object(link_id: str, entity: str, code: str, value: str = "") -> JSONObject:
    obj: JSONObject = {
        "id": derived_id(link_id, "attribute", code),
        "link_id": link_id,
        "link_type": code.partition(":")[0],
        "link_entity": entity,
        "taxonomy_term_id": term_id(code),
    }
    _put(obj, value=value)
    obj["taxonomy_term"] = term_object(code)
    return obj


def service_attributes(service: Service, *, full: bool) -> list[JSONObject]:
    sid = str(service.public_id)
    codes: list[tuple[str, str]] = [(f"area:{area}", "") for area in service.areas]
    codes += [
        (f"stage:{service.stage}", ""),
        (f"presence:{service.presence}", ""),
        (f"format:{service.format}", ""),
    ]
    codes += [
        (name, text)
        for name, text in (
            ("objectives", service.objectives),
            ("duration", service.duration),
            ("notes", service.notes),
        )
        if text
    ]
    flags = {
        "open_without_permit": service.open_without_permit,
        "public_guide": service.is_public,
        "demo": full and service.is_demo,
    }
    codes += [(name, "true") for name, on in flags.items() if on]
    return [attribute_object(sid, "service", code, value) for code, value in codes]
