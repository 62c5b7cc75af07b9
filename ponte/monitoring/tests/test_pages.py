"""The monitoring pages: who sees what, drill-down, audit of exports, microdata, and the same
numbers on the dashboard, in its export and in the report."""

from __future__ import annotations

import csv
import io
import time
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ponte.accounts.views import VERIFIED_AT_KEY
from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.monitoring import indicators
from ponte.monitoring.tests.dataset import Dataset, build
from ponte.network.factories import MembershipFactory, UserFactory
from ponte.network.roles import Role
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent

pytestmark = pytest.mark.usefixtures("english")
Q1 = {"since": "2026-01-01", "until": "2026-03-31", "breakdown": "access_point"}


@pytest.fixture
def data(world: Any) -> Dataset:
    return build(world)


class _Tables(HTMLParser):
    """Rows of every monitoring table on a page, by table key: [[label, cell, ...], ...]."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section" and (attributes.get("id") or "").startswith("t-"):
            self._key = (attributes["id"] or "")[2:]
            self.tables[self._key] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._key:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._key:
            self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "section":
            self._key = None

    def handle_data(self, text: str) -> None:
        if self._cell is not None:
            self._cell.append(text)


def html_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def csv_tables(content: bytes, keys: list[str]) -> dict[str, list[list[str]]]:
    """The export's blocks: title line, header line, rows, blank line; in the section's order."""
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blocks: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in lines[lines.index([]) + 1 :]:  # after the filters' lines
        if not line:
            current = None
        elif current is None:
            current = []
            blocks.append(current)
        else:
            current.append(line)
    return {key: block[1:] for key, block in zip(keys, blocks, strict=True)}  # drop the header


def normalised(cell: str) -> str:
    """A number as the page prints it ("1,200.50 €", "66.7%", "—") → as the export writes it."""
    text = cell.replace("\xa0", " ").replace("€", "").replace("%", "").strip()
    if text == "—":
        return ""
    candidate = text.replace(",", "")
    try:
        return repr(float(candidate))
    except ValueError:
        return text


def comparable(rows: list[list[str]]) -> list[list[str]]:
    return [[normalised(cell) for cell in row] for row in rows]


def test_dashboard_export_and_report_show_the_same_numbers(
    data: Dataset, world: Any, client_for: Any
) -> None:
    client = client_for(world.users["coordinator"])
    report = client.get(
        reverse("monitoring:report"), {"year": 2026, "quarter": 1, "breakdown": "access_point"}
    )
    assert report.status_code == 200
    in_report = html_tables(report.content.decode())
    compared = 0
    for section in indicators.SECTIONS:
        page = client.get(reverse("monitoring:section", args=[section.key]), Q1)
        assert page.status_code == 200
        on_page = html_tables(page.content.decode())
        keys = list(on_page)
        export = client.get(reverse("monitoring:export", args=[section.key, "csv"]), Q1)
        in_export = csv_tables(export.content, keys)
        for key in keys:
            assert comparable(on_page[key]) == comparable(in_export[key]), key
            assert comparable(on_page[key]) == comparable(in_report[key]), key
            compared += sum(len(row) for row in on_page[key])
    # Not an empty comparison: every table of every section, with the dataset's numbers in.
    assert set(in_report) == {i(data.scope()).key for i in indicators.all_indicators()}
    assert compared > 200
    funnel = {row[0]: row[1:] for row in in_report["funnel"]}
    # The cohort of the quarter; c1 left with a positive outcome in May: the funnel follows it.
    assert funnel["PUA Alfa (fittizio)"][:5] == ["2", "2", "1", "1", "1"]


def test_the_xlsx_export_holds_the_same_rows(data: Dataset, world: Any, client_for: Any) -> None:
    from openpyxl import load_workbook

    client = client_for(world.users["coordinator"])
    page = html_tables(
        client.get(reverse("monitoring:section", args=["process"]), Q1).content.decode()
    )
    response = client.get(reverse("monitoring:export", args=["process", "xlsx"]), Q1)
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["trust"]
    rows = [
        [("" if v is None else str(v)) for v in r]
        for r in sheet.iter_rows(min_row=3, values_only=True)
    ]
    assert comparable(rows) == comparable(page["trust"])


def test_exports_are_audited_with_their_filters(data: Dataset, world: Any, client_for: Any) -> None:
    client = client_for(world.users["analyst"])
    response = client.get(reverse("monitoring:export", args=["outcomes", "csv"]), Q1)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="monitoring.exported").get()
    assert event.data["section"] == "outcomes"
    assert event.data["since"] == "2026-01-01"
    assert event.data["breakdown"] == "access_point"


def test_drill_down_only_for_users_who_may_open_the_cases(
    data: Dataset, world: Any, client_for: Any
) -> None:
    case_list = reverse("cases:case_list")
    coordinator = client_for(world.users["coordinator"]).get(reverse("monitoring:dashboard"), Q1)
    assert f'href="{case_list}?access_point={data.a.pk}' in coordinator.content.decode()
    analyst = client_for(world.users["analyst"]).get(reverse("monitoring:dashboard"), Q1)
    body = analyst.content.decode()
    assert "PUA Alfa (fittizio)" in body  # the same figures…
    assert case_list not in body  # …without a way to the cases behind them


def test_the_scope_is_the_users_puas_and_those_of_the_pacts_they_promote(
    data: Dataset, world: Any, client_for: Any
) -> None:
    foreign = client_for(world.users["coordinator@foreign"]).get(
        reverse("monitoring:dashboard"), Q1
    )
    assert "PUA Alfa (fittizio)" not in foreign.content.decode()
    # A regional analyst whose organisation promotes a pact that `own` signed sees own's PUAs.
    from ponte.network.factories import AgreementFactory, OrganizationFactory, SignatoryFactory

    region = OrganizationFactory(name="Regione fittizia")
    SignatoryFactory(agreement=AgreementFactory(promoter=region), organization=world.own)
    analyst = MembershipFactory(organization=region, role=Role.ANALYST, user=UserFactory()).user
    page = client_for(analyst).get(reverse("monitoring:dashboard"), Q1)
    assert "PUA Alfa (fittizio)" in page.content.decode()
    # …but not a PUA to pick that is outside the scope.
    outside = client_for(analyst).get(
        reverse("monitoring:dashboard"), {**Q1, "access_point": data.outside.pk}
    )
    assert "Select a valid choice" in outside.content.decode()


def test_bad_filters_get_a_clear_message(world: Any, client_for: Any) -> None:
    client = client_for(world.users["coordinator"])
    backwards = client.get(
        reverse("monitoring:dashboard"), {"since": "2026-05-01", "until": "2026-01-01"}
    )
    assert "The end of the period comes before its start." in backwards.content.decode()
    unknown = client.get(reverse("monitoring:section", args=["nothing"]))
    assert unknown.status_code == 404


def test_dashboard_query_count_does_not_grow_with_the_data(
    data: Dataset, world: Any, client_for: Any
) -> None:
    client = client_for(world.users["coordinator"])

    def queries(section: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("monitoring:section", args=[section]), Q1).status_code == 200
        return len(captured)

    before = {s.key: queries(s.key) for s in indicators.SECTIONS}
    for _ in range(15):
        CaseFactory(access_point=data.b, opened_on=data.cases["c3"].opened_on)
    after = {s.key: queries(s.key) for s in indicators.SECTIONS}
    assert after == before


def test_report_pdf(data: Dataset, world: Any, client_for: Any) -> None:
    client = client_for(world.users["coordinator"])
    response = client.get(
        reverse("monitoring:report"),
        {"year": 2026, "quarter": 1, "breakdown": "access_point", "format": "pdf"},
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="monitoring.report_downloaded").exists()


def _verified_now(client: Any) -> None:
    session = client.session
    session[VERIFIED_AT_KEY] = int(time.time())
    session.save()


def test_microdata_needs_a_purpose_and_a_fresh_second_factor(
    data: Dataset, world: Any, client_for: Any
) -> None:
    for case in data.cases.values():
        ConsentFactory(person=case.person, purpose=Consent.Purpose.EVALUATION)
    client = client_for(world.users["analyst"])
    url = reverse("monitoring:microdata")
    form = {"since": "2025-01-01", "until": "2026-06-30"}
    no_purpose = client.post(url, form)
    assert no_purpose.status_code == 400
    assert "This field is required." in no_purpose.content.decode()
    not_fresh = client.post(url, {**form, "purpose": "Valutazione fittizia InLav 2026"})
    assert not_fresh.status_code == 302
    assert not_fresh["Location"].startswith(reverse("accounts:verify"))
    _verified_now(client)
    response = client.post(url, {**form, "purpose": "Valutazione fittizia InLav 2026"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert "record_id" in header
    for case in data.cases.values():
        assert case.person.given_name not in body
        assert str(case.public_id) not in body
    event = AuditEvent.objects.filter(action="monitoring.microdata_exported").get()
    assert event.data["purpose"] == "Valutazione fittizia InLav 2026"
    # Five cases at most in scope: fewer than k = 11, so every row is suppressed.
    assert event.data["rows"] == 0
    assert event.data["suppressed"] >= 1


def test_microdata_is_for_the_export_capability_only(world: Any, client_for: Any) -> None:
    assert (
        client_for(world.users["case_manager"]).get(reverse("monitoring:microdata")).status_code
        == 403
    )
    assert (
        client_for(world.users["analyst"]).get(reverse("monitoring:microdata")).status_code == 200
    )
