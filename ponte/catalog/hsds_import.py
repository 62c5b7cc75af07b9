"""Import HSDS 3.0 services: validate every record, then upsert by HSDS id.

Shapes read: one service object, a list of them, a `Page` (`contents`), an organisation
with its `services`, a service_at_location wrapping its `service`, and the tabular form
as JSON (`{"services.csv": [...], ...}`; datapackages go through `hsds_datapackage`).

All or nothing by default: every record runs in its own savepoint so the report lists
the problems of all of them, and if any record failed the whole import is rolled back.
With `partial=True` the valid records stay. Writes go through `save_service` (permission,
validation, audit); each record's phones, contacts, schedules, documents, costs,
capacities and service_at_locations are replaced by the incoming ones.

Who may import: the actor needs catalog rights on each service's organisation
(`can_edit_catalog_of`); only a platform administrator may create organisations.
Organisations are matched by id, then by exact name; existing ones are updated only
with the fields present and only when the actor stewards them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ponte.audit.services import record
from ponte.catalog.hsds_spec import TABLES, Issue, check, is_number, is_uuid
from ponte.catalog.hsds_tables import SERVICE_TABLES, assemble
from ponte.catalog.hsds_terms import CHOICE_GROUPS, FLAG_TERMS, TEXT_TERMS, find_term
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
)
from ponte.catalog.services import can_edit_catalog_of, save_service
from ponte.catalog.taxonomy import LANGUAGE_NAMES, Area
from ponte.network.models import Organization, OrganizationKind, Territory, can_steward

logger = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
JSONObject = dict[str, Any]
TERRITORY_URN = re.compile(r"^urn:ponte:territory:([a-z_]+):(.+)$")
_FALSE = {"false", "no", "0", "off"}
# A new organisation whose kind the record does not give: a kind is required, and
# "association" is the most common for the third-sector bodies HSDS feeds describe.
DEFAULT_ORGANIZATION_KIND = OrganizationKind.ASSOCIATION


@dataclass(frozen=True)
class Problem:
    """One line of the report. `index` is the 1-based record number (None: the whole input)."""

    index: int | None
    record_id: str
    field: str
    reason: str
    severity: Severity = "error"
    code: str = "invalid"

    def as_dict(self) -> JSONObject:
        return {
            "index": self.index,
            "id": self.record_id,
            "field": self.field,
            "reason": self.reason,
            "severity": self.severity,
            "code": self.code,
        }


@dataclass
class ImportReport:
    records: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rolled_back: bool = False
    valid: int = 0  # records that passed, written or (when rolled back) not

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def general_error(self, reason: str, code: str = "invalid", where: str = "") -> None:
        self.add(Problem(None, "", where, reason, "error", code))

    def add_warning(self, where: str, reason: str, code: str = "ignored") -> None:
        self.add(Problem(None, "", where, reason, "warning", code))

    def as_dicts(self) -> list[JSONObject]:
        return [p.as_dict() for p in self.problems]

    def lines(self) -> list[str]:
        """The report for people: one line per problem, then the counts."""
        labels = {"error": _("error"), "warning": _("warning")}
        out = []
        for p in self.problems:
            where = _("record %(n)d") % {"n": p.index} if p.index is not None else _("input")
            ident = f" {p.record_id}" if p.record_id else ""
            place = f" {p.field}" if p.field else ""
            out.append(f"[{labels[p.severity]}] {where}{ident}{place}: {p.reason}")
        out.append(
            _("%(created)d created, %(updated)d updated, %(rejected)d rejected, of %(total)d.")
            % {
                "created": len(self.created),
                "updated": len(self.updated),
                "rejected": self.records - self.valid,
                "total": self.records,
            }
        )
        if self.rolled_back and self.valid:
            out.append(_("Nothing was written: fix the errors, or import with --partial."))
        return out


@dataclass
class _Item:
    obj: Any
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Context:
    actor: Any
    default_areas: tuple[str, ...]
    fixed_organization: Organization | None
    update_organizations: bool
    source: str


class _Rejected(Exception):
    """A record had errors: its savepoint is rolled back."""


class _RollBack(Exception):
    """The import as a whole is rolled back (errors without --partial, or a dry run)."""


class _Record:
    """Collects the problems of one record."""

    def __init__(self, report: ImportReport, index: int, record_id: str) -> None:
        self.report = report
        self.index = index
        self.record_id = record_id
        self.failed = False

    def error(self, where: str, reason: str, code: str = "invalid") -> None:
        self.failed = True
        self.report.add(Problem(self.index, self.record_id, where, reason, "error", code))

    def warn(self, where: str, reason: str, code: str = "ignored") -> None:
        self.report.add(Problem(self.index, self.record_id, where, reason, "warning", code))

    def validation_error(self, exc: ValidationError, path: str, names: dict[str, str]) -> None:
        """Model validation messages, under the HSDS field each model field came from."""
        if not hasattr(exc, "error_dict"):
            self.error(path, " ".join(exc.messages))
            return
        for name, messages in exc.message_dict.items():
            hsds = names.get(name, "" if name == "__all__" else name)
            self.error(_join(path, hsds), " ".join(messages))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else path or key


# --- reading the input shapes --------------------------------------------------------


def _is_tabular(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(k, str) and k.endswith(".csv") for k in data)
    )


def tables_from_json(data: dict[str, Any], report: ImportReport) -> dict[str, list[JSONObject]]:
    """The tables a catalog import reads, from `{"services.csv": [rows...], ...}`."""
    by_path = {TABLES[name].path: name for name in SERVICE_TABLES}
    tables: dict[str, list[JSONObject]] = {}
    for path, rows in data.items():
        if path not in by_path:
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            report.general_error(_("must be a list of rows (objects)"), "type", path)
            continue
        tables[by_path[path]] = rows
    return tables


def items_from_tables(tables: dict[str, list[JSONObject]], report: ImportReport) -> list[_Item]:
    assembled = assemble(tables)
    for issue in assembled.general:
        report.add(Problem(None, "", issue.path, issue.reason, "warning", issue.code))
    return [_Item(s, i) for s, i in zip(assembled.services, assembled.issues, strict=True)]


def _entries(data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return list(data["contents"])
    if isinstance(data, list):
        return data
    return [data]


def collect_items(data: Any, report: ImportReport) -> list[_Item]:
    if _is_tabular(data):
        return items_from_tables(tables_from_json(data, report), report)
    items: list[_Item] = []
    via_location: dict[str, JSONObject] = {}  # service id → service built from SAL wrappers
    for entry in _entries(data):
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("services"), list)
            and "status" not in entry
        ):
            items.extend(_Item(s) for s in _services_of_organization(entry))
            continue
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("service"), dict)
            and "name" not in entry
        ):
            merged = _service_of_location(entry, via_location)
            if merged is not None:
                items.append(_Item(merged))
            continue
        items.append(_Item(entry))
    return items


def _services_of_organization(org: JSONObject) -> list[Any]:
    """`organization_full`: services nested in their organisation get it back as a parent."""
    parent = {k: v for k, v in org.items() if k != "services"}
    out: list[Any] = []
    for service in org["services"]:
        if isinstance(service, dict) and "organization" not in service:
            service = {**service, "organization": parent}
        out.append(service)
    return out


def _service_of_location(entry: JSONObject, seen: dict[str, JSONObject]) -> JSONObject | None:
    """`service_at_location` lists: the service, with this service_at_location added.

    Several entries for one service merge into one record (returns None for the later ones).
    """
    service = dict(entry["service"])
    sal = {k: v for k, v in entry.items() if k != "service"}
    key = service.get("id")
    if isinstance(key, str) and key in seen:
        target = seen[key]
        fresh = False
    else:
        target = service
        fresh = True
        if isinstance(key, str):
            seen[key] = target
    sals = target.get("service_at_locations")
    if sals is None:
        sals = target["service_at_locations"] = []
    if isinstance(sals, list):
        known = {s.get("id") for s in sals if isinstance(s, dict)}
        if sal.get("id") not in known or sal.get("id") is None:
            target["service_at_locations"] = [*sals, sal]
    return target if fresh else None


# --- the import ----------------------------------------------------------------------


def import_services(
    data: Any,
    *,
    actor: Any,
    partial: bool = False,
    default_areas: Sequence[str] = (),
    organization: Organization | None = None,
    update_organizations: bool = True,
    source: str = "",
    dry_run: bool = False,
    report: ImportReport | None = None,
) -> ImportReport:
    """Validate and upsert HSDS services; the report lists every problem, per record.

    `organization` pins every record to that organisation (the API: a token writes only
    its own). `default_areas` are used for records without a Ponte area attribute,
    since every service in Ponte belongs to at least one area of the map.
    """
    report = report or ImportReport()
    items = collect_items(data, report)
    report.records = len(items)
    unknown = [a for a in default_areas if a not in Area.values]
    if unknown:
        report.general_error(_("Unknown area: %(a)s") % {"a": ", ".join(unknown)})
    if not items and not report.errors:
        report.general_error(_("No services found in the input."), "empty")
    if report.errors:
        report.rolled_back = True
        return report
    ctx = _Context(
        actor=actor,
        default_areas=tuple(default_areas),
        fixed_organization=organization,
        update_organizations=update_organizations,
        source=source[:255],
    )
    try:
        with transaction.atomic():
            seen: set[str] = set()
            for index, item in enumerate(items, start=1):
                _import_one(index, item, ctx, report, seen)
            if dry_run or (report.errors and not partial):
                raise _RollBack
            if report.written:
                record(
                    "catalog.hsds_imported",
                    actor=actor,
                    organization=organization,
                    data={
                        "created": len(report.created),
                        "updated": len(report.updated),
                        "rejected": report.records - report.valid,
                        "source": ctx.source,
                    },
                )
    except _RollBack:
        report.rolled_back = True
        report.created.clear()
        report.updated.clear()
    return report


def _import_one(
    index: int, item: _Item, ctx: _Context, report: ImportReport, seen: set[str]
) -> None:
    obj = item.obj
    record_id = obj.get("id") if isinstance(obj, dict) else None
    rec = _Record(report, index, record_id if isinstance(record_id, str) else "")
    for issue in [*item.issues, *check("service", obj, strict=False)]:
        rec.error(issue.path, issue.reason, issue.code)
    if rec.failed or not isinstance(obj, dict):
        return
    if obj["id"] in seen:
        rec.error("id", _("appears more than once in this import"), "duplicate")
        return
    seen.add(obj["id"])
    try:
        with transaction.atomic():
            outcome = _write_service(obj, rec, ctx)
            if rec.failed:
                raise _Rejected
    except _Rejected:
        return
    except ValidationError as exc:
        rec.validation_error(exc, "", _SERVICE_FIELDS)
        return
    except PermissionDenied:
        rec.error("organization", _("You do not have permission for this action."), "permission")
        return
    except DatabaseError as exc:
        rec.error("", _("could not be saved: %(error)s") % {"error": exc}, "database")
        return
    except Exception:  # a bug must cost one record, not the whole report
        logger.exception("HSDS import: unexpected error in record %s", index)
        rec.error("", _("unexpected error while importing this record"), "internal")
        return
    report.valid += 1
    (report.created if outcome == "created" else report.updated).append(obj["id"])


# --- values --------------------------------------------------------------------------


def _text(obj: JSONObject, key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _list(obj: JSONObject, key: str) -> list[JSONObject]:
    """The items of an array child (conformance has checked they are objects)."""
    value = obj.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _fit(
    model: type[models.Model], name: str, obj: JSONObject, key: str, rec: _Record, where: str
) -> str:
    """Free text longer than our column: shortened, with a warning (it is descriptive text,
    better kept mostly than refused; names, codes and addresses are refused instead)."""
    text = _text(obj, key)
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if limit is None or len(text) <= limit:
        return text
    rec.warn(
        _join(where, key),
        _("longer than %(n)d characters: shortened") % {"n": limit},
        "shortened",
    )
    return text[: limit - 1] + "…"


def _whole(value: Any, rec: _Record, where: str, *, maximum: int = 32767) -> int | None:
    if value is None:
        return None
    if not is_number(value) or value != int(value) or not 0 <= value <= maximum:
        rec.error(where, _("must be a whole number from 0 to %(max)d") % {"max": maximum})
        return None
    return int(value)


def _date(value: Any, rec: _Record, where: str) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        rec.error(where, _("must be a date like 2025-01-31"))
        return None


def _time(value: Any, rec: _Record, where: str) -> dt.time | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.time.fromisoformat(value.replace("Z", "")).replace(tzinfo=None)
    except ValueError:
        rec.error(where, _("must be a time like 09:30"))
        return None


def _datetime(value: Any, rec: _Record, where: str) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        rec.error(where, _("must be a date and time (ISO 8601)"))
        return None
    if not 1900 <= parsed.year <= 2200:  # also keeps time-zone arithmetic in range
        rec.error(where, _("must be a date between 1900 and 2200"))
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _decimal(value: Any, rec: _Record, where: str, places: int, limit: float) -> Decimal | None:
    if value is None:
        return None
    if not is_number(value) or abs(value) >= limit:
        rec.error(where, _("must be a number below %(limit)s") % {"limit": f"{limit:g}"})
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _clean(
    instance: models.Model,
    rec: _Record,
    path: str,
    names: dict[str, str],
    exclude: Iterable[str] = (),
) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as exc:
        rec.validation_error(exc, path, names)


# --- attributes ----------------------------------------------------------------------


@dataclass
class _Facts:
    """What the Ponte attributes of a record say."""

    choices: dict[str, list[str]] = field(default_factory=dict)  # group → values
    texts: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _read_attributes(attributes: list[JSONObject], rec: _Record, path: str) -> _Facts:
    facts = _Facts()
    foreign = 0
    for position, attribute in enumerate(attributes):
        term = find_term(attribute)
        if term is None:
            foreign += 1
            continue
        value = _text(attribute, "value")
        if term.group:
            facts.choices.setdefault(term.group, []).append(term.code.partition(":")[2])
        elif term.code in TEXT_TERMS:
            facts.texts[term.code] = value
        elif term.code in FLAG_TERMS and value.strip().lower() not in _FALSE:
            facts.flags.add(term.code)
        elif term.code in CHOICE_GROUPS:
            rec.warn(f"{path}[{position}]", _("a group term, not a value: ignored"))
    if foreign:
        rec.warn(
            path,
            _("%(n)d attribute(s) of other taxonomies are not kept in Ponte") % {"n": foreign},
        )
    return facts


def _single_choice(facts: _Facts, group: str, default: str, rec: _Record) -> str:
    values = sorted(set(facts.choices.get(group, [])))
    if len(values) > 1:
        rec.error(
            "attributes",
            _("more than one %(group)s: %(values)s")
            % {"group": group, "values": ", ".join(values)},
        )
    return values[0] if values else default


# --- organisation ----------------------------------------------------------------------


@dataclass
class _OrgPlan:
    organization: Organization
    creating: bool = False
    changed: list[str] = field(default_factory=list)


_ORGANIZATION_FIELDS = {
    "name": "name",
    "description": "description",
    "email": "email",
    "website": "website",
}


def _apply_organization(org: Organization, data: JSONObject, rec: _Record, path: str) -> list[str]:
    """Copy the fields present in `data`; the changed field names."""
    changed = []
    for hsds, name in _ORGANIZATION_FIELDS.items():
        if hsds in data and getattr(org, name) != _text(data, hsds):
            setattr(org, name, _text(data, hsds))
            changed.append(name)
    phones = _list(data, "phones")
    if phones:
        number = _text(phones[0], "number")
        try:
            Organization._meta.get_field("phone").run_validators(number)
        except ValidationError:
            rec.warn(f"{path}.phones[0].number", _("not a phone number Ponte can store: not kept"))
        else:
            if org.phone != number:
                org.phone = number
                changed.append("phone")
    kind = _organization_kind(data)
    if kind and org.kind != kind:
        org.kind = kind
        changed.append("kind")
    return changed


def _organization_kind(data: JSONObject) -> str:
    kinds = sorted(
        {
            term.code.partition(":")[2]
            for a in _list(data, "attributes")
            if (term := find_term(a)) is not None and term.group == "organization_kind"
        }
    )
    return kinds[0] if kinds else ""


def _plan_organization(
    obj: JSONObject, existing: Service | None, rec: _Record, ctx: _Context
) -> _OrgPlan | None:
    data = obj.get("organization") if isinstance(obj.get("organization"), dict) else None
    nested_id = data.get("id") if data else None
    given_id = obj.get("organization_id") or nested_id
    if obj.get("organization_id") and nested_id and obj["organization_id"] != nested_id:
        rec.error("organization_id", _("differs from organization.id"))
        return None
    if ctx.fixed_organization is not None:
        if given_id and given_id != str(ctx.fixed_organization.public_id):
            rec.error("organization_id", _("must be your own organisation"), "permission")
            return None
        return _OrgPlan(ctx.fixed_organization)
    org = Organization.objects.filter(public_id=given_id).first() if is_uuid(given_id) else None
    name = _text(data, "name") if data else ""
    if org is None and name:
        same_name = list(Organization.objects.filter(name=name)[:2])
        if len(same_name) > 1:
            rec.error("organization.name", _("more than one organisation has this name"))
            return None
        if same_name:
            org = same_name[0]
            if given_id:
                rec.warn(
                    "organization",
                    _("matched the organisation already in Ponte by name; its id there is %(id)s")
                    % {"id": org.public_id},
                    "matched",
                )
    if org is None and existing is not None and data is None and not given_id:
        return _OrgPlan(existing.organization)
    if org is None:
        return _new_organization(data, given_id, rec, ctx)
    plan = _OrgPlan(org)
    if data is not None and ctx.update_organizations and can_steward(ctx.actor, org):
        plan.changed = _apply_organization(org, data, rec, "organization")
        if plan.changed:
            _clean(org, rec, "organization", {"website": "website"})
    return plan


def _new_organization(
    data: JSONObject | None, given_id: Any, rec: _Record, ctx: _Context
) -> _OrgPlan | None:
    if data is None or not _text(data, "name"):
        rec.error(
            "organization",
            _("is required: give the organisation, or the id of one already in Ponte"),
            "required",
        )
        return None
    if not getattr(ctx.actor, "is_platform_admin", False):
        rec.error(
            "organization",
            _("only a platform administrator can create organisations by import"),
            "permission",
        )
        return None
    org = Organization(kind=DEFAULT_ORGANIZATION_KIND, source=ctx.source)
    if is_uuid(given_id):
        org.public_id = given_id
    _apply_organization(org, data, rec, "organization")
    if not _organization_kind(data):
        rec.warn(
            "organization",
            _("kind of organisation not given: set to “%(kind)s”, check it")
            % {"kind": OrganizationKind(org.kind).label},
            "default",
        )
    _clean(org, rec, "organization", {"website": "website"}, exclude=["territory", "managed_by"])
    return _OrgPlan(org, creating=True, changed=["name"])


# --- service fields ----------------------------------------------------------------------

_SERVICE_FIELDS = {
    "last_verified_on": "assured_date",
    "verified_by_label": "assurer_email",
    "stage": "attributes",
    "presence": "attributes",
    "format": "attributes",
    "objectives": "attributes",
    "duration": "attributes",
    "notes": "attributes",
    "areas": "attributes",
    "organization": "organization",
    "__all__": "maximum_age",  # the only model-wide rule: the age range
}


def _apply_service(service: Service, obj: JSONObject, facts: _Facts, rec: _Record) -> None:
    """Set every mapped field: a missing field empties it, as a full replace should."""
    for name in (
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "eligibility_description",
        "application_process",
        "fees_description",
    ):
        setattr(service, name, _text(obj, name))
    service.minimum_age = _whole(obj.get("minimum_age"), rec, "minimum_age", maximum=150)
    service.maximum_age = _whole(obj.get("maximum_age"), rec, "maximum_age", maximum=150)
    service.last_verified_on = _date(obj.get("assured_date"), rec, "assured_date")
    service.verified_by_label = _text(obj, "assurer_email")
    service.stage = _single_choice(
        facts, "stage", Service._meta.get_field("stage").get_default(), rec
    )
    service.presence = _single_choice(
        facts, "presence", Service._meta.get_field("presence").get_default(), rec
    )
    service.format = _single_choice(
        facts, "format", Service._meta.get_field("format").get_default(), rec
    )
    service.objectives = facts.texts.get("objectives", "")
    service.duration = facts.texts.get("duration", "")
    service.notes = facts.texts.get("notes", "")
    service.open_without_permit = "open_without_permit" in facts.flags
    service.is_public = "public_guide" in facts.flags
    service.is_demo = "demo" in facts.flags
    service.original_text = json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _languages(obj: JSONObject, rec: _Record) -> dict[str, str]:
    """Language code → note. A language given by name only is looked up in our list."""
    by_name = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
    out: dict[str, str] = {}
    for position, language in enumerate(_list(obj, "languages")):
        where = f"languages[{position}]"
        code = _text(language, "code").strip().lower() or by_name.get(
            _text(language, "name").strip().lower(), ""
        )
        if not code:
            rec.warn(where, _("no language code: not kept"))
            continue
        if len(code) > 8:
            rec.error(f"{where}.code", _("must be an ISO 639 code"))
            continue
        note = _fit(ServiceLanguage, "note", language, "note", rec, where)
        out[code] = note
    return out


def _territories(obj: JSONObject, rec: _Record) -> list[Territory]:
    found: list[Territory] = []
    for position, area in enumerate(_list(obj, "service_areas")):
        where = f"service_areas[{position}]"
        match = TERRITORY_URN.match(_text(area, "uri"))
        territory = None
        if match:
            territory = Territory.objects.filter(level=match[1], code=match[2]).first()
        elif name := _text(area, "name").strip():
            candidates = list(Territory.objects.filter(name__iexact=name)[:2])
            territory = candidates[0] if len(candidates) == 1 else None
        if territory is None:
            rec.warn(where, _("no matching territory in Ponte: not kept"), "unmatched")
        elif territory not in found:
            found.append(territory)
    return found


# --- children --------------------------------------------------------------------------


@dataclass
class _Children:
    phones: list[Phone] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    documents: list[RequiredDocument] = field(default_factory=list)
    costs: list[CostOption] = field(default_factory=list)
    capacities: list[ServiceCapacity] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


def _phone_number(phone: JSONObject) -> str:
    number = _text(phone, "number")
    extension = phone.get("extension")
    if is_number(extension) and extension == int(extension):
        number = f"{number} ext. {int(extension)}"
    return number


def _schedule(data: JSONObject, rec: _Record, where: str) -> Schedule:
    schedule = Schedule(
        byday=_text(data, "byday").strip(),
        opens_at=_time(data.get("opens_at"), rec, f"{where}.opens_at"),
        closes_at=_time(data.get("closes_at"), rec, f"{where}.closes_at"),
        valid_from=_date(data.get("valid_from"), rec, f"{where}.valid_from"),
        valid_to=_date(data.get("valid_to"), rec, f"{where}.valid_to"),
        description=_fit(Schedule, "description", data, "description", rec, where),
    )
    if data.get("freq") == "MONTHLY" and schedule.byday:
        rec.warn(where, _("monthly recurrence is not supported: days dropped, hours kept"))
        schedule.byday = ""
    _clean(schedule, rec, where, {}, exclude=["service", "service_at_location"])
    return schedule


def _children(obj: JSONObject, rec: _Record) -> _Children:
    out = _Children()
    for i, data in enumerate(_list(obj, "phones")):
        phone = Phone(
            number=_phone_number(data),
            description=_fit(Phone, "description", data, "description", rec, f"phones[{i}]"),
        )
        _clean(phone, rec, f"phones[{i}]", {}, exclude=["service"])
        out.phones.append(phone)
    for i, data in enumerate(_list(obj, "contacts")):
        phones = _list(data, "phones")
        contact = Contact(
            name=_text(data, "name"),
            title=_text(data, "title"),
            email=_text(data, "email"),
            phone=_phone_number(phones[0]) if phones else "",
        )
        _clean(contact, rec, f"contacts[{i}]", {"phone": "phones[0].number"}, exclude=["service"])
        out.contacts.append(contact)
    for i, data in enumerate(_list(obj, "required_documents")):
        where = f"required_documents[{i}]"
        document = RequiredDocument(
            document=_fit(RequiredDocument, "document", data, "document", rec, where)
        )
        _clean(document, rec, f"required_documents[{i}]", {}, exclude=["service"])
        out.documents.append(document)
    for i, data in enumerate(_list(obj, "cost_options")):
        where = f"cost_options[{i}]"
        cost = CostOption(
            option=_fit(CostOption, "option", data, "option", rec, where),
            amount=_decimal(data.get("amount"), rec, f"{where}.amount", 2, 1e8),
            currency=_text(data, "currency").upper() or "EUR",
            amount_description=_fit(
                CostOption, "amount_description", data, "amount_description", rec, where
            ),
        )
        _clean(cost, rec, where, {}, exclude=["service"])
        out.costs.append(cost)
    for i, data in enumerate(_list(obj, "capacities")):
        out.capacities.append(_capacity(data, rec, f"capacities[{i}]"))
    for i, data in enumerate(_list(obj, "schedules")):
        out.schedules.append(_schedule(data, rec, f"schedules[{i}]"))
    return out


def _capacity(data: JSONObject, rec: _Record, where: str) -> ServiceCapacity:
    unit = data.get("unit")
    capacity = ServiceCapacity(
        unit=_text(unit, "name") if isinstance(unit, dict) else "",
        # 0 only when `available` was invalid, and then the record already has an error
        available=_whole(data.get("available"), rec, f"{where}.available", maximum=10**9) or 0,
        maximum=_whole(data.get("maximum"), rec, f"{where}.maximum", maximum=10**9),
        description=_fit(ServiceCapacity, "description", data, "description", rec, where),
        updated=_datetime(data.get("updated"), rec, f"{where}.updated") or timezone.now(),
    )
    _clean(capacity, rec, where, {"unit": "unit.name"}, exclude=["service"])
    return capacity


# --- locations -----------------------------------------------------------------------------


@dataclass
class _LocationPlan:
    location: Location
    save: bool
    organization: Organization | None = None  # for a new one; None: the service's


_LOCATION_TRACKED = (
    "location_type",
    "name",
    "description",
    "url",
    "transportation",
    "latitude",
    "longitude",
    "address_1",
    "postal_code",
    "city",
    "municipality_id",
)


def _municipality(city: str, province: str) -> Territory | None:
    if not city:
        return None
    candidates = Territory.objects.filter(
        level=Territory.Level.MUNICIPALITY, name__iexact=city.strip()
    )
    if province:
        candidates = candidates.filter(parent__code=province.strip())
    found = list(candidates[:2])
    return found[0] if len(found) == 1 else None


def _coordinate(value: Any, bound: int, rec: _Record, where: str) -> Decimal | None:
    if value is None:
        return None
    if not is_number(value) or not -bound <= value <= bound:
        rec.warn(where, _("outside -%(b)d…%(b)d: not kept") % {"b": bound}, "out_of_range")
        return None
    return Decimal(str(value)).quantize(Decimal("0.000001"))


def _apply_address(location: Location, data: JSONObject, rec: _Record, path: str) -> int:
    """Copy the physical address (else the first); its position in `addresses`."""
    addresses = _list(data, "addresses")
    types = [a.get("address_type") for a in addresses]
    position = types.index("physical") if "physical" in types else 0
    chosen = addresses[position] if addresses else {}
    if len(addresses) > 1:
        rec.warn(f"{path}.addresses", _("only one address per location is kept"))
    lines = [_text(chosen, "address_1"), _text(chosen, "address_2")]
    location.address_1 = ", ".join(line for line in lines if line)
    location.postal_code = _text(chosen, "postal_code")
    location.city = _text(chosen, "city")
    location.municipality = _municipality(location.city, _text(chosen, "state_province"))
    return position


def _plan_location(data: JSONObject, rec: _Record, path: str, ctx: _Context) -> _LocationPlan:
    existing = Location.objects.select_related("organization").filter(public_id=data["id"]).first()
    if existing is not None and not can_edit_catalog_of(ctx.actor, existing.organization):
        rec.warn(path, _("belongs to another organisation: linked, not changed"), "not_changed")
        return _LocationPlan(existing, save=False)
    before = {name: getattr(existing, name) for name in _LOCATION_TRACKED} if existing else {}
    location = existing or Location(public_id=data["id"])
    owner = None
    if existing is None and is_uuid(data.get("organization_id")):
        owner = Organization.objects.filter(public_id=data["organization_id"]).first()
        if owner is None or not can_edit_catalog_of(ctx.actor, owner):
            owner = None
            rec.warn(
                f"{path}.organization_id",
                _("unknown or not yours: the location goes to the service's organisation"),
                "reassigned",
            )
    location.location_type = _text(data, "location_type")
    location.name = _text(data, "name")
    location.description = _text(data, "description")
    location.url = _text(data, "url")
    location.transportation = _fit(Location, "transportation", data, "transportation", rec, path)
    location.latitude = _coordinate(data.get("latitude"), 90, rec, f"{path}.latitude")
    location.longitude = _coordinate(data.get("longitude"), 180, rec, f"{path}.longitude")
    position = _apply_address(location, data, rec, path)
    names = {name: f"addresses[{position}].{name}" for name in ("address_1", "postal_code", "city")}
    _clean(location, rec, path, names, exclude=["organization"])
    # An unchanged location is linked but not saved again (no empty audit events).
    changed = existing is None or any(getattr(location, k) != v for k, v in before.items())
    return _LocationPlan(location, save=changed, organization=owner)


@dataclass
class _SitePlan:
    public_id: str
    description: str
    location: _LocationPlan
    schedules: list[Schedule]


def _sites(obj: JSONObject, rec: _Record, ctx: _Context) -> list[_SitePlan]:
    plans: list[_SitePlan] = []
    locations: dict[str, _LocationPlan] = {}
    for i, data in enumerate(_list(obj, "service_at_locations")):
        path = f"service_at_locations[{i}]"
        sal_id = data["id"]
        if any(p.public_id == sal_id for p in plans):
            rec.error(f"{path}.id", _("appears more than once in this service"), "duplicate")
            continue
        taken = ServiceAtLocation.objects.filter(public_id=sal_id).exclude(
            service__public_id=obj["id"]
        )
        if taken.exists():
            rec.error(f"{path}.id", _("already used by another service"), "duplicate")
            continue
        location = data.get("location")
        if not isinstance(location, dict):
            rec.error(f"{path}.location", _("is required"), "required")
            continue
        if location["id"] not in locations:
            locations[location["id"]] = _plan_location(location, rec, f"{path}.location", ctx)
        description = _text(data, "description")
        schedules = [
            _schedule(s, rec, f"{path}.schedules[{j}]")
            for j, s in enumerate(_list(data, "schedules"))
        ]
        plans.append(_SitePlan(sal_id, description, locations[location["id"]], schedules))
    return plans


# --- writing one service -------------------------------------------------------------------


def _write_service(obj: JSONObject, rec: _Record, ctx: _Context) -> str:
    """Validate everything of the record first, then write; "created" or "updated"."""
    existing = Service.objects.select_related("organization").filter(public_id=obj["id"]).first()
    fixed = ctx.fixed_organization
    if existing is not None and fixed is not None and existing.organization_id != fixed.pk:
        rec.error("id", _("belongs to another organisation"), "permission")
        raise _Rejected
    plan = _plan_organization(obj, existing, rec, ctx)
    if plan is not None and not plan.creating:
        for org in {plan.organization, *([existing.organization] if existing else [])}:
            if not can_edit_catalog_of(ctx.actor, org):
                rec.error(
                    "organization", _("You do not have permission for this action."), "permission"
                )
    facts = _read_attributes(_list(obj, "attributes"), rec, "attributes")
    areas = sorted(set(facts.choices.get("area", []))) or list(ctx.default_areas)
    if not areas:
        rec.error(
            "attributes",
            _("no area of the Ponte taxonomy: add an area attribute or choose a default area"),
            "required",
        )
    service = existing or Service(public_id=obj["id"], source=ctx.source)
    _apply_service(service, obj, facts, rec)
    _clean(service, rec, "", _SERVICE_FIELDS, exclude=["organization", "search_text"])
    languages = _languages(obj, rec)
    territories = _territories(obj, rec)
    children = _children(obj, rec)
    sites = _sites(obj, rec, ctx)
    if rec.failed or plan is None:
        raise _Rejected
    _save_organization(plan, ctx)
    service.organization = plan.organization
    save_service(
        service,
        actor=ctx.actor,
        areas=areas,
        languages=list(languages),
        territories=territories,
        changed=sorted(k for k in obj if k != "id"),
    )
    for code, note in languages.items():
        service.languages.filter(code=code).update(note=note)
    _replace_children(service, children)
    _replace_sites(service, sites, ctx)
    return "updated" if existing is not None else "created"


def _save_organization(plan: _OrgPlan, ctx: _Context) -> None:
    if not plan.changed:
        return
    org = plan.organization
    if not plan.creating and not can_steward(ctx.actor, org):
        raise PermissionDenied
    org.save()
    record(
        "network.organization_created" if plan.creating else "network.organization_updated",
        actor=ctx.actor,
        target=org,
        organization=org,
        data={"fields": sorted(plan.changed), "via": "hsds_import"},
    )


def _replace_children(service: Service, children: _Children) -> None:
    service.phones.all().delete()
    service.contacts.all().delete()
    service.required_documents.all().delete()
    service.cost_options.all().delete()
    service.capacities.all().delete()
    service.schedules.all().delete()
    groups: list[list[Any]] = [
        children.phones,
        children.contacts,
        children.documents,
        children.costs,
        children.capacities,
        children.schedules,
    ]
    for rows in groups:
        for row in rows:
            row.service = service
        if rows:
            type(rows[0]).objects.bulk_create(rows)


def _replace_sites(service: Service, sites: list[_SitePlan], ctx: _Context) -> None:
    service.service_at_locations.all().delete()
    saved: set[int] = set()
    for site in sites:
        plan = site.location
        location = plan.location
        if plan.save and id(location) not in saved:
            creating = location.pk is None
            if creating:
                location.organization = plan.organization or service.organization
            location.save()
            saved.add(id(location))
            record(
                "catalog.location_created" if creating else "catalog.location_updated",
                actor=ctx.actor,
                target=location,
                organization=location.organization,
                data={"via": "hsds_import"},
            )
        sal = ServiceAtLocation.objects.create(
            public_id=site.public_id,
            service=service,
            location=location,
            description=site.description,
        )
        for schedule in site.schedules:
            schedule.service_at_location = sal
        Schedule.objects.bulk_create(site.schedules)
