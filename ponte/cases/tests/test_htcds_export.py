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
from ponte.cases.indicators import Framework, indicators_of
from ponte.cases.models import Case, CaseVulnerability, Observation, Vulnerability
from ponte.cases.services.rights import set_processing_restricted
from ponte.cases.tests.test_rights_export import SECRET, make_full_case
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent, Gender, Person

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
    assert row["vic_Vulnerabilities"] == ""  # social isolation has no HTCDS value
    assert row["con_Consent"] == "true"  # consent to be taken in charge
    assert row["cas_Status"] == "Active"
    assert row["ponte_OpenedMonth"] == f"{case.opened_on:%Y-%m}"
    assert row["cas_ReferredOrganisation"] == ""
    event = AuditEvent.objects.get(action="cases.htcds_exported")
    assert event.data == {"rows": 1, "purpose": "Fictional evaluation of the pilot"}


def _picklists() -> dict[str, list[str]]:
    """Column G "Field Name including Prefix" -> column J "Value Names" (one per paragraph) of
    the Field_Standards sheet."""
    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    paragraph = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
    with zipfile.ZipFile(SPREADSHEET) as ods:
        root = ElementTree.fromstring(ods.read("content.xml"))  # noqa: S314 - our own file
    fields: dict[str, list[str]] = {}
    for row in root.iter(f"{table}table-row"):
        cells: list[list[str]] = []
        for cell in row:
            repeat = int(cell.get(f"{table}number-columns-repeated", "1"))
            texts = ["".join(p.itertext()).strip() for p in cell.iter(paragraph)]
            cells.extend([texts] * min(repeat, 20))
        if len(cells) > 9 and cells[6]:
            fields[cells[6][0]] = [v for v in cells[9] if v]
    return fields


@pytest.mark.skipif(not SPREADSHEET.exists(), reason="the HTCDS spreadsheet is not checked out")
def test_header_and_values_are_the_spreadsheets() -> None:
    picklists = _picklists()
    for column in htcds.HTCDS_COLUMNS:
        assert column in picklists, column
    assert all(not c.startswith(("prs_", "vic_", "cas_", "con_")) for c in htcds.PONTE_COLUMNS)
    # Each mapping's values are Value Names of the very field they are written in.
    for field, mapping in (
        ("prs_Gender", htcds.GENDER),
        ("vic_TraffickingStatus", htcds.TRAFFICKING_STATUS),
        ("vic_TraffickingStatusDecisionMakingOrg", htcds.DECISION_ORG),
        ("vic_MethodsOfControl", htcds.METHODS_OF_CONTROL),
        ("vic_ForcedLabourIndustry", htcds.INDUSTRY),
        ("vic_Vulnerabilities", htcds.VULNERABILITIES),
    ):
        for value in mapping.values():
            assert value is None or value in picklists[field], (field, value)
    # Gender is the same list, one for one.
    assert sorted(htcds.GENDER.values()) == sorted(picklists["prs_Gender"])


def test_every_code_is_mapped_on_purpose() -> None:
    """A new gender, condition or method of control cannot reach the file unmapped."""
    assert set(htcds.GENDER) == set(Gender.values)
    assert set(htcds.VULNERABILITIES) == set(Vulnerability.values)
    assert set(htcds.METHODS_OF_CONTROL) == {i.code for i in indicators_of(Framework.CONTROL)}


def test_methods_of_control_without_a_picklist_value_are_other() -> None:
    # "Uses children" (the exploiter keeps the person from their children) is not a threat
    # against the family: the picklist has no value for it.
    assert htcds.METHODS_OF_CONTROL["uses_children"] == "Other"
    assert htcds.METHODS_OF_CONTROL["restricts_movement"] == "Other"
    assert htcds.METHODS_OF_CONTROL["threat_of_law_enforcement"] == "ThreatsLawEnforcement"
    assert htcds.METHODS_OF_CONTROL["psychoactive_substances"] == "PsychoactiveSubstance"
    assert "ThreatensChildrenFamily" not in htcds.METHODS_OF_CONTROL.values()


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


def _export(client: Any) -> list[dict[str, str]]:
    return _csv(client.get(URL, {"purpose": "Fictional evaluation"}))


@pytest.mark.django_db
def test_people_who_restricted_processing_are_left_out(world: Any, client_for: Any) -> None:
    kept = make_full_case(world.own_access_point)
    objecting = make_full_case(world.own_access_point)
    set_processing_restricted(
        objecting.person, actor=world.users["coordinator"], restricted=True, reason="objection"
    )
    client = client_for(world.users["analyst"])
    rows = _export(client)
    assert [r["ponte_CaseKey"] for r in rows] == [htcds.case_key(kept)]
    event = AuditEvent.objects.filter(action="cases.htcds_exported").get()
    assert event.data["rows"] == 1
    # The functions behind the page leave them out too, whoever calls them.
    assert len(list(htcds.rows(Case.objects.all()))) == 1
    set_processing_restricted(
        objecting.person, actor=world.users["coordinator"], restricted=False, reason="lifted"
    )
    assert len(_export(client)) == 2


