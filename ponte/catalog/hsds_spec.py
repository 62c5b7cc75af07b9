"""The HSDS 3.0 tables as Python data, and the conformance check built on them.

Written from the field tables of Open Referral HSDS 3.0 (required fields, enums, types),
not copied from the schema files: a fresh clone of Ponte has no copy of the standard,
and the check must work there. Tests additionally validate against the official JSON
schemas when they are available.

Two extensions, both documented in `hsds.py`: `service.capacities` uses the HSDS 3.1
`service_capacity` shape (with its `unit` object), and nothing else is added.

Unknown properties are allowed (HSDS lets publishers extend objects); `null` is refused
in strict mode (our own export) and read as "absent" in lenient mode (incoming data,
where null is common and harmless).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeGuard

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

HSDS_VERSION = "3.0"

# Scalar kinds. "number" is a JSON number and never a boolean, as in JSON Schema.
STRING = "string"
UUID = "uuid"
NUMBER = "number"
EMAIL = "email"
URI = "uri"
DATETIME = "datetime"


@dataclass(frozen=True)
class Field:
    kind: str = STRING
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Child:
    """A nested table: an array of rows, or a single object (`many=False`)."""

    table: str
    many: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    fields: dict[str, Field]
    required: tuple[str, ...] = ("id",)
    tabular_required: tuple[str, ...] = ()
    children: dict[str, Child] = field(default_factory=dict)


def _f(*names: str, kind: str = STRING) -> dict[str, Field]:
    return {name: Field(kind) for name in names}


_LOCATION_TYPES = ("physical", "postal", "virtual")
_COMMON = {"attributes": Child("attribute"), "metadata": Child("metadata")}

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "organization",
            "organizations.csv",
            {
                **_f("id", "parent_organization_id", kind=UUID),
                **_f("name", "alternate_name", "description", "tax_status", "tax_id"),
                **_f("legal_status", "logo"),
                "email": Field(EMAIL),
                "website": Field(URI),
                "uri": Field(URI),
                "year_incorporated": Field(NUMBER),
            },
            required=("id", "name", "description"),
            children={
                "funding": Child("funding"),
                "contacts": Child("contact"),
                "phones": Child("phone"),
                "locations": Child("location"),
                "programs": Child("program"),
                "organization_identifiers": Child("organization_identifier"),
                **_COMMON,
            },
        ),
        Table(
            "service",
            "services.csv",
            {
                **_f("id", "organization_id", "program_id", kind=UUID),
                **_f("name", "alternate_name", "description", "interpretation_services"),
                **_f("application_process", "fees_description", "wait_time", "fees"),
                **_f("accreditations", "eligibility_description", "assured_date", "licenses"),
                "alert": Field(),
                "url": Field(URI),
                "email": Field(EMAIL),
                "assurer_email": Field(EMAIL),
                "status": Field(STRING, ("active", "inactive", "defunct", "temporarily closed")),
                "minimum_age": Field(NUMBER),
                "maximum_age": Field(NUMBER),
                "last_modified": Field(DATETIME),
            },
            required=("id", "name", "status"),
            tabular_required=("organization_id",),
            children={
                "organization": Child("organization", many=False),
                "program": Child("program", many=False),
                "phones": Child("phone"),
                "schedules": Child("schedule"),
                "service_areas": Child("service_area"),
                "service_at_locations": Child("service_at_location"),
                "languages": Child("language"),
                "funding": Child("funding"),
                "cost_options": Child("cost_option"),
                "required_documents": Child("required_document"),
                "contacts": Child("contact"),
                "capacities": Child("service_capacity"),  # HSDS 3.1 shape, see module doc
                **_COMMON,
            },
        ),
        Table(
            "location",
            "locations.csv",
            {
                **_f("id", "organization_id", kind=UUID),
                **_f("name", "alternate_name", "description", "transportation"),
                **_f("external_identifier", "external_identifier_type"),
                "location_type": Field(STRING, _LOCATION_TYPES),
                "url": Field(URI),
                "latitude": Field(NUMBER),
                "longitude": Field(NUMBER),
            },
            required=("id", "location_type"),
            children={
                "languages": Child("language"),
                "addresses": Child("address"),
                "contacts": Child("contact"),
                "accessibility": Child("accessibility"),
                "phones": Child("phone"),
                "schedules": Child("schedule"),
                **_COMMON,
            },
        ),
        Table(
            "service_at_location",
            "service_at_location.csv",
            {**_f("id", "service_id", "location_id", kind=UUID), "description": Field()},
            tabular_required=("service_id", "location_id"),
            children={
                "contacts": Child("contact"),
                "phones": Child("phone"),
                "schedules": Child("schedule"),
                "location": Child("location", many=False),
                **_COMMON,
            },
        ),
        Table(
            "address",
            "addresses.csv",
            {
                **_f("id", "location_id", kind=UUID),
                **_f("attention", "address_1", "address_2", "city", "region"),
                **_f("state_province", "postal_code", "country"),
                "address_type": Field(STRING, _LOCATION_TYPES),
            },
            required=(
                "id",
                "address_1",
                "city",
                "state_province",
                "postal_code",
                "country",
                "address_type",
            ),
            children=dict(_COMMON),
        ),
        Table(
            "phone",
            "phones.csv",
            {
                **_f("id", "location_id", "service_id", "organization_id", kind=UUID),
                **_f("contact_id", "service_at_location_id", kind=UUID),
                **_f("number", "type", "description"),
                "extension": Field(NUMBER),
            },
            required=("id", "number"),
            children={"languages": Child("language"), **_COMMON},
        ),
        Table(
            "schedule",
            "schedules.csv",
            {
                **_f("id", "service_id", "location_id", "service_at_location_id", kind=UUID),
                **_f("valid_from", "valid_to", "dtstart", "until", "byday", "byweekno"),
                **_f("bymonthday", "byyearday", "description", "opens_at", "closes_at"),
                **_f("attending_type", "notes"),
                **_f("timezone", "count", "interval", kind=NUMBER),
                "wkst": Field(STRING, ("MO", "TU", "WE", "TH", "FR", "SA", "SU")),
                "freq": Field(STRING, ("WEEKLY", "MONTHLY")),
                "schedule_link": Field(URI),
            },
            children=dict(_COMMON),
        ),
        Table(
            "service_area",
            "service_areas.csv",
            {
                **_f("id", "service_id", kind=UUID),
                **_f("name", "description", "extent", "extent_type", "uri"),
            },
            children=dict(_COMMON),
        ),
        Table(
            "language",
            "languages.csv",
            {
                **_f("id", "service_id", "location_id", "phone_id", kind=UUID),
                **_f("name", "code", "note"),
            },
            children=dict(_COMMON),
        ),
        Table(
            "funding",
            "funding.csv",
            {**_f("id", "organization_id", "service_id", kind=UUID), "source": Field()},
            children=dict(_COMMON),
        ),
        Table(
            "accessibility",
            "accessibility.csv",
            {
                **_f("id", "location_id", kind=UUID),
                **_f("description", "details"),
                "url": Field(URI),
            },
            children=dict(_COMMON),
        ),
        Table(
            "cost_option",
            "cost_options.csv",
            {
                **_f("id", "service_id", kind=UUID),
                **_f("valid_from", "valid_to", "option", "currency", "amount_description"),
                "amount": Field(NUMBER),
            },
            tabular_required=("service_id",),
            children=dict(_COMMON),
        ),
        Table(
            "program",
            "programs.csv",
            {
                **_f("id", "organization_id", kind=UUID),
                **_f("name", "alternate_name", "description"),
            },
            required=("id", "name", "description"),
            tabular_required=("organization_id",),
            children=dict(_COMMON),
        ),
        Table(
            "required_document",
            "required_documents.csv",
            {**_f("id", "service_id", kind=UUID), "document": Field(), "uri": Field(URI)},
            children=dict(_COMMON),
        ),
        Table(
            "contact",
            "contacts.csv",
            {
                **_f("id", "organization_id", "service_id", kind=UUID),
                **_f("service_at_location_id", "location_id", kind=UUID),
                **_f("name", "title", "department"),
                "email": Field(EMAIL),
            },
            children={"phones": Child("phone"), **_COMMON},
        ),
        Table(
            "organization_identifier",
            "organization_identifiers.csv",
            {
                **_f("id", "organization_id", kind=UUID),
                **_f("identifier_scheme", "identifier_type", "identifier"),
            },
            required=("id", "identifier_type", "identifier"),
            tabular_required=("organization_id",),
            children=dict(_COMMON),
        ),
        Table(
            "attribute",
            "attributes.csv",
            {
                **_f("id", "link_id", "taxonomy_term_id", kind=UUID),
                **_f("link_type", "link_entity", "value"),
            },
            tabular_required=("link_id", "taxonomy_term_id", "link_entity"),
            children={
                "taxonomy_term": Child("taxonomy_term", many=False),
                "metadata": Child("metadata"),
            },
        ),
        Table(
            "metadata",
            "metadata.csv",
            {
                **_f("id", "resource_id", kind=UUID),
                **_f("resource_type", "last_action_date", "last_action_type", "field_name"),
                **_f("previous_value", "replacement_value", "updated_by"),
            },
            required=(
                "id",
                "last_action_date",
                "last_action_type",
                "field_name",
                "previous_value",
                "replacement_value",
                "updated_by",
            ),
            tabular_required=("resource_id", "resource_type"),
        ),
        Table(
            "meta_table_description",
            "meta_table_descriptions.csv",
            {**_f("id", kind=UUID), **_f("name", "language", "character_set")},
            children=dict(_COMMON),
        ),
        Table(
            "taxonomy",
            "taxonomies.csv",
            {**_f("id", kind=UUID), **_f("name", "description", "version"), "uri": Field(URI)},
            required=("id", "name", "description"),
            children={"metadata": Child("metadata")},
        ),
        Table(
            "taxonomy_term",
            "taxonomy_terms.csv",
            {
                **_f("id", "parent_id", "taxonomy_id", kind=UUID),
                **_f("code", "name", "description", "taxonomy", "language"),
                "term_uri": Field(URI),
            },
            required=("id", "name", "description"),
            children={
                "taxonomy_detail": Child("taxonomy", many=False),
                "metadata": Child("metadata"),
            },
        ),
        # HSDS 3.1 tables, used for service capacity only.
        Table(
            "service_capacity",
            "service_capacity.csv",
            {
                **_f("id", "service_id", "unit_id", kind=UUID),
                **_f("available", "maximum", kind=NUMBER),
                "description": Field(),
                "updated": Field(DATETIME),
            },
            required=("id", "unit", "available", "updated"),
            tabular_required=("service_id", "unit_id"),
            children={"unit": Child("unit", many=False)},
        ),
        Table(
            "unit",
            "units.csv",
            {**_f("id", kind=UUID), **_f("name", "scheme", "identifier"), "uri": Field(URI)},
            required=("id", "name"),
            children=dict(_COMMON),
        ),
    ]
}


@dataclass(frozen=True)
class Issue:
    """One conformance problem: where (a path like `phones[0].number`), a code, and why."""

    path: str
    code: str
    reason: str


_EMAIL = EmailValidator()
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def is_uuid(value: object) -> TypeGuard[str]:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def is_email(value: str) -> bool:
    try:
        _EMAIL(value)
    except ValidationError:
        return False
    return True


def is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value or " " in value


def is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number: not a boolean, and finite (Python's json reads NaN and Infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _scalar_issue(spec: Field, value: object, path: str) -> Issue | None:
    if spec.kind == NUMBER:
        if not is_number(value):
            return Issue(path, "type", _("must be a number"))
        return None
    if not isinstance(value, str):
        return Issue(path, "type", _("must be a text string"))
    if spec.enum and value not in spec.enum:
        return Issue(
            path, "enum", _("must be one of: %(values)s") % {"values": ", ".join(spec.enum)}
        )
    if spec.kind == UUID and not is_uuid(value):
        return Issue(path, "format", _("must be a UUID"))
    if spec.kind == EMAIL and not is_email(value):
        return Issue(path, "format", _("must be an e-mail address"))
    if spec.kind == URI and not _URI.match(value):
        return Issue(path, "format", _("must be a URI (for example https://…)"))
    if spec.kind == DATETIME and not is_datetime(value):
        return Issue(path, "format", _("must be a date and time (ISO 8601)"))
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check(
    table: str, obj: object, path: str = "", *, strict: bool = True, tabular: bool = False
) -> list[Issue]:
    """Every conformance problem of `obj` as an HSDS `table` object, nested tables included."""
    return list(_check(TABLES[table], obj, path, strict=strict, tabular=tabular))


def _check(spec: Table, obj: object, path: str, *, strict: bool, tabular: bool) -> Iterator[Issue]:
    if not isinstance(obj, dict):
        yield Issue(path, "type", _("must be an object"))
        return
    required = spec.required + (spec.tabular_required if tabular else ())
    for key in required:
        if key not in obj or (obj[key] is None and not strict):
            yield Issue(_join(path, key), "required", _("is required"))
    for key, value in obj.items():
        where = _join(path, key)
        if value is None:
            if strict:
                yield Issue(where, "type", _("must not be null"))
            continue
        if key in spec.fields:
            issue = _scalar_issue(spec.fields[key], value, where)
            if issue is not None:
                yield issue
        elif key in spec.children:
            yield from _check_child(spec.children[key], value, where, strict=strict)


def _check_child(child: Child, value: object, path: str, *, strict: bool) -> Iterator[Issue]:
    table = TABLES[child.table]
    if not child.many:
        yield from _check(table, value, path, strict=strict, tabular=False)
        return
    if not isinstance(value, list):
        yield Issue(path, "type", _("must be a list"))
        return
    for position, item in enumerate(value):
        yield from _check(table, item, f"{path}[{position}]", strict=strict, tabular=False)


def scalar_fields(table: str) -> list[str]:
    """Column order of the table in the tabular (CSV) form."""
    return list(TABLES[table].fields)
