"""HSDS 3.0 export and import: conformance, official examples, round trip, atomicity."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ponte.audit.testing import assert_audited
from ponte.catalog.hsds import export_services, import_services
from ponte.catalog.hsds_spec import TABLES, check
from ponte.catalog.hsds_terms import all_terms, term_id
from ponte.catalog.models import Location, Service
from ponte.catalog.taxonomy import PONTE_TAXONOMY_ID
from ponte.catalog.tests.hsds_support import (
    HSDS_DIR,
    SERVICE_EXAMPLES,
    counts,
    full_service,
    json_values,
    load_example,
    normalized,
    official_validator,
)
from ponte.network.factories import OrganizationFactory, UserFactory
from ponte.network.models import Organization

needs_standard = pytest.mark.skipif(
    not HSDS_DIR.exists(), reason="the official HSDS files are not on this machine"
)


@pytest.fixture
def admin(db: Any) -> Any:
    return UserFactory(email="platform-hsds@ponte.test", is_platform_admin=True)


def wipe_catalog(*organizations: Organization) -> None:
    Service.objects.all().delete()
    Location.objects.all().delete()
    for org in organizations:
        org.delete()


# --- export and conformance -----------------------------------------------------------


def test_export_passes_our_conformance_checks(db: Any) -> None:
    service = full_service()
    [exported] = export_services(Service.objects.all(), full=True)
    assert check("service", exported) == []
    assert exported["id"] == str(service.public_id)
    assert exported["organization"]["id"] == str(service.organization.public_id)
    codes = {a["taxonomy_term"]["code"] for a in exported["attributes"]}
    assert {
        "area:legal",
        "area:work_guidance",
        "stage:active",
        "presence:both",
        "format:group",
        "objectives",
        "duration",
        "notes",
        "open_without_permit",
        "public_guide",
        "demo",
    } == codes
    for attribute in exported["attributes"]:
        assert attribute["taxonomy_term"]["taxonomy_id"] == PONTE_TAXONOMY_ID
        assert attribute["taxonomy_term_id"] == term_id(attribute["taxonomy_term"]["code"])
    [area] = [a for a in exported["service_areas"] if a["uri"].endswith(":MI")]
    assert area["name"] == "Milano"
    [sal] = exported["service_at_locations"]
    [address] = sal["location"]["addresses"]
    assert (address["city"], address["state_province"], address["country"]) == (
        "Milano",
        "MI",
        "IT",
    )
    [capacity] = exported["capacities"]
    assert capacity["available"] == 3 and capacity["unit"]["name"] == "posti"


@needs_standard
def test_export_validates_against_the_official_compiled_schema(db: Any) -> None:
    full_service()
    validator = official_validator("service.json")
    for full in (True, False):
        for exported in export_services(Service.objects.all(), full=full):
            errors = [
                f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(exported)
            ]
            assert errors == []


def test_public_export_leaves_out_staff_personal_data_and_internal_flags(db: Any) -> None:
    full_service()
    [exported] = export_services(Service.objects.all())
    assert check("service", exported) == []
    [contact] = exported["contacts"]
    assert set(contact) == {"id", "title"}
    assert "assurer_email" not in exported
    assert "demo" not in {a["taxonomy_term"]["code"] for a in exported["attributes"]}


def test_term_ids_are_stable_uuid5_of_the_code() -> None:
    assert term_id("area:legal") == "d6d4a8dd-7a0d-5a9b-8d4c-6d290fac63c7"
    assert len(all_terms()) == len(set(all_terms()))


def test_conformance_check_catches_what_the_tables_forbid() -> None:
    bad = {
        "id": "not-a-uuid",
        "name": "x",
        "status": "open",
        "email": "nope",
        "minimum_age": "12",
        "phones": [{"id": "3f7b145d-84af-42d7-8fae-eaca714b02b2"}],
        "service_at_locations": [{"id": "3f7b145d-84af-42d7-8fae-eaca714b02b2", "location": {}}],
    }
    found = {(i.path, i.code) for i in check("service", bad)}
    assert found == {
        ("id", "format"),
        ("status", "enum"),
        ("email", "format"),
        ("minimum_age", "type"),
        ("phones[0].number", "required"),
        ("service_at_locations[0].location.id", "required"),
        ("service_at_locations[0].location.location_type", "required"),
    }


_KINDS = {"uuid": "uuid", "email": "email", "uri": "uri", "date-time": "datetime"}


@needs_standard
def test_our_field_tables_match_the_official_schemas() -> None:
    """The Python field tables were written by hand: keep them honest."""
    for name, table in TABLES.items():
        path = HSDS_DIR / "schema" / f"{name}.json"
        if not path.exists():  # the 3.1 tables (service_capacity, unit)
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert tuple(schema["required"]) == table.required, name
        assert tuple(schema.get("tabular_required", ())) == table.tabular_required, name
        nested = set(table.children) - {"capacities"}  # our 3.1 extension
        for key, prop in schema["properties"].items():
            if prop.get("type") in ("string", "number"):
                expected = _KINDS.get(prop.get("format", ""), prop["type"])
                assert table.fields[key].kind == expected, (name, key)
                assert table.fields[key].enum == tuple(prop.get("enum", ())), (name, key)
            else:
                assert key in nested, (name, key)
                nested.discard(key)
        assert nested == set(), name
        scalars = {
            k for k, v in schema["properties"].items() if v.get("type") in ("string", "number")
        }
        assert scalars == set(table.fields), name


# --- the official examples -------------------------------------------------------------


@needs_standard
@pytest.mark.parametrize("name", SERVICE_EXAMPLES)
def test_every_official_example_with_services_imports(admin: Any, name: str) -> None:
    report = import_services(load_example(name), actor=admin, default_areas=["legal"])
    assert report.ok, report.lines()
    assert report.created == ["ac148810-d857-441c-9679-408f346de14b"]
    service = Service.objects.get(public_id="ac148810-d857-441c-9679-408f346de14b")
    assert service.name == "Community Counselling"
    assert service.organization.name == "Example Organization Inc."
    assert service.areas == ["legal"]
    assert not service.is_public  # an import never publishes by itself
    # Re-importing the same example updates the same rows.
    again = import_services(load_example(name), actor=admin, default_areas=["legal"])
    assert again.updated == ["ac148810-d857-441c-9679-408f346de14b"]
    assert Service.objects.count() == 1 and Organization.objects.count() == 1


@needs_standard
def test_full_example_keeps_what_ponte_can_hold(admin: Any) -> None:
    report = import_services(
        load_example("service_full.json"), actor=admin, default_areas=["legal"]
    )
    assert report.ok
    service = Service.objects.get()
    assert (service.minimum_age, service.maximum_age) == (12, 100)
    assert [lang.code for lang in service.languages.all()] == ["ur"]
    assert service.phones.get().number == '"+44 1234 234567" ext. 100'
    assert service.cost_options.get().currency == "GBP"
    location = service.service_at_locations.get().location
    assert location.address_1 == "1-30 Main Street, MyVillage"
    assert location.latitude is None  # 100 is not a latitude: reported and dropped
    warnings = {(p.field, p.code) for p in report.warnings}
    assert ("service_at_locations[0].location.latitude", "out_of_range") in warnings
    assert ("service_areas[0]", "unmatched") in warnings
    assert ("required_documents[0].document", "shortened") in warnings


@needs_standard
def test_examples_without_services_say_so(admin: Any) -> None:
    report = import_services(load_example("organization_list.json"), actor=admin)
    assert not report.ok
    assert Service.objects.count() == 0


def test_without_an_area_the_record_is_refused(admin: Any) -> None:
    org = OrganizationFactory()
    data = {"id": "ac148810-d857-441c-9679-408f346de14b", "name": "S", "status": "active"}
    report = import_services({**data, "organization_id": str(org.public_id)}, actor=admin)
    assert [(p.field, p.code) for p in report.errors] == [("attributes", "required")]


# --- round trip -----------------------------------------------------------------------------


def test_round_trip_export_import_export_is_exact(admin: Any) -> None:
    service = full_service()
    first = export_services(Service.objects.all(), full=True)
    wipe_catalog(service.organization)
    report = import_services(json.loads(json.dumps(first)), actor=admin)
    assert report.ok, report.lines()
    assert report.created == [first[0]["id"]]
    second = export_services(Service.objects.all(), full=True)
    assert normalized(second) == normalized(first)
    assert_audited("catalog.service_created", Service.objects.get())
    assert_audited("catalog.hsds_imported")


def test_reimport_updates_instead_of_duplicating(admin: Any) -> None:
    full_service()
    exported = export_services(Service.objects.all(), full=True)
    before = counts()
    exported[0]["name"] = "Nuovo nome"
    exported[0]["phones"].append({"id": "3f7b145d-84af-42d7-8fae-eaca714b02b2", "number": "02 1"})
    report = import_services(exported, actor=admin)
    assert report.updated == [exported[0]["id"]] and not report.created
    after = counts()
    assert after == {**before, "Phone": before["Phone"] + 1}
    assert Service.objects.get().name == "Nuovo nome"


# --- bad input ------------------------------------------------------------------------------


def _valid_and_invalid(admin: Any) -> list[dict[str, Any]]:
    full_service()
    [good] = export_services(Service.objects.all(), full=True)
    wipe_catalog(Organization.objects.get(public_id=good["organization"]["id"]))
    bad = copy.deepcopy(good)
    bad["id"] = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
    bad["status"] = "open"
    bad["service_at_locations"] = []
    bad["minimum_age"] = -4
    return [good, bad]


def test_malformed_record_gives_a_report_and_writes_nothing(admin: Any) -> None:
    data = _valid_and_invalid(admin)
    before = counts()
    report = import_services(data, actor=admin)
    assert not report.ok and report.rolled_back
    assert counts() == before
    assert {(p.index, p.record_id, p.field) for p in report.errors} == {
        (2, "3f7b145d-84af-42d7-8fae-eaca714b02b2", "status")
    }
    assert report.created == [] and report.valid == 1


def test_model_rules_are_reported_per_field(admin: Any) -> None:
    data = _valid_and_invalid(admin)
    data[1]["status"] = "active"  # now only the model-level problems remain
    data[1]["maximum_age"] = 10
    data[1]["minimum_age"] = 40
    data[1]["phones"] = [{"id": "1554f2e2-a373-45db-a3fa-9fc48a61c15e", "number": "1" * 60}]
    report = import_services(data, actor=admin)
    fields = {p.field for p in report.errors}
    assert {"maximum_age", "phones[0].number"} <= fields
    assert Service.objects.count() == 0


def test_partial_loads_the_valid_records(admin: Any) -> None:
    data = _valid_and_invalid(admin)
    report = import_services(data, actor=admin, partial=True)
    assert report.created == [data[0]["id"]]
    assert [p.index for p in report.errors] == [2]
    assert Service.objects.count() == 1


def test_duplicate_ids_in_one_import(admin: Any) -> None:
    data = _valid_and_invalid(admin)
    report = import_services([data[0], data[0]], actor=admin)
    assert [(p.index, p.code) for p in report.errors] == [(2, "duplicate")]
    assert Service.objects.count() == 0


def test_only_a_platform_admin_creates_organisations(db: Any) -> None:
    full_service()
    exported = export_services(Service.objects.all(), full=True)
    wipe_catalog(Organization.objects.get(public_id=exported[0]["organization"]["id"]))
    operator = UserFactory(email="op@coop.test")
    report = import_services(exported, actor=operator)
    assert [(p.field, p.code) for p in report.errors] == [("organization", "permission")]
    assert Service.objects.count() == 0


def test_an_operator_cannot_import_into_another_organisation(world: Any) -> None:
    service = full_service(organization=world.foreign)
    exported = export_services(Service.objects.all(), full=True)
    exported[0]["name"] = "Presa"
    report = import_services(exported, actor=world.users["case_manager"])
    assert [p.code for p in report.errors] == ["permission"]
    service.refresh_from_db()
    assert service.name != "Presa"


def test_an_operator_updates_own_services(world: Any) -> None:
    service = full_service(organization=world.own)
    exported = export_services(Service.objects.all(), full=True)
    exported[0]["name"] = "Aggiornato"
    report = import_services(exported, actor=world.users["case_manager"])
    assert report.updated == [str(service.public_id)], report.lines()


def test_organisation_matched_by_name_keeps_its_id(admin: Any) -> None:
    org = OrganizationFactory(name="Example Organization Inc.")
    data = {
        "id": "ac148810-d857-441c-9679-408f346de14b",
        "name": "S",
        "status": "active",
        "organization": {
            "id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610",
            "name": "Example Organization Inc.",
            "description": "",
        },
    }
    report = import_services(data, actor=admin, default_areas=["legal"])
    assert report.ok
    assert Service.objects.get().organization == org
    assert "matched" in {p.code for p in report.warnings}


@pytest.mark.parametrize(
    "data",
    [None, 1, "text", [], {}, {"contents": []}, {"contents": [None]}, [[]], {"x.csv": 3}],
)
def test_odd_shapes_are_reported_not_raised(admin: Any, data: Any) -> None:
    report = import_services(data, actor=admin)
    assert not report.ok
    assert Service.objects.count() == 0


# --- property: garbled input never raises, never writes half ----------------------------------

_KEYS = [
    "id",
    "name",
    "status",
    "organization",
    "phones",
    "schedules",
    "service_areas",
    "service_at_locations",
    "languages",
    "cost_options",
    "attributes",
    "capacities",
    "minimum_age",
    "contacts",
    "assured_date",
    "required_documents",
]


def _garble(template: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """The valid export with a few keys replaced by random JSON or removed."""
    garbled = copy.deepcopy(template)
    for key in data.draw(st.lists(st.sampled_from(_KEYS), max_size=3)):
        if data.draw(st.booleans()):
            garbled.pop(key, None)
        else:
            garbled[key] = data.draw(json_values)
    return garbled


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(data=st.data())
def test_random_json_never_raises_and_never_writes_partially(admin: Any, data: Any) -> None:
    if not Service.objects.exists():
        full_service()
    template = export_services(Service.objects.all(), full=True)[0]
    if data.draw(st.booleans()):
        payload: Any = data.draw(json_values)
    else:
        payload = [_garble(template, data), _garble(template, data)]
        payload[1]["id"] = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
    before = counts()
    report = import_services(payload, actor=admin, default_areas=["legal"])
    assert "internal" not in {p.code for p in report.problems}, report.lines()
    if report.ok:
        assert report.written == report.records
    else:
        assert counts() == before
        assert report.rolled_back and report.written == 0