@pytest.mark.django_db
def test_vulnerabilities_gender_and_consent_columns(world: Any, client_for: Any) -> None:
    case = make_full_case(world.own_access_point)
    Person.objects.filter(pk=case.person_id).update(gender=Gender.TRANS_MASCULINE)
    for code in ("language_barrier", "document_fragility", "addiction", "health"):
        CaseVulnerability.objects.create(case=case, code=code)
    Observation.objects.create(
        assessment=case.assessments.get(),
        framework=Framework.CONTROL,
        code="uses_children",
        source="account",
        observed_on=case.opened_on,
    )
    # A person with no consent to be taken in charge on record (only the evaluation one).
    other = CaseFactory(access_point=world.own_access_point)
    Consent.objects.filter(person=other.person).delete()
    ConsentFactory(person=other.person, purpose="evaluation")
    rows = {r["ponte_CaseKey"]: r for r in _export(client_for(world.users["analyst"]))}
    row = rows[htcds.case_key(case)]
    # Sorted, one value per HTCDS picklist entry: two "Migration" conditions give one value.
    assert row["vic_Vulnerabilities"] == "Addiction;DisabilityAndPhysicalHealth;Migration"
    assert row["vic_MethodsOfControl"] == "DebtBondage;Other"
    assert row["prs_Gender"] == "TransgenderMasculine"
    assert row["con_Consent"] == "true"
    assert rows[htcds.case_key(other)]["con_Consent"] == "false"


def _refer(world: Any, case: Case, need: str = "internships") -> Any:
    """A referral of the case to the partner, sent (the person agreed to the sharing)."""
    from ponte.referrals import services

    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    draft = services.create_referral(
        case,
        actor=world.users["case_manager"],
        receiver=world.partner,
        need=need,
        sections=["profile"],
        message="REFERRAL-fictional-plum",
    )
    return services.send(draft, actor=world.users["case_manager"])


@pytest.mark.django_db
def test_referral_columns_come_from_the_sent_referrals(world: Any, client_for: Any) -> None:
    from django.utils import timezone

    from ponte.referrals import services

    referred = make_full_case(world.own_access_point)
    sent = _refer(world, referred)
    drafted = make_full_case(world.own_access_point)
    ConsentFactory(person=drafted.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    services.create_referral(  # a draft never left the team: not a referral made
        drafted,
        actor=world.users["case_manager"],
        receiver=world.partner,
        need="legal",
        sections=["profile"],
        message="",
    )
    response = _export(client_for(world.users["analyst"]))
    by_key = {row["ponte_CaseKey"]: row for row in response}
    row = by_key[htcds.case_key(referred)]
    assert row["cas_ReferredOrganisation"] == str(world.partner.public_id)
    assert row["cas_ReasonForOutgoingReferral"] == "AdditionalServicesRequired"
    assert sent.sent_at is not None
    assert row["cas_OutgoingReferralDate"] == f"{timezone.localtime(sent.sent_at):%Y-%m}"
    assert "REFERRAL" not in str(row) and world.partner.name not in str(row)
    empty = by_key[htcds.case_key(drafted)]
    assert [empty[c] for c in htcds.HTCDS_COLUMNS[-3:]] == ["", "", ""]


@pytest.mark.django_db
def test_referral_columns_cost_one_query_whatever_the_rows(world: Any, client_for: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.users["analyst"])
    _refer(world, make_full_case(world.own_access_point))
    _export(client)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert len(_export(client)) == 1
    for _ in range(4):
        _refer(world, make_full_case(world.own_access_point))
    with CaptureQueriesContext(connection) as five:
        rows = _export(client)
    assert len(rows) == 5 and all(r["cas_ReferredOrganisation"] for r in rows)
    assert len(five) == len(one)
    referral_queries = [q for q in five.captured_queries if "referrals_referral" in q["sql"]]
    assert len(referral_queries) == 1


def test_every_need_has_an_outgoing_referral_reason() -> None:
    from ponte.catalog.taxonomy import Area
    from ponte.referrals.case_file import OUTGOING_REFERRAL_REASON

    assert set(OUTGOING_REFERRAL_REASON) == set(Area.values)


@pytest.mark.skipif(not SPREADSHEET.exists(), reason="the HTCDS spreadsheet is not checked out")
def test_outgoing_referral_reasons_are_the_picklists() -> None:
    from ponte.referrals.case_file import OUTGOING_REFERRAL_REASON

    picklist = _picklists()["cas_ReasonForOutgoingReferral"]
    assert picklist == ["AdditionalServicesRequired", "MigrationOrChangeOfLocation", "Other"]
    assert set(OUTGOING_REFERRAL_REASON.values()) <= set(picklist)
    # The two other referral columns have no picklist (a lookup and a date).
    assert _picklists()["cas_ReferredOrganisation"] == []
    assert _picklists()["cas_OutgoingReferralDate"] == []
