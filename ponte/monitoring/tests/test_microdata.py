"""Microdata for evaluators: k-anonymity, consent, no identifiers, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Case,
    CaseEvent,
    ClosureOutcome,
    EventKind,
    FollowUp,
    Outcome,
    OutcomeKind,
    Phase,
)
from ponte.monitoring.microdata import (
    AREA_CONTINENT,
    AREA_LABELS,
    COLUMNS,
    COUNTRY_AREA,
    LEVELS,
    Microdata,
    Record,
    age_band,
    anonymise,
    build_microdata,
    days_open_band,
    furthest_phase,
    header,
    quasi_identifiers,
    record_id,
)
from ponte.network.factories import AccessPointFactory, TerritoryFactory
from ponte.network.models import AccessPoint, Territory
from ponte.people.codes import COUNTRIES
from ponte.people.factories import ConsentFactory, PersonFactory
from ponte.people.models import Consent, Gender
from ponte.referrals.factories import ReferralFactory
from ponte.referrals.models import Status

KEY = b"test-key-for-microdata"
SINCE = dt.date(2025, 1, 1)
UNTIL = dt.date(2025, 12, 31)


# --- Helpers -------------------------------------------------------------------------------


def combinations(data: Microdata) -> Counter[tuple[object, ...]]:
    positions = [data.header.index(q) for q in data.quasi_identifiers]
    return Counter(tuple(row[i] for i in positions) for row in data.rows)


def column(data: Microdata, name: str) -> list[object]:
    index = data.header.index(name)
    return [row[index] for row in data.rows]


@pytest.fixture
def places(world: Any) -> tuple[AccessPoint, AccessPoint]:
    """Two PUAs of `own` in two provinces of one region."""
    region = TerritoryFactory(level=Territory.Level.REGION, code="R1", name="Regione Fittizia")
    provinces = [
        TerritoryFactory(level=Territory.Level.PROVINCE, code=f"P{i}", name=name, parent=region)
        for i, name in enumerate(("Provincia Alfa", "Provincia Beta"))
    ]
    ambiti = [
        TerritoryFactory(level=Territory.Level.AMBITO, code=f"A{i}", parent=province)
        for i, province in enumerate(provinces)
    ]
    first = world.own_access_point
    second = AccessPointFactory(lead_organization=world.own)
    first.ambiti.add(ambiti[0])
    second.ambiti.add(ambiti[1])
    return first, second


def make_case(
    access_point: AccessPoint,
    *,
    opened_on: dt.date = dt.date(2025, 2, 10),
    gender: str = Gender.FEMALE,
    birth_year: int | None = 1990,
    citizenship: str = "SN",
    evaluation: bool = True,
    **person: Any,
) -> Case:
    someone = PersonFactory(
        organization=access_point.lead_organization,
        gender=gender,
        birth_year=birth_year,
        citizenship=citizenship,
        **person,
    )
    if evaluation:
        ConsentFactory(person=someone, purpose=Consent.Purpose.EVALUATION)
    return CaseFactory(access_point=access_point, person=someone, opened_on=opened_on)


def only_row(data: Microdata) -> dict[str, object]:
    assert len(data.rows) == 1
    return dict(zip(data.header, data.rows[0], strict=True))


# --- k-anonymity on real cases ----------------------------------------------------------------


def test_no_exported_combination_is_rarer_than_k(places: tuple[AccessPoint, AccessPoint]) -> None:
    first, second = places
    # 44 people in two large groups (same place, quarter, band, area; female or male)...
    for i in range(44):
        make_case(
            first,
            opened_on=dt.date(2025, 1, 5 + i % 20),
            gender=Gender.FEMALE if i % 2 else Gender.MALE,
            citizenship="SN" if i % 3 else "ML",
        )
    # ...and 16 with combinations of their own.
    singular = [
        (second, dt.date(2025, 5, 3), Gender.TRANS_FEMININE, 2009, "IN"),
        (second, dt.date(2025, 8, 3), Gender.MALE, 1960, "RO"),
        (second, dt.date(2025, 11, 3), Gender.FEMALE, 1999, "UA"),
        (first, dt.date(2025, 4, 3), Gender.NON_CONFORMING, None, "MA"),
        (first, dt.date(2025, 7, 3), Gender.MALE, 1970, "BR"),
        (first, dt.date(2025, 10, 3), Gender.FEMALE, 2001, "CN"),
        (second, dt.date(2025, 2, 3), Gender.MALE, 1985, "PK"),
        (second, dt.date(2025, 3, 3), Gender.UNKNOWN, 1995, ""),
        (first, dt.date(2025, 6, 3), Gender.FEMALE, 1950, "NG"),
        (first, dt.date(2025, 9, 3), Gender.MALE, 2010, "AL"),
        (second, dt.date(2025, 12, 3), Gender.FEMALE, 1980, "EG"),
        (second, dt.date(2025, 6, 13), Gender.MALE, 1991, "BD"),
        (first, dt.date(2025, 5, 13), Gender.FEMALE, 1975, "PE"),
        (first, dt.date(2025, 8, 13), Gender.MALE, 1988, "AF"),
        (second, dt.date(2025, 9, 13), Gender.FEMALE, 2000, "IT"),
        (second, dt.date(2025, 10, 13), Gender.MALE, 1966, "TR"),
    ]
    for access_point, opened_on, gender, birth_year, citizenship in singular:
        make_case(
            access_point,
            opened_on=opened_on,
            gender=gender,
            birth_year=birth_year,
            citizenship=citizenship,
        )

    data = build_microdata(None, SINCE, UNTIL, key=KEY)

    assert data.k == 11
    assert data.considered == 60
    assert data.suppressed + len(data.rows) == data.considered
    assert min(combinations(data).values()) >= 11
    # The large groups survive; the singular rows cannot all be kept at any level.
    assert len(data.rows) >= 44
    assert data.suppressed > 0
    assert data.quasi_identifiers == quasi_identifiers(data.level)
    assert data.header == header(data.level)


def test_an_empty_selection_is_an_empty_file(world: Any) -> None:
    data = build_microdata(frozenset(), SINCE, UNTIL, key=KEY)
    assert (data.rows, data.considered, data.suppressed, data.level) == ([], 0, 0, 0)


# --- Who is in the file ---------------------------------------------------------------------


def test_only_active_evaluation_consents_of_unrestricted_people_appear(
    places: tuple[AccessPoint, AccessPoint], world: Any
) -> None:
    first, _second = places
    included = make_case(first)
    anonymised = make_case(first, anonymised_at=timezone.now())
    # Anonymised by the retention job: no identity left, counted even without the consent.
    anonymised_no_consent = make_case(first, evaluation=False, anonymised_at=timezone.now())
    no_consent = make_case(first, evaluation=False)
    withdrawn = make_case(first, evaluation=False)
    ConsentFactory(
        person=withdrawn.person,
        purpose=Consent.Purpose.EVALUATION,
        withdrawn_at=timezone.now(),
    )
    restricted = make_case(first, processing_restricted=True)
    sharing_only = make_case(first, evaluation=False)
    ConsentFactory(
        person=sharing_only.person, purpose=Consent.Purpose.SHARING, recipient=world.partner
    )
    elsewhere = make_case(world.foreign_access_point)
    before = make_case(first, opened_on=dt.date(2024, 12, 31))

    everywhere = build_microdata(None, SINCE, UNTIL, k=1, key=KEY)
    ours = build_microdata(frozenset({first.pk}), SINCE, UNTIL, k=1, key=KEY)

    def ids(*cases: Case) -> set[str]:
        return {record_id(case.public_id, KEY) for case in cases}

    assert set(column(everywhere, "record_id")) == ids(
        included, anonymised, anonymised_no_consent, elsewhere
    )
    assert set(column(ours, "record_id")) == ids(included, anonymised, anonymised_no_consent)
    assert not ids(no_consent, withdrawn, restricted, sharing_only, before) & set(
        column(everywhere, "record_id")
    )


def test_no_column_holds_a_name_an_id_of_ours_or_free_text(
    places: tuple[AccessPoint, AccessPoint],
) -> None:
    first, _second = places
    case = make_case(first, given_name="Zebulonia", family_name="Quintavalle")
    case.closure_note = "Nota libera fittizia"
    case.save()

    data = build_microdata(None, SINCE, UNTIL, k=1, key=KEY)

    forbidden = {"id", "pk", "public_id", "case_id", "person_id", "reference", "name"}
    assert not forbidden & set(data.header)
    assert not [name for name in data.header if "name" in name or "note" in name]
    cells = [str(cell) for row in data.rows for cell in row]
    for secret in ("Zebulonia", "Quintavalle", str(case.public_id), case.reference.lower()):
        assert not [cell for cell in cells if secret.lower() in cell.lower()]
    assert str(case.pk) not in column(data, "record_id")


def test_record_id_is_stable_across_exports_and_distinct_between_cases(
    places: tuple[AccessPoint, AccessPoint],
) -> None:
    first, _second = places
    one, two = make_case(first), make_case(first)

    first_export = build_microdata(None, SINCE, UNTIL, k=1, key=KEY)
    second_export = build_microdata(None, SINCE, UNTIL, k=1, key=KEY)
    with_default_key = build_microdata(None, SINCE, UNTIL, k=1)
    again_default_key = build_microdata(None, SINCE, UNTIL, k=1)

    ids = column(first_export, "record_id")
    assert ids == column(second_export, "record_id")
    assert len(set(ids)) == 2
    assert set(ids) == {record_id(one.public_id, KEY), record_id(two.public_id, KEY)}
    assert all(isinstance(i, str) and len(i) == 16 for i in ids)
    # Another key, other ids: they cannot be computed without it.
    assert set(column(with_default_key, "record_id")).isdisjoint(ids)
    assert column(with_default_key, "record_id") == column(again_default_key, "record_id")


# --- What a row says ------------------------------------------------------------------------


def test_a_row_describes_the_case_with_codes(places: tuple[AccessPoint, AccessPoint]) -> None:
    first, _second = places
    case = make_case(
        first,
        opened_on=dt.date(2025, 2, 10),
        gender=Gender.TRANS_MASCULINE,
        birth_year=1995,
        citizenship="MA",
    )
    case.work_situation = "exploitation"
    case.intervention_logic = "contrast"
    case.phase = Phase.CLOSED
    case.closed_on = dt.date(2025, 4, 1)  # 50 days
    case.closure_outcome = ClosureOutcome.POSITIVE
    case.save()
    now = timezone.now()
    for to_phase in (Phase.ENGAGEMENT, Phase.ANALYSIS, Phase.PLAN, Phase.ANALYSIS):
        CaseEvent.objects.create(case=case, at=now, kind=EventKind.PHASE, to_phase=to_phase)
    CaseEvent.objects.create(case=case, at=now, kind=EventKind.CLOSED, to_phase=Phase.CLOSED)
    ReferralFactory(case=case, sent=True)
    ReferralFactory(case=case, status=Status.COMPLETED)
    ReferralFactory(case=case)  # a draft: not sent
    for status in (FollowUp.Status.DONE, FollowUp.Status.DONE, FollowUp.Status.PLANNED):
        FollowUp.objects.create(
            case=case,
            due_on=dt.date(2025, 3, 1),
            status=status,
            done_on=dt.date(2025, 3, 1) if status == FollowUp.Status.DONE else None,
        )
    for kind in (OutcomeKind.JOB, OutcomeKind.JOB, OutcomeKind.CERTIFICATION):
        Outcome.objects.create(case=case, kind=kind, achieved_on=dt.date(2025, 3, 20))

    row = only_row(build_microdata(None, SINCE, UNTIL, k=1, key=KEY))

    assert row == {
        "record_id": record_id(case.public_id, KEY),
        "province": "Provincia Alfa",
        "opened_period": "2025-T1",
        "age_band": "18-34",
        "gender": "other_or_unknown",
        "citizenship_area": "africa_north",
        "source": case.source,
        "work_situation": "exploitation",
        "intervention_logic": "contrast",
        "phase_reached": Phase.PLAN,
        "closed": True,
        "closure_outcome": "positive",
        "days_open_band": "31-90",
        "referrals_sent": 2,
        "referrals_completed": 1,
        "follow_ups_done": 2,
        "job": True,
        "dispute": False,
        "permit": False,
        "regularisation": False,
        "housing": False,
        "course_or_certification": True,
    }


def test_an_open_case_counts_its_days_to_the_end_of_the_period(
    places: tuple[AccessPoint, AccessPoint],
) -> None:
    first, _second = places
    case = make_case(first, opened_on=dt.date(2025, 11, 20), birth_year=None, citizenship="")
    case.phase = Phase.SUSPENDED
    case.phase_before_suspension = Phase.IMPLEMENTATION
    case.save()

    row = only_row(build_microdata(None, SINCE, UNTIL, k=1, key=KEY))

    assert row["days_open_band"] == "31-90"  # 41 days to 31 December
    assert row["phase_reached"] == Phase.IMPLEMENTATION
    assert (row["closed"], row["closure_outcome"]) == (False, "")
    assert (row["age_band"], row["citizenship_area"]) == ("unknown", "unknown")


def test_a_pua_in_several_provinces_names_none_of_them(
    places: tuple[AccessPoint, AccessPoint],
) -> None:
    first, second = places
    first.ambiti.add(*second.ambiti.all())
    make_case(first)
    assert only_row(build_microdata(None, SINCE, UNTIL, k=1, key=KEY))["province"] == "several"


# --- Queries ----------------------------------------------------------------------------------


def _busy_cases(access_point: AccessPoint, count: int) -> None:
    for i in range(count):
        case = make_case(access_point, opened_on=dt.date(2025, 1 + i % 12, 1))
        CaseEvent.objects.create(
            case=case, at=timezone.now(), kind=EventKind.PHASE, to_phase=Phase.ANALYSIS
        )
        ReferralFactory(case=case, sent=True)
        FollowUp.objects.create(
            case=case,
            due_on=dt.date(2025, 12, 1),
            status=FollowUp.Status.DONE,
            done_on=dt.date(2025, 12, 1),
        )
        Outcome.objects.create(case=case, kind=OutcomeKind.HOUSING, achieved_on=dt.date(2025, 6, 1))


def test_the_number_of_queries_does_not_grow_with_the_cases(
    places: tuple[AccessPoint, AccessPoint],
) -> None:
    first, _second = places
    _busy_cases(first, 5)
    with CaptureQueriesContext(connection) as few:
        small = build_microdata(None, SINCE, UNTIL, k=1, key=KEY)
    _busy_cases(first, 25)
    with CaptureQueriesContext(connection) as many:
        large = build_microdata(None, SINCE, UNTIL, k=1, key=KEY)

    assert (len(small.rows), len(large.rows)) == (5, 30)
    assert len(many) == len(few) <= 6


# --- The pure step: generalise and suppress ---------------------------------------------------

_PROVINCE_REGION = {"Alfa": "Uno", "Beta": "Uno", "Gamma": "Due", "Delta": "Due"}


def _record(
    n: int,
    province: str = "Alfa",
    period: str = "2025-T1",
    band: str = "18-34",
    gender: str = "female",
    area: str = "africa_west",
) -> Record:
    return {
        "record_id": f"r{n}",
        "province": province,
        "region": _PROVINCE_REGION[province],
        "opened_period": period,
        "age_band": band,
        "gender": gender,
        "citizenship_area": area,
        "job": bool(n % 2),
    }


records_strategy = st.lists(
    st.builds(
        _record,
        n=st.integers(0, 10_000),
        province=st.sampled_from(sorted(_PROVINCE_REGION)),
        period=st.sampled_from(["2024-T4", "2025-T1", "2025-T2", "2025-T3"]),
        band=st.sampled_from(["<18", "18-34", "35-49", "50+", "unknown"]),
        gender=st.sampled_from(["female", "male", "other_or_unknown"]),
        area=st.sampled_from(["italy", "africa_west", "africa_north", "asia_south", "unknown"]),
    ),
    max_size=120,
)


@given(records=records_strategy, k=st.sampled_from([2, 5, 11]))
def test_anonymise_leaves_no_group_smaller_than_k(records: list[Record], k: int) -> None:
    rows, level, suppressed = anonymise(records, k)

    keys = quasi_identifiers(level)
    sizes = Counter(tuple(row[key] for key in keys) for row in rows)
    assert all(size >= k for size in sizes.values())
    assert suppressed + len(rows) == len(records)
    # The place column of the level replaces both place fields; the rest pass through.
    assert all(set(row) == {"record_id", *keys, "job"} for row in rows)
    # Suppression removes whole rows: the kept ones are the input's, generalised.
    assert Counter(row["record_id"] for row in rows) <= Counter(r["record_id"] for r in records)


def test_the_lowest_level_is_kept_when_it_drops_almost_nothing() -> None:
    records = [_record(n) for n in range(99)] + [_record(99, band="50+")]
    rows, level, suppressed = anonymise(records, 11)
    assert (level, suppressed, len(rows)) == (0, 1, 99)
    assert {row["opened_period"] for row in rows} == {"2025-T1"}


def test_quarters_become_years_when_quarters_are_too_small() -> None:
    records = [_record(n) for n in range(12)] + [_record(n, period="2025-T2") for n in range(10)]
    rows, level, suppressed = anonymise(records, 11)
    assert (level, suppressed) == (1, 0)
    assert {row["opened_period"] for row in rows} == {"2025"}
    assert "province" in rows[0] and "region" not in rows[0]


def test_the_coarsest_level_merges_ages_and_continents() -> None:
    records = [_record(n, band="18-34", area="africa_west") for n in range(6)] + [
        _record(n, band="<18", area="africa_north") for n in range(6)
    ]
    rows, level, suppressed = anonymise(records, 11)
    assert (level, suppressed) == (3, 0)
    assert {(row["age_band"], row["citizenship_area"]) for row in rows} == {("<35", "africa")}
    assert {row["region"] for row in rows} == {"Uno"}


def test_when_no_level_is_good_enough_the_one_dropping_fewest_is_chosen() -> None:
    # Ten alike in region Uno can never reach 11; 3 groups of 11 are fine from level 0.
    records = [
        _record(n, gender=g) for g in ("female", "male", "other_or_unknown") for n in range(11)
    ]
    records += [_record(n, province="Gamma", band="50+", area="italy") for n in range(10)]
    rows, level, suppressed = anonymise(records, 11)
    assert (level, suppressed, len(rows)) == (0, 10, 33)


def test_k_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        anonymise([], 0)


# --- The code tables --------------------------------------------------------------------------


def test_every_country_has_an_area_and_every_area_a_label_and_continent() -> None:
    assert {code for code, _name in COUNTRIES} == set(COUNTRY_AREA)
    assert set(COUNTRY_AREA.values()) <= set(AREA_LABELS) == set(AREA_CONTINENT)


def test_every_column_of_every_level_is_in_the_data_dictionary() -> None:
    described = [key for key, _label in COLUMNS]
    assert len(described) == len(set(described))
    for level in range(len(LEVELS)):
        assert set(header(level)) <= set(described)
    data = Microdata(header(2), [], 2, 0, 0, 11, quasi_identifiers(2))
    assert [key for key, _label in data.dictionary()] == header(2)


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [(None, "unknown"), (2008, "<18"), (2007, "18-34"), (1991, "18-34"), (1990, "35-49"),
     (1976, "35-49"), (1975, "50+")],
)  # fmt: skip
def test_age_band_in_the_year_of_opening(birth_year: int | None, band: str) -> None:
    assert age_band(2025, birth_year) == band


@pytest.mark.parametrize(
    ("days", "band"),
    [(0, "0-30"), (30, "0-30"), (31, "31-90"), (90, "31-90"), (91, "91-180"), (180, "91-180"),
     (181, "181-365"), (365, "181-365"), (366, ">365")],
)  # fmt: skip
def test_days_open_bands(days: int, band: str) -> None:
    assert days_open_band(days) == band


def test_furthest_phase_ignores_closing_and_pauses() -> None:
    assert furthest_phase([None], Phase.CONTACT) == Phase.CONTACT
    assert furthest_phase([2], Phase.CLOSED, "") == Phase.ANALYSIS
    assert furthest_phase([None], Phase.SUSPENDED, Phase.PLAN) == Phase.PLAN
    assert furthest_phase([1], Phase.FOLLOW_UP) == Phase.FOLLOW_UP
