"""The joint assessment's services: observations with sources, the screening snapshot, the
decision as a separate justified act, re-assessments as history, needs, stale forms."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from ponte.audit.testing import assert_audited
from ponte.cases import indicators
from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Assessment,
    Case,
    CaseNeed,
    EventKind,
    FirstListening,
    ObservationSource,
    SafetyAssessment,
)
from ponte.cases.queries_assessment import latest_safety_flags
from ponte.cases.services import assessment as services
from ponte.cases.services.assessment import ObservationInput
from ponte.people.services import StaleEdit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
EARLIER = TODAY - datetime.timedelta(days=10)

# Positive on dimensions 1 (recruitment), 4 (exploitation) and 5 (destination).
POSITIVE = [
    ("delphi", "d1_deceived_nature_of_job"),  # S
    ("delphi", "d1_deceived_wages"),  # M
    ("delphi", "d4_excessive_working_hours"),  # S
    ("delphi", "d4_low_or_no_salary"),  # M
    ("delphi", "d5_confiscation_of_documents"),  # S
    ("delphi", "d5_debt_bondage"),  # S
    ("c603", "wages"),
    ("ilo", "retention_of_identity_documents"),
]
# Exploitative conditions only: no recruitment, no destination dimension.
NEGATIVE = [
    ("delphi", "d4_excessive_working_hours"),
    ("delphi", "d4_low_or_no_salary"),
    ("delphi", "d1_deceived_wages"),
]


def _case(world: Any) -> Case:
    return CaseFactory(access_point=world.own_access_point)


def _obs(pairs: list[tuple[str, str]], on: datetime.date = TODAY) -> list[ObservationInput]:
    sources = list(ObservationSource.values)
    return [
        ObservationInput(fw, code, sources[i % len(sources)], on, note=f"nota fittizia {i}")
        for i, (fw, code) in enumerate(pairs)
    ]


def _record(case: Case, user: Any, pairs: list[tuple[str, str]], **kw: Any) -> Assessment:
    return services.record_assessment(
        case,
        actor=user,
        assessed_on=kw.pop("assessed_on", TODAY),
        observations=_obs(pairs, kw.pop("on", TODAY)),
        expected_version=kw.pop("expected_version", case.version),
        **kw,
    )


def test_observations_are_stored_with_source_date_and_note(world: Any) -> None:
    case = _case(world)
    assessment = _record(case, world.users["specialist"], POSITIVE, on=EARLIER)
    stored = {(o.framework, o.code): o for o in assessment.observations.all()}
    assert set(stored) == set(POSITIVE)
    for i, pair in enumerate(POSITIVE):
        obs = stored[pair]
        assert obs.observed_on == EARLIER
        assert obs.source == list(ObservationSource.values)[i % 4]
        assert obs.note == f"nota fittizia {i}"


def test_positive_snapshot_equals_screen_of_stored_observations(world: Any) -> None:
    case = _case(world)
    with translation.override("en"):
        assessment = _record(case, world.users["case_manager"], POSITIVE)
    assessment.refresh_from_db()
    stored = list(assessment.observations.values_list("framework", "code"))
    expected = indicators.screen(stored)
    assert assessment.screening == expected.to_dict()
    assert assessment.screening_positive is True
    dims = assessment.screening["dimensions"]
    assert {d for d, r in dims.items() if r["positive"]} == {
        "deceptive_recruitment",
        "exploitative_conditions",
        "coercion_at_destination",
    }
    event = case.events.get(kind=EventKind.ASSESSMENT)
    # Counts only, never which indicators (written in the writer's language).
    assert event.summary == "8 observations"
    assert_audited(
        "cases.assessment_recorded",
        case,
        observations=8,
        assessment=str(assessment.public_id),
    )


def test_negative_snapshot(world: Any) -> None:
    case = _case(world)
    assessment = _record(case, world.users["case_manager"], NEGATIVE)
    assessment.refresh_from_db()
    stored = list(assessment.observations.values_list("framework", "code"))
    assert assessment.screening == indicators.screen(stored).to_dict()
    assert assessment.screening_positive is False
    assert assessment.screening["exploitation_positive"] is True


def test_recording_observations_never_sets_the_status(world: Any) -> None:
    case = _case(world)
    for pairs in (POSITIVE, NEGATIVE, []):
        assessment = _record(case, world.users["case_manager"], pairs)
        assessment.refresh_from_db()
        assert assessment.status == ""
        assert assessment.status_decided_by == ""
        assert assessment.decided_by_user is None
        assert assessment.decided_at is None
    assert not case.events.filter(kind=EventKind.DECISION).exists()


def test_unknown_indicator_missing_source_and_future_date_are_refused(world: Any) -> None:
    case = _case(world)
    user = world.users["case_manager"]
    bad = [
        [ObservationInput("delphi", "no_such_code", "account", TODAY)],
        [ObservationInput("ilo", "deception", "", TODAY)],
        [ObservationInput("ilo", "deception", "account", TODAY + datetime.timedelta(days=1))],
        _obs([("ilo", "deception"), ("ilo", "deception")]),
    ]
    for observations in bad:
        with pytest.raises(ValidationError):
            services.record_assessment(
                case,
                actor=user,
                assessed_on=TODAY,
                observations=observations,
                expected_version=case.version,
            )
    assert not Assessment.objects.exists()


def test_decision_needs_justification_and_manage_cases(world: Any) -> None:
    case = _case(world)
    assessment = _record(case, world.users["specialist"], POSITIVE)
    with pytest.raises(PermissionDenied):
        services.record_decision(
            assessment,
            actor=world.users["specialist"],
            status="possible_victim",
            decided_by="case_worker",
            justification="Motivazione fittizia.",
        )
    with pytest.raises(ValidationError) as err:
        services.record_decision(
            assessment,
            actor=world.users["case_manager"],
            status="possible_victim",
            decided_by="case_worker",
            justification="   ",
        )
    assert "justification" in err.value.message_dict
    assessment.refresh_from_db()
    assert assessment.status == ""

    manager = world.users["case_manager"]
    services.record_decision(
        assessment,
        actor=manager,
        status="possible_victim",
        decided_by="case_worker",
        justification="Indicatori su tre dimensioni (testo fittizio).",
        expected_version=case.version,
    )
    assessment.refresh_from_db()
    assert assessment.status == "possible_victim"
    assert assessment.status_decided_by == "case_worker"
    assert assessment.decided_by_user == manager
    assert assessment.decided_at is not None
    assert case.events.filter(kind=EventKind.DECISION).exists()
    assert_audited("cases.trafficking_status_decided", case, decided_by="case_worker")
    # Revisiting is a new assessment, not an overwrite.
    with pytest.raises(ValidationError):
        services.record_decision(
            assessment,
            actor=manager,
            status="not_a_victim",
            decided_by="case_worker",
            justification="Cambio fittizio.",
        )


def test_reassessment_keeps_the_old_one_unchanged(world: Any) -> None:
    case = _case(world)
    user = world.users["case_manager"]
    first = _record(case, user, NEGATIVE, assessed_on=EARLIER, on=EARLIER)
    first.refresh_from_db()
    before = (first.screening, list(first.observations.values_list("framework", "code", "source")))
    second = _record(case, user, POSITIVE)
    first.refresh_from_db()
    assert (
        first.screening,
        list(first.observations.values_list("framework", "code", "source")),
    ) == before
    assert first.screening_positive is False and second.screening_positive is True
    assert case.assessments.count() == 2


def test_only_notes_change_on_a_saved_assessment(world: Any) -> None:
    case = _case(world)
    user = world.users["specialist"]
    assessment = _record(case, user, NEGATIVE, notes="prima")
    services.update_assessment_notes(
        assessment, actor=user, notes="dopo (fittizio)", expected_version=case.version
    )
    assessment.refresh_from_db()
    assert assessment.notes == "dopo (fittizio)"
    assert assessment.observations.count() == len(NEGATIVE)
    assert_audited("cases.assessment_notes_updated", case)


def test_stale_version_is_refused(world: Any) -> None:
    case = _case(world)
    user = world.users["case_manager"]
    stale = case.version
    _record(case, user, NEGATIVE)
    with pytest.raises(StaleEdit):
        _record(case, user, POSITIVE, expected_version=stale)
    with pytest.raises(StaleEdit):
        services.record_first_listening(
            case, actor=user, data={"held_on": TODAY}, expected_version=stale
        )
    assert case.assessments.count() == 1
    assert not FirstListening.objects.exists()


def test_first_listening_records_needs_as_case_needs(world: Any) -> None:
    case = _case(world)
    user = world.users["specialist"]
    sheet = services.record_first_listening(
        case,
        actor=user,
        data={"held_on": EARLIER, "narrative": "Racconto fittizio.", "language": "fr"},
        immediate_needs=["legal", "training"],
        rights_information=["helpline", "legal_aid"],
        expected_version=case.version,
    )
    assert sheet.immediate_needs == "legal,training"
    assert sheet.rights_information == "helpline,legal_aid"
    needs = CaseNeed.objects.filter(case=case)
    assert {n.area for n in needs} == {"legal", "training"}
    assert {n.recorded_on for n in needs} == {EARLIER}
    assert_audited("cases.listening_recorded", case)
    assert case.events.filter(kind=EventKind.LISTENING).exists()

    services.update_first_listening(
        sheet,
        actor=user,
        data={"held_on": EARLIER, "narrative": "Racconto fittizio, seguito."},
        immediate_needs=["legal", "job_placement"],
        rights_information=[],
        expected_version=case.version,
    )
    sheet.refresh_from_db()
    assert sheet.narrative == "Racconto fittizio, seguito."
    assert {n.area for n in CaseNeed.objects.filter(case=case)} == {
        "legal",
        "training",
        "job_placement",
    }
    with pytest.raises(ValidationError):
        services.record_first_listening(
            case,
            actor=user,
            data={"held_on": TODAY},
            immediate_needs=["not_an_area"],
            expected_version=case.version,
        )


def test_safety_needs_risk_and_flags_the_latest(world: Any) -> None:
    case = _case(world)
    user = world.users["specialist"]
    assert latest_safety_flags(case) is None
    with pytest.raises(ValidationError):
        services.record_safety_assessment(
            case, actor=user, data={"assessed_on": TODAY}, expected_version=case.version
        )
    services.record_safety_assessment(
        case,
        actor=user,
        data={"assessed_on": EARLIER, "risk": "high", "phone_controlled": True},
        expected_version=case.version,
    )
    flags = latest_safety_flags(case)
    assert flags is not None and flags.high_risk and flags.phone_controlled
    services.record_safety_assessment(
        case,
        actor=user,
        data={"assessed_on": TODAY, "risk": "low", "safety_measures": "Misure fittizie."},
        expected_version=case.version,
    )
    flags = latest_safety_flags(case)
    assert flags is not None and not flags.any
    assert SafetyAssessment.objects.filter(case=case).count() == 2
    assert_audited("cases.safety_recorded", case)


def test_skills_profile_is_one_per_case_and_replaces_rows(world: Any) -> None:
    case = _case(world)
    user = world.users["specialist"]
    profile = services.save_skills_profile(
        case,
        actor=user,
        data={"education": "3", "wish": "change", "has_transport": True},
        experiences=[{"what": "Raccolta (fittizia)", "sector": "agriculture", "months": 6}],
        languages=[{"language": "fr", "level": "native"}, {"language": "it", "level": "A2"}],
        expected_version=case.version,
    )
    assert profile.experiences.get().sector == "agriculture"
    assert profile.languages.count() == 2
    again = services.save_skills_profile(
        case,
        actor=user,
        data={"education": "3", "wish": "develop"},
        experiences=[],
        languages=[{"language": "it", "level": "B1"}],
        expected_version=case.version,
    )
    assert again.pk == profile.pk
    assert not again.experiences.exists()
    assert list(again.languages.values_list("language", "level")) == [("it", "B1")]
    assert_audited("cases.skills_saved", case)
    with pytest.raises(ValidationError):
        services.save_skills_profile(
            case,
            actor=user,
            data={},
            experiences=[],
            languages=[{"language": "it", "level": "B1"}, {"language": "it", "level": "A1"}],
            expected_version=case.version,
        )
