"""Every indicator on the hand-built dataset (`dataset.py`), against answers worked out by hand.

The comments give the arithmetic. English labels: the tests read rows by their labels.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ponte.monitoring.indicators import funnel, network, outcomes, outputs, process, times
from ponte.monitoring.tables import Small, Table
from ponte.monitoring.tests.dataset import SINCE, UNTIL, Dataset, build

pytestmark = pytest.mark.usefixtures("english")
SMALL = Small()


@pytest.fixture
def data(world: Any) -> Dataset:
    return build(world)


def by_label(table: Table) -> dict[str, list[Any]]:
    return {str(row.label): row.values for row in table.rows}


def only_row(table: Table) -> list[Any]:
    assert len(table.rows) == 1, [str(r.label) for r in table.rows]
    return table.rows[0].values


# ---- the path ----------------------------------------------------------------------------------


def test_reach_counts_contacts_groups_recognised_and_returning_people(data: Dataset) -> None:
    # A: 4 contacts (a1 twice, b2, one without alias), 12 met in groups; B: 1 contact, 3 in groups.
    # The December contact and the foreign PUA's are outside.
    assert only_row(outputs.reach(data.scope())) == [5, 15, 3, 1, 1, 1]
    rows = by_label(outputs.reach(data.scope("access_point")))
    assert rows == {
        "PUA Alfa (fittizio)": [4, 12, 2, 1, 1, 1],
        "PUA Beta (fittizio)": [1, 3, 1, 0, 0, 0],
    }


def test_reach_by_ambito_counts_a_pua_in_each_of_its_ambiti_and_once_per_province(
    data: Dataset,
) -> None:
    ambiti = by_label(outputs.reach(data.scope("ambito")))
    assert ambiti["Ambito Alfa Uno"] == ambiti["Ambito Alfa Due"] == [4, 12, 2, 1, 1, 1]
    assert ambiti["Ambito Beta"] == [1, 3, 1, 0, 0, 0]
    provinces = by_label(outputs.reach(data.scope("province")))
    assert provinces == {
        "Provincia Alfa": [4, 12, 2, 1, 1, 1],
        "Provincia Beta": [1, 3, 1, 0, 0, 0],
    }


def test_reach_by_a_personal_characteristic_suppresses_small_counts(data: Dataset) -> None:
    rows = by_label(outputs.reach(data.scope("gender")))
    # Contacts: one woman (k1) and four men; groups: 5 women, 10 men. "Came back" is per alias
    # and cannot be split by gender.
    assert rows["Female"] == [SMALL, 5, SMALL, None, SMALL, SMALL]
    assert rows["Male"] == [4, 10, 3, None, 0, 0]


def test_funnel_counts_each_step_reached_once_whatever_came_after(data: Dataset) -> None:
    # Cohort: c1, c2, c3 opened in the period (c4 earlier, the restricted and foreign ones out).
    # c1 went all the way to a positive exit, c2 reached engagement, c3 is still at contact.
    assert only_row(funnel.funnel(data.scope())) == [3, 2, 1, 1, 1, 33.3]
    rows = by_label(funnel.funnel(data.scope("access_point")))
    assert rows["PUA Alfa (fittizio)"] == [2, 2, 1, 1, 1, 50.0]
    assert rows["PUA Beta (fittizio)"] == [1, 0, 0, 0, 0, 0.0]


def test_funnel_by_gender_hides_small_counts_and_the_rates_made_from_them(data: Dataset) -> None:
    rows = by_label(funnel.funnel(data.scope("gender")))
    assert rows["Female"] == [SMALL, SMALL, SMALL, SMALL, SMALL, None]
    assert rows["Male"] == [SMALL, SMALL, 0, 0, 0, None]


def test_funnel_by_month_follows_the_opening_date(data: Dataset) -> None:
    rows = by_label(funnel.funnel(data.scope("month")))
    assert list(rows) == ["2026-01", "2026-02", "2026-03"]
    assert rows["2026-01"][:5] == [1, 1, 1, 1, 1]


def test_waits_are_medians_of_the_days_between_steps(data: Dataset) -> None:
    # To engagement: c1 5 days, c2 10 → 7.5. Then c1 only: 17 days to analysis, 28 to the plan
    # (February 2026), 61 from the plan (1 March) to the positive closing (1 May).
    assert only_row(funnel.waits(data.scope())) == [3, 7.5, 17.0, 28.0, 61.0]


def test_where_now_is_todays_snapshot_of_open_cases(data: Dataset) -> None:
    rows = by_label(funnel.where_now(data.scope()))
    now = timezone.now()
    c3_days = (now - data.cases["c3"].phase_since).total_seconds() / 86400
    assert rows["Contact"] == [1, pytest.approx(c3_days, abs=0.1), 1]
    assert rows["Implementation"] == [1, pytest.approx(100.0, abs=0.1), 1]
    assert "Closed" not in rows
    assert sum(values[0] for values in rows.values()) == 3  # c2, c3, c4


# ---- process -----------------------------------------------------------------------------------


def test_trust_averages_the_answers_of_the_period(data: Dataset) -> None:
    # 5, 3, 4 in the period (c4's 2 in December, and the restricted and foreign people's 1s, out).
    assert only_row(process.trust(data.scope())) == [3, 4.0, 66.7]


def test_wellbeing_compares_first_and_latest_self_assessment(data: Dataset) -> None:
    # c1: 2.0 → 4.0 (improved); c4: 4 (December) → 3 (March); c2 has one assessment only.
    assert only_row(process.wellbeing(data.scope())) == [2, 3.0, 3.5, 50.0]


def test_access_to_services_counts_sent_referrals_per_person(data: Dataset) -> None:
    # c1 sent 2 (one completed, one declined), c2 one accepted and a draft (not sent).
    assert only_row(process.access_to_services(data.scope())) == [2, 3, 2, 1, 1.5, 50.0]


def test_continuity_measures_length_and_follow_ups_on_time(data: Dataset) -> None:
    lengths = sorted(
        [
            (dt.date(2026, 5, 1) - dt.date(2026, 1, 10)).days,  # c1, closed
            (UNTIL - dt.date(2026, 2, 1)).days,  # c2
            (UNTIL - dt.date(2026, 3, 1)).days,  # c3
            (UNTIL - dt.date(2025, 6, 1)).days,  # c4, opened before the period
        ]
    )
    median = (lengths[1] + lengths[2]) / 2
    # Due in the period: c1 ×2 (on time, 14 days late), c2 on time, c3 missed, c4 on time;
    # c1's follow-up after closure is counted apart.
    assert only_row(process.continuity(data.scope())) == [4, median, 5, 4, 3, 1, 60.0]


# ---- outputs and outcomes ----------------------------------------------------------------------


def test_outputs_of_the_period(data: Dataset) -> None:
    # 3 cases opened, 1 taken in charge; 3 activities (60 + 30 minutes + one unrecorded);
    # 3 referrals sent; one internship with 250 € spent.
    assert only_row(outputs.outputs(data.scope())) == [3, 1, 3, 1.5, 3, 1, Decimal("250.00")]


def test_activities_and_support_by_kind(data: Dataset) -> None:
    activities = by_label(outputs.activities_by_kind(data.scope()))
    assert activities["Work and training guidance"] == [2, 1.0, 2]
    assert activities["Legal advice and paperwork"] == [1, 0.5, 1]
    assert activities["Psychological support"] == [0, 0.0, 0]
    support = by_label(outputs.support_by_kind(data.scope()))
    assert support["Internship (tirocinio)"] == [1, 1, Decimal("600.00"), Decimal("250.00")]
    assert support["Housing support"] == [0, 0, Decimal("0.00"), Decimal("0.00")]


def test_outcomes_count_people_per_kind(data: Dataset) -> None:
    values = only_row(outcomes.outcomes_by_kind(data.scope()))
    columns = [c.key for c in outcomes.outcomes_by_kind(data.scope()).columns]
    found = dict(zip(columns, values, strict=True))
    assert found["people"] == 2  # c1 (job, dispute) and c4 (permit); the restricted person out
    assert (found["job"], found["dispute"], found["permit"], found["housing"]) == (1, 1, 1, 0)


def test_closures_placements_and_permits(data: Dataset) -> None:
    closures = by_label(outcomes.closures(data.scope()))
    assert closures["Positive: regular and decent work or protection reached"] == [1, 100.0]
    assert closures["No result"] == [0, 0.0]
    placements = by_label(outcomes.placements_and_disputes(data.scope()))
    assert placements["Permanent"] == [1, None]
    assert placements["Labour disputes"] == [1, None]
    assert placements["Labour disputes settled"] == [1, Decimal("1200.50")]
    permits = outcomes.permits(data.scope())
    assert [row.values for row in permits.rows] == [[1]]


def test_times_from_contact_to_case_and_along_referrals(data: Dataset) -> None:
    # Contact 3 January → case 10 January: 7 days. Referrals accepted after 2 and 1 days
    # (median 1.5); the completed one 26 days after acceptance.
    assert only_row(times.times(data.scope())) == [1, 7.0, 2, 1.5, 1, 26.0]


# ---- the network -------------------------------------------------------------------------------


def test_network_counts_organisations_and_agreements_in_force(data: Dataset) -> None:
    rows = by_label(network.organisations(data.scope()))
    assert rows["Third sector"] == [2]  # own and partner, bound by own's pact
    assert rows["Public bodies"] == [0]
    agreements = by_label(network.agreements(data.scope()))
    assert agreements["Territorial pact"] == [1]  # own's; foreign's is not in the scope
    assert agreements["Convention"] == [0]


def test_referral_graph_has_one_edge_per_pair_with_its_loop_figures(data: Dataset) -> None:
    table = network.referral_graph(data.scope())
    rows = by_label(table)
    # own → partner: 4 sent (the restricted person's counts: the graph is of organisations),
    # 2 accepted, 1 declined → 66.7%; 1 completed of 1 ended after acceptance → 100%.
    assert len(rows) == 1
    ((label, values),) = rows.items()
    assert label.endswith("→ Cooperativa fittizia Partner")
    assert values == [4, 2, 1, 66.7, 100.0]


def test_the_scope_leaves_other_puas_out(data: Dataset) -> None:
    only_b = data.scope().__class__(frozenset({data.b.pk}), SINCE, UNTIL, "")
    assert only_row(funnel.funnel(only_b)) == [1, 0, 0, 0, 0, 0.0]
    assert only_row(outputs.reach(only_b))[:1] == [1]


# No query runs: the test only reads which database each base would use.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_indicators_read_from_the_replica_when_one_is_configured(settings: Any) -> None:
    from ponte.monitoring.indicators import cases_scope

    period = cases_scope.Scope(None, SINCE, UNTIL)
    assert cases_scope.cases(period).db == "default"
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    for base in (
        cases_scope.cases,
        cases_scope.follow_ups,
        cases_scope.outbound_referrals,
        cases_scope.contacts,
        cases_scope.people_met,
    ):
        assert base(period).db == "replica"
