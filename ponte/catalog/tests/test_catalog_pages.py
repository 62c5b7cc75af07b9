"""Catalog search, edit rights, "verified today", gap analysis and its exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import World, verified_client
from ponte.audit.testing import assert_audited
from ponte.catalog.factories import CapacityFactory, OpportunityFactory, ServiceFactory
from ponte.catalog.models import Service
from ponte.catalog.queries import ServiceFilters, gap_matrix, search_services
from ponte.catalog.taxonomy import Area, Stage
from ponte.network.factories import TerritoryFactory


@pytest.fixture
def places(db):
    lombardia = TerritoryFactory(level="region", code="LOM", name="Lombardia")
    cremona = TerritoryFactory(level="province", code="CR", name="Cremona", parent=lombardia)
    crema = TerritoryFactory(level="ambito", code="CR-crema", name="Crema", parent=cremona)
    cremona_ambito = TerritoryFactory(
        level="ambito", code="CR-cremona", name="Cremona", parent=cremona
    )
    milano = TerritoryFactory(level="province", code="MI", name="Milano", parent=lombardia)
    milano_ambito = TerritoryFactory(level="ambito", code="MI-milano", name="Milano", parent=milano)
    return {
        "lombardia": lombardia,
        "cremona": cremona,
        "crema": crema,
        "cremona_ambito": cremona_ambito,
        "milano_ambito": milano_ambito,
    }


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_the_case_managers_question(world: World, places) -> None:
    """A legal desk in the Ambito of Crema that speaks Punjabi and takes people without a permit."""
    target = ServiceFactory(
        name="Sportello legale fittizio",
        areas=[Area.LEGAL],
        langs=["pa", "it"],
        places=[places["crema"]],
        open_without_permit=True,
    )
    ServiceFactory(
        name="Legale senza punjabi",
        areas=[Area.LEGAL],
        langs=["ar"],
        places=[places["crema"]],
        open_without_permit=True,
    )
    ServiceFactory(
        name="Legale a Milano",
        areas=[Area.LEGAL],
        langs=["pa"],
        places=[places["milano_ambito"]],
        open_without_permit=True,
    )
    ServiceFactory(
        name="Legale con permesso", areas=[Area.LEGAL], langs=["pa"], places=[places["crema"]]
    )
    ServiceFactory(
        name="Legale provinciale",
        areas=[Area.LEGAL],
        langs=["pa"],
        places=[places["cremona"]],
        open_without_permit=True,
    )
    filters = ServiceFilters(
        area=Area.LEGAL, territory=places["crema"], language="pa", without_permit=True
    )
    found = names(search_services(Service.objects.all(), filters))
    # A province-wide service serves Crema too.
    assert found == {target.name, "Legale provinciale"}


def test_free_text_matches_words_areas_and_provider(world: World, places) -> None:
    ServiceFactory(name="Corso di italiano L2", areas=[Area.ITALIAN_LANGUAGE])
    ServiceFactory(
        name="Tirocini in agricoltura", areas=[Area.INTERNSHIPS], organization=world.partner
    )
    assert names(search_services(Service.objects.all(), ServiceFilters(text="ITALIANO"))) == {
        "Corso di italiano L2"
    }
    # Area names match in Italian and English; the provider's name too.
    assert "Tirocini in agricoltura" in names(
        search_services(Service.objects.all(), ServiceFilters(text="internships"))
    )
    partner_word = world.partner.name.split()[-1]
    assert "Tirocini in agricoltura" in names(
        search_services(Service.objects.all(), ServiceFilters(text=partner_word))
    )


def test_stage_presence_and_seats_filters(world: World) -> None:
    planned = ServiceFactory(name="In progettazione", stage=Stage.BEING_DESIGNED)
    online = ServiceFactory(name="Online", presence="online")
    both = ServiceFactory(name="Misto", presence="both")
    with_seats = ServiceFactory(name="Con posti")
    CapacityFactory(service=with_seats, available=2)
    CapacityFactory(service=ServiceFactory(name="Pieno"), available=0)
    course = ServiceFactory(name="Con corso aperto")
    OpportunityFactory(
        service=course,
        organization=course.organization,
        seats_available=4,
        seats_total=10,
        application_deadline=dt.date.today() + dt.timedelta(days=5),
    )
    all_services = Service.objects.all()
    assert names(search_services(all_services, ServiceFilters(stage=Stage.BEING_DESIGNED))) == {
        planned.name
    }
    assert names(search_services(all_services, ServiceFilters(presence="online"))) == {
        online.name,
        both.name,
    }
    assert names(search_services(all_services, ServiceFilters(has_seats=True))) == {
        with_seats.name,
        course.name,
    }


def test_search_page_query_count_does_not_grow(world: World, places) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client(world.users["case_manager"])
    url = reverse("catalog:service_list")

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"q": "orientamento", "language": "ar"})
        assert response.status_code == 200
        return len(captured.captured_queries)

    for i in range(3):
        CapacityFactory(
            service=ServiceFactory(
                name=f"Orientamento {i}", langs=["ar", "fr"], places=[places["crema"]]
            )
        )
    small = queries_for_page()
    for i in range(3, 30):
        CapacityFactory(
            service=ServiceFactory(
                name=f"Orientamento {i}", langs=["ar", "fr"], places=[places["crema"]]
            )
        )
    assert queries_for_page() == small
    assert small <= 20


def test_edit_rights_verify_and_audit(world: World) -> None:
    own_service = ServiceFactory(organization=world.own)
    foreign_service = ServiceFactory(organization=world.foreign)
    client = verified_client(world.users["case_manager"])
    assert (
        client.get(reverse("catalog:service_edit", args=[own_service.public_id])).status_code == 200
    )
    assert (
        client.get(reverse("catalog:service_edit", args=[foreign_service.public_id])).status_code
        == 403
    )
    response = client.post(reverse("catalog:service_verify", args=[own_service.public_id]))
    assert response.status_code == 302
    own_service.refresh_from_db()
    assert own_service.last_verified_on == dt.date.today() and not own_service.is_stale()
    assert_audited("catalog.service_verified", own_service)
    assert (
        client.post(reverse("catalog:service_verify", args=[foreign_service.public_id])).status_code
        == 403
    )


def test_create_service_through_the_form(world: World, places) -> None:
    client = verified_client(world.users["partner_operator@partner"])
    response = client.post(
        reverse("catalog:service_create"),
        {
            "organization": world.partner.pk,
            "name": "Sportello vertenze fittizio",
            "status": "active",
            "stage": "active",
            "presence": "in_person",
            "format": "individual",
            "areas": [Area.LABOUR_DISPUTES, Area.LEGAL],
            "languages": "it, PA, ur",
            "territories": [places["crema"].pk],
            "open_without_permit": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    service = Service.objects.get(name="Sportello vertenze fittizio")
    assert service.areas == [Area.LABOUR_DISPUTES, Area.LEGAL]
    assert sorted(lang.code for lang in service.languages.all()) == ["it", "pa", "ur"]
    assert_audited("catalog.service_created", service)


def test_bad_service_input_saves_nothing(world: World) -> None:
    client = verified_client(world.users["partner_operator@partner"])
    before = Service.objects.count()
    response = client.post(
        reverse("catalog:service_create"),
        {
            "organization": world.foreign.pk,
            "name": "",
            "status": "open",
            "stage": "active",
            "presence": "in_person",
            "format": "individual",
            "areas": [],
            "languages": "punjabi!",
            "minimum_age": "30",
            "maximum_age": "18",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"organization", "name", "status", "areas", "languages", "maximum_age"} <= set(errors)
    assert Service.objects.count() == before


def test_stale_edit_refused(world: World) -> None:
    service = ServiceFactory(organization=world.own, name="Originale")
    url = reverse("catalog:service_edit", args=[service.public_id])
    data = {
        "organization": world.own.pk,
        "status": "active",
        "stage": "active",
        "presence": "in_person",
        "format": "individual",
        "areas": [Area.TRAINING],
        "version": service.version,
    }
    first = verified_client(world.users["case_manager"])
    second = verified_client(world.users["coordinator"])
    assert first.post(url, {**data, "name": "Prima"}).status_code == 302
    stale = second.post(url, {**data, "name": "Seconda"})
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()
    service.refresh_from_db()
    assert service.name == "Prima"


def test_gap_matrix_counts_stages_and_marks_holes(places) -> None:
    ServiceFactory(areas=[Area.LEGAL], places=[places["crema"]])
    ServiceFactory(areas=[Area.LEGAL], places=[places["cremona"]], stage=Stage.BEING_DESIGNED)
    ServiceFactory(
        areas=[Area.HOUSING_EMERGENCY], places=[places["lombardia"]], stage=Stage.TO_BE_DEVELOPED
    )
    ServiceFactory(areas=[Area.LEGAL], places=[places["crema"]], status="defunct")
    matrix = gap_matrix(Service.objects.all(), needs={(places["milano_ambito"].pk, Area.LEGAL): 4})
    crema_legal = matrix.cell(places["crema"].pk, Area.LEGAL)
    assert (crema_legal.active, crema_legal.being_designed, crema_legal.to_be_developed) == (
        1,
        1,
        0,
    )
    assert crema_legal.severity == 0
    assert matrix.cell(places["cremona_ambito"].pk, Area.LEGAL).severity == 1  # only planned
    assert matrix.cell(places["milano_ambito"].pk, Area.HOUSING_EMERGENCY).to_be_developed == 1
    assert matrix.cell(places["milano_ambito"].pk, Area.TRAINING).severity == 2  # nothing
    assert matrix.cell(places["milano_ambito"].pk, Area.LEGAL).severity == 3  # needs, no answer
    within = gap_matrix(Service.objects.all(), within=places["cremona"])
    assert {a.name for a in within.ambiti} == {"Crema", "Cremona"}


def test_gap_page_and_exports(world: World, places) -> None:
    ServiceFactory(name='=HYPERLINK("x")', areas=[Area.LEGAL], places=[places["crema"]])
    client = verified_client(world.users["analyst"])
    page = client.get(reverse("catalog:gap_analysis"))
    assert page.status_code == 200 and "Crema" in page.content.decode()
    csv_response = client.get(reverse("catalog:gap_export_csv"))
    rows = list(csv.reader(io.StringIO(csv_response.content.decode().lstrip("\ufeff"))))
    crema_legal = next(r for r in rows if r[1] == "Crema" and r[2] == str(Area.LEGAL.label))
    assert crema_legal[3] == "1"
    xlsx = client.get(reverse("catalog:gap_export_xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(rows)


def test_opportunities_list_and_validation(world: World) -> None:
    OpportunityFactory(
        title="Tirocinio aperto",
        organization=world.own,
        application_deadline=dt.date.today() + dt.timedelta(days=3),
    )
    OpportunityFactory(title="Corso chiuso", organization=world.own, is_open=False)
    client = verified_client(world.users["case_manager"])
    listing = client.get(reverse("catalog:opportunity_list")).content.decode()
    assert "Tirocinio aperto" in listing and "Corso chiuso" not in listing
    bad = client.post(
        reverse("catalog:opportunity_create"),
        {
            "organization": world.own.pk,
            "kind": "internship",
            "title": "Posto",
            "starts_on": "2027-02-01",
            "ends_on": "2027-01-01",
            "seats_total": "2",
            "seats_available": "5",
            "place": "Comune che non esiste",
            "is_open": "on",
        },
    )
    assert {"ends_on", "seats_available", "place"} <= set(bad.context["form"].errors)


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_phones_hours_documents_and_seats_save_with_the_service(world: World) -> None:
    client = verified_client(world.users["case_manager"])
    base = {
        "organization": world.own.pk,
        "name": "Sportello con orari",
        "status": "active",
        "stage": "active",
        "presence": "in_person",
        "format": "individual",
        "areas": [Area.LEGAL],
        **_management("phones", 1),
        "phones-0-number": "+39 02 1234567",
        **_management("schedules", 1),
        "schedules-0-byday": "mo,we",
        "schedules-0-opens_at": "09:00",
        "schedules-0-closes_at": "13:00",
        **_management("documents", 1),
        "documents-0-document": "Documento d'identità",
        **_management("capacities", 1),
        "capacities-0-unit": "posti",
        "capacities-0-available": "2",
        "capacities-0-maximum": "5",
    }
    response = client.post(reverse("catalog:service_create"), base)
    assert response.status_code == 302
    service = Service.objects.get(name="Sportello con orari")
    assert [p.number for p in service.phones.all()] == ["+39 02 1234567"]
    assert service.schedules.get().byday == "MO,WE"
    assert service.capacities.get().available == 2
    assert service.required_documents.count() == 1


def test_a_bad_part_saves_nothing(world: World) -> None:
    client = verified_client(world.users["case_manager"])
    response = client.post(
        reverse("catalog:service_create"),
        {
            "organization": world.own.pk,
            "name": "Non salvato",
            "status": "active",
            "stage": "active",
            "presence": "in_person",
            "format": "individual",
            "areas": [Area.LEGAL],
            **_management("schedules", 1),
            "schedules-0-byday": "XX",
            "schedules-0-opens_at": "13:00",
            "schedules-0-closes_at": "09:00",
            **_management("capacities", 1),
            "capacities-0-unit": "posti",
            "capacities-0-available": "9",
            "capacities-0-maximum": "5",
        },
    )
    assert response.status_code == 200
    schedule_errors = response.context["parts"][1][1].errors[0]
    assert {"byday", "closes_at"} <= set(schedule_errors)
    assert "available" in response.context["parts"][3][1].errors[0]
    assert not Service.objects.filter(name="Non salvato").exists()
