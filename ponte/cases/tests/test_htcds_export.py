"""The HTCDS export: standard field names, no names, no free text, no exact dates."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from ponte.audit.models import AuditEvent
from ponte.cases import htcds
from ponte.cases.factories import CaseFactory
from ponte.cases.tests.test_rights_export import SECRET, make_full_case

URL = reverse("cases:htcds_export")
SPREADSHEET = Path("/work/shared/standards/htcds/HTCDS Field Standards 2.0.ods")


def _csv(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("analyst", 200),
        ("case_manager", 403),
        ("specialist", 403),
        ("outreach_worker", 403),
        ("org_admin", 403),
        ("partner_operator@partner", 403),
        ("coordinator@foreign", 200),
        ("no_membership", 403),
        ("platform_admin", 200),
    ],
)
def test_matrix(world: Any, client_for: Any, persona: str, status: int) -> None:
    assert client_for(world.users[persona]).get(URL).status_code == status


@pytest.mark.django_db
def test_rows_have_no_names_free_text_or_exact_dates(world: Any, client_for: Any) -> None:
    case = make_full_case(world.own_access_point)
    CaseFactory(access_point=world.foreign_access_point)  # another organisation: not exported
    client = client_for(world.users["analyst"])
    form = client.get(URL)
    assert form["Content-Type"].startswith("text/html")
    response = client.get(URL, {"purpose": "Fictional evaluation of the pilot"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].split(",") == list(htcds.HEADER)
    for value in SECRET.values():
        assert value not in body
    assert str(case.public_id) not in body and case.reference not in body
    assert not re.search(r"\d{4}-\d{2}-\d{2}", body)  # months, never days
    (row,) = _csv(response)
    assert row["ponte_CaseKey"] == htcds.case_key(case)
    assert row["prs_Gender"] == "Feminine"
    assert row["prs_Citizenship"] == "IN"
    assert row["vic_TraffickingStatus"] == "PossibleVictimOfTrafficking"
    assert row["vic_TraffickingStatusDecisionMakingOrg"] in (
        "NGO",
        "NonPoliceGovernmentalOrganization",
    )
    assert row["vic_TypeOfExploitation"] == "ForcedLabour"
    # The sector where the person was met (agriculture), not the later job (trade).
    assert row["vic_ForcedLabourIndustry"] == "A_AgricultureForestryAndFishing"
    assert row["vic_MethodsOfControl"] == "DebtBondage"
    assert row["cas_Status"] == "Active"
    assert row["ponte_OpenedMonth"] == f"{case.opened_on:%Y-%m}"
    assert row["cas_ReferredOrganisation"] == ""
    event = AuditEvent.objects.get(action="cases.htcds_exported")
    assert event.data == {"rows": 1, "purpose": "Fictional evaluation of the pilot"}


def _spreadsheet_cells() -> set[str]:
    """Every paragraph of every cell (picklist values are one paragraph each)."""
    with zipfile.ZipFile(SPREADSHEET) as ods:
        root = ElementTree.fromstring(ods.read("content.xml"))  # noqa: S314 - our own file
    paragraph = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
    return {"".join(p.itertext()).strip() for p in root.iter(paragraph)}


@pytest.mark.skipif(not SPREADSHEET.exists(), reason="the HTCDS spreadsheet is not checked out")
def test_header_and_values_are_the_spreadsheets() -> None:
    cells = _spreadsheet_cells()
    for column in htcds.HTCDS_COLUMNS:
        assert column in cells, column
    assert all(not c.startswith(("prs_", "vic_", "cas_")) for c in htcds.PONTE_COLUMNS)
    for mapping in (
        htcds.GENDER,
        htcds.TRAFFICKING_STATUS,
        htcds.DECISION_ORG,
        htcds.METHODS_OF_CONTROL,
        htcds.INDUSTRY,
    ):
        for value in mapping.values():
            assert value in cells, value


def test_age_band() -> None:
    assert [htcds.age_band(a) for a in (None, 16, 18, 24, 25, 40, 64, 70)] == [
        "",
        "0-17",
        "18-24",
        "18-24",
        "25-34",
        "35-44",
        "55-64",
        "65+",
    ]


@pytest.mark.django_db
def test_closed_referred_status(world: Any) -> None:
    import datetime

    case = CaseFactory(
        access_point=world.own_access_point,
        phase="chiuso",
        closed_on=datetime.date(2024, 3, 9),
        closure_reason="referred_on",
        closure_note="CLOSING-fictional-melon",
    )
    row = dict(zip(htcds.HEADER, htcds.case_row(case), strict=True))
    assert row["cas_Status"] == "ClosedReferred"
    assert row["cas_ReasonForCaseClosure"] == "referred_on"
    assert row["ponte_ClosedMonth"] == "2024-03"
    assert "CLOSING" not in str(row)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_cases(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(6):
        make_full_case(world.own_access_point)
    client = client_for(world.users["analyst"])
    with django_assert_max_num_queries(20):
        response = client.get(URL, {"purpose": "Fictional evaluation"})
    assert len(_csv(response)) == 6
