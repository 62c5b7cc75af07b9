"""The indicator catalogue and the Delphi screening rule (STANDARDS §3): pure, no database."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ponte.cases.indicators import (
    ALL_INDICATORS,
    CHOICES,
    DELPHI_GROUPED_CHOICES,
    DIMENSIONS,
    ILO_PUBLISHED_COUNTS,
    INDICATORS,
    Framework,
    Grade,
    dimension_indicators,
    dimension_rule,
    indicators_of,
    label_of,
    screen,
    suggest_next_steps,
)

# Messages and labels are read in English (the msgids).
pytestmark = pytest.mark.usefixtures("english")

D = Framework.DELPHI


def _codes(dimension: str, grade: str) -> list[str]:
    return [i.code for i in dimension_indicators(dimension) if i.grade == grade]


def _pick(dimension: str, strong: int = 0, medium: int = 0, weak: int = 0) -> list[tuple[str, str]]:
    """The first n indicators of each grade of a dimension, as observations."""
    picked = (
        _codes(dimension, Grade.STRONG)[:strong]
        + _codes(dimension, Grade.MEDIUM)[:medium]
        + _codes(dimension, Grade.WEAK)[:weak]
    )
    assert len(picked) == strong + medium + weak, "dimension has too few indicators of a grade"
    return [(D, c) for c in picked]


# A positive dimension of each group, for the combination tests.
RECRUITMENT = _pick("deceptive_recruitment", strong=1, medium=1)
EXPLOITATION = _pick("exploitative_conditions", strong=1, weak=1)
DESTINATION = _pick("coercion_at_destination", strong=2)


# --- Catalogue ----------------------------------------------------------------------------


def test_counts_per_framework() -> None:
    assert len(indicators_of(Framework.C603)) == 4
    assert len(indicators_of(Framework.ILO)) == 11
    assert len(indicators_of(Framework.CONTROL)) == 17  # HTCDS 2.0: debt bondage ... other
    assert len(indicators_of(Framework.DELPHI)) == 62


def test_delphi_counts_per_dimension_and_grade_are_what_standards_lists() -> None:
    # (strong, medium, weak) per dimension: change only deliberately, from the ILO text.
    expected = {
        1: (1, 8, 1),
        2: (1, 9, 0),
        3: (0, 10, 2),
        4: (1, 7, 1),
        5: (4, 9, 1),
        6: (0, 5, 2),
    }
    for dim in DIMENSIONS:
        grades = [i.grade for i in dimension_indicators(dim.code)]
        counts = tuple(grades.count(g) for g in (Grade.STRONG, Grade.MEDIUM, Grade.WEAK))
        assert counts == expected[dim.number], dim.code
    listed = {d.number: len(dimension_indicators(d.code)) for d in DIMENSIONS}
    # Only dimensions 3 and 5 list fewer than the ILO's own count.
    assert {n for n in listed if listed[n] != ILO_PUBLISHED_COUNTS[n]} == {3, 5}
    assert listed[3] < ILO_PUBLISHED_COUNTS[3] and listed[5] < ILO_PUBLISHED_COUNTS[5]


def test_dimensions_and_groups() -> None:
    assert [d.number for d in DIMENSIONS] == [1, 2, 3, 4, 5, 6]
    assert [d.group for d in DIMENSIONS] == ["recruitment"] * 3 + ["exploitation"] + [
        "destination"
    ] * 2


def test_codes_are_unique_snake_case_and_lookups_work() -> None:
    assert len(INDICATORS) == len(ALL_INDICATORS)
    for (fw, code), ind in INDICATORS.items():
        assert code == code.lower() and " " not in code and code.isascii()
        assert label_of(fw, code) == ind.label
        assert (ind.dimension is None) == (fw != D) == (ind.grade is None)
    assert str(label_of("c603", "wages")).startswith("Wages")
    assert INDICATORS[("ilo", "debt_bondage")] != INDICATORS[("control", "debt_bondage")]


def test_label_of_unknown_raises() -> None:
    with pytest.raises(ValueError):
        label_of("ilo", "nope")


def test_choices_for_forms() -> None:
    assert [c for c, _label in CHOICES["c603"]] == [
        "wages",
        "working_time",
        "health_safety",
        "degrading_conditions",
    ]
    assert set(CHOICES) == {fw.value for fw in Framework}
    assert len(DELPHI_GROUPED_CHOICES) == 6
    grouped = [code for _label, options in DELPHI_GROUPED_CHOICES for code, _l in options]
    assert grouped == [c for c, _l in CHOICES["delphi"]]


# --- The dimension rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "rule"),
    [
        ((2, 0, 0), "2_strong"),
        ((3, 1, 1), "2_strong"),
        ((1, 1, 0), "1_strong_1_other"),
        ((1, 0, 1), "1_strong_1_other"),
        ((0, 3, 0), "3_medium"),
        ((0, 5, 0), "3_medium"),
        ((0, 2, 1), "2_medium_1_weak"),
        ((0, 2, 3), "2_medium_1_weak"),
        # near misses
        ((1, 0, 0), ""),
        ((0, 2, 0), ""),
        ((0, 1, 2), ""),
        ((0, 1, 5), ""),
        ((0, 0, 9), ""),
        ((0, 0, 0), ""),
    ],
)
def test_dimension_rule(counts: tuple[int, int, int], rule: str) -> None:
    assert dimension_rule(*counts) == rule


@pytest.mark.parametrize(
    ("observed", "positive", "rule"),
    [
        (_pick("coercion_at_destination", strong=2), True, "2_strong"),
        (_pick("coercion_at_destination", strong=4), True, "2_strong"),
        (_pick("coercion_at_destination", strong=1, medium=1), True, "1_strong_1_other"),
        (_pick("coercion_at_destination", strong=1, weak=1), True, "1_strong_1_other"),
        (_pick("coercion_at_destination", medium=3), True, "3_medium"),
        (_pick("coercion_at_destination", medium=2, weak=1), True, "2_medium_1_weak"),
        (_pick("coercion_at_destination", strong=1), False, ""),
        (_pick("coercion_at_destination", medium=2), False, ""),
        (_pick("coercion_at_destination", medium=1, weak=1), False, ""),
        (_pick("coercion_at_destination", weak=1), False, ""),
    ],
)
def test_dimension_5_conditions_and_near_misses(
    observed: list[tuple[str, str]], positive: bool, rule: str
) -> None:
    result = screen(observed).result("coercion_at_destination")
    assert result.positive is positive
    assert result.rule == rule
    assert [i.code for i in result.drivers] == [c for _fw, c in observed]


def test_one_medium_two_weak_is_not_positive() -> None:
    # Dimension 3 has two weak indicators: 1 medium + 2 weak is still a miss.
    result = screen(_pick("recruitment_abuse_of_vulnerability", medium=1, weak=2)).result(
        "recruitment_abuse_of_vulnerability"
    )
    assert (result.positive, result.medium, result.weak) == (False, 1, 2)


def test_single_strong_dimensions_cannot_reach_two_strong_but_still_screen() -> None:
    # Dimensions 1, 2 and 4 have one strong indicator: positive only with company.
    for dim in ("deceptive_recruitment", "coercive_recruitment", "exploitative_conditions"):
        assert not screen(_pick(dim, strong=1)).result(dim).positive
        assert screen(_pick(dim, strong=1, medium=1)).result(dim).positive


@pytest.mark.parametrize(
    "dim", ["recruitment_abuse_of_vulnerability", "destination_abuse_of_vulnerability"]
)
def test_dimensions_without_strong_indicators(dim: str) -> None:
    assert screen(_pick(dim, medium=3)).result(dim).rule == "3_medium"
    assert screen(_pick(dim, medium=2, weak=1)).result(dim).rule == "2_medium_1_weak"
    assert not screen(_pick(dim, medium=2)).result(dim).positive
    assert not screen(_pick(dim, weak=2)).result(dim).positive


def test_reason_is_a_sentence() -> None:
    result = screen(_pick("coercion_at_destination", medium=3)).result("coercion_at_destination")
    assert str(result.reason) == "at least 3 medium indicators"


def test_unknown_code_raises() -> None:
    with pytest.raises(ValueError, match="nope"):
        screen([(D, "nope")])
    with pytest.raises(ValueError):
        screen([("elsewhere", "wages")])


def test_non_delphi_observations_are_kept_but_ignored_by_the_rule() -> None:
    observed = [("ilo", "debt_bondage"), ("c603", "wages"), ("control", "other")]
    result = screen(observed)
    assert [i.key for i in result.observed] == observed
    assert not any(r.positive or r.drivers for r in result.dimensions)


def test_duplicate_observations_count_once() -> None:
    code = _codes("coercion_at_destination", Grade.STRONG)[0]
    assert not screen([(D, code), (D, code)]).result("coercion_at_destination").positive


# --- Combination rule ---------------------------------------------------------------------


@pytest.mark.parametrize(("rec", "exp", "dest"), list(itertools.product([False, True], repeat=3)))
def test_combination_rule(rec: bool, exp: bool, dest: bool) -> None:
    observed = (
        (RECRUITMENT if rec else []) + (EXPLOITATION if exp else []) + (DESTINATION if dest else [])
    )
    result = screen(observed)
    assert (result.recruitment_positive, result.exploitation_positive) == (rec, exp)
    assert result.destination_positive is dest
    assert result.possible_victim is (rec and exp and dest)


def test_any_recruitment_and_destination_dimension_counts() -> None:
    observed = (
        _pick("recruitment_abuse_of_vulnerability", medium=3)
        + EXPLOITATION
        + _pick("destination_abuse_of_vulnerability", medium=2, weak=1)
    )
    assert screen(observed).possible_victim


def test_drivers_are_the_indicators_of_positive_dimensions_only() -> None:
    noise = _pick("coercive_recruitment", medium=1)  # dimension 2 stays negative
    result = screen(RECRUITMENT + EXPLOITATION + DESTINATION + noise)
    assert [i.key for i in result.drivers] == RECRUITMENT + EXPLOITATION + DESTINATION


def test_to_dict_is_json_safe_codes_only() -> None:
    result = screen([*RECRUITMENT, *EXPLOITATION, *DESTINATION, ("c603", "wages")])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["possible_victim"] is True
    assert data["observed"][-1] == ["c603", "wages"]
    dim1 = data["dimensions"]["deceptive_recruitment"]
    assert dim1 == {
        "positive": True,
        "rule": "1_strong_1_other",
        "strong": 1,
        "medium": 1,
        "weak": 0,
        "drivers": [c for _fw, c in RECRUITMENT],
    }


# --- Next steps ---------------------------------------------------------------------------


def _steps(observed: list[tuple[str, str]]) -> list[str]:
    return [s.code for s in suggest_next_steps(screen(observed), observed)]


def test_possible_victim_suggests_referral_and_social_path() -> None:
    observed = RECRUITMENT + EXPLOITATION + DESTINATION
    steps = suggest_next_steps(screen(observed), observed)
    assert [s.code for s in steps] == ["anti_trafficking_referral", "art18_social_path"]
    assert steps[0].phone == "800 290 290"
    assert "Art. 18 D.Lgs. 286/1998" in steps[1].reference
    # The why names the indicators that made the screening positive.
    first = dimension_indicators("deceptive_recruitment")[0]
    assert str(first.label) in str(steps[0].why)


def test_no_referral_without_a_positive_screening() -> None:
    assert _steps(RECRUITMENT + EXPLOITATION) == []
    assert _steps([]) == []


@pytest.mark.parametrize(
    "code",
    [
        "retention_of_identity_documents",
        "debt_bondage",
        "physical_sexual_violence",
        "restriction_of_movement",
    ],
)
def test_ilo_strong_signal_suggests_consultation(code: str) -> None:
    steps = suggest_next_steps(screen([("ilo", code)]), [("ilo", code)])
    assert [s.code for s in steps] == ["anti_trafficking_consultation"]
    assert steps[0].phone == "800 290 290"
    assert str(label_of("ilo", code)) in str(steps[0].why)


def test_consultation_not_suggested_for_other_ilo_or_when_already_positive() -> None:
    assert _steps([("ilo", "deception"), ("ilo", "isolation")]) == []
    positive = [*RECRUITMENT, *EXPLOITATION, *DESTINATION, ("ilo", "debt_bondage")]
    assert "anti_trafficking_consultation" not in _steps(positive)


def test_art18ter_with_two_indices_or_positive_exploitation() -> None:
    assert _steps([("c603", "health_safety"), ("c603", "degrading_conditions")]) == [
        "art18ter_permit"
    ]
    assert _steps([("c603", "degrading_conditions"), *EXPLOITATION]) == ["art18ter_permit"]
    # One index, exploitation negative: no 18-ter.
    assert _steps([("c603", "health_safety")]) == []
    # Exploitation positive but no 603-bis index: no 18-ter.
    assert _steps(EXPLOITATION) == []


def test_labour_dispute_for_wages_or_working_time() -> None:
    assert _steps([("c603", "wages")]) == ["labour_dispute"]
    assert _steps([("c603", "working_time")]) == ["labour_dispute"]
    assert _steps([("c603", "degrading_conditions")]) == []
    both = [("c603", "wages"), ("c603", "working_time")]
    steps = suggest_next_steps(screen(both), both)
    assert [s.code for s in steps] == ["art18ter_permit", "labour_dispute"]
    assert str(label_of("c603", "working_time")) in str(steps[1].why)


def test_all_rules_together_keep_a_stable_order_without_duplicates() -> None:
    observed = [*RECRUITMENT, *EXPLOITATION, *DESTINATION, ("c603", "wages"), ("ilo", "deception")]
    assert _steps(observed) == [
        "anti_trafficking_referral",
        "art18_social_path",
        "art18ter_permit",
        "labour_dispute",
    ]


def test_next_steps_reject_unknown_codes() -> None:
    with pytest.raises(ValueError):
        suggest_next_steps(screen([]), [("c603", "nope")])


# --- Property: monotone -------------------------------------------------------------------

KEYS = sorted(INDICATORS)


@given(st.lists(st.sampled_from(KEYS), max_size=20), st.sampled_from(KEYS))
def test_adding_an_observation_never_turns_a_positive_dimension_negative(
    observed: list[tuple[str, str]], extra: tuple[str, str]
) -> None:
    before, after = screen(observed), screen([*observed, extra])
    for b, a in zip(before.dimensions, after.dimensions, strict=True):
        assert a.positive or not b.positive, b.dimension.code
    assert after.possible_victim or not before.possible_victim
