"""Services of the plan in action: every rule, with the timeline and the audit record."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ponte.audit.models import AuditEvent as AuditRecord
from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Activity,
    BudgetLine,
    CaseEvent,
    CaseNote,
    FollowUp,
    LegalBasis,
    Outcome,
    SupportKind,
)
from ponte.cases.queries_tasks import notes_shared_with_partner, notes_visible_to
from ponte.cases.services import work as services
from ponte.cases.services import work_outcomes as outcomes
from ponte.cases.services.core import close_case
from ponte.cases.services.work import Amounts, SupportInput
from ponte.people.models import Consent
from ponte.people.services import ConsentInput, StaleEdit, record_consent, withdraw_consent

# Messages and labels are read in English (the msgids).
pytestmark = pytest.mark.usefixtures("english")

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def case(world):
    return CaseFactory(
        access_point=world.own_access_point,
        case_manager=world.users["case_manager"],
        opened_on=TODAY - 200 * DAY,
    )


def _autonomy(case, user):
    scores = {name: 3 for name in services.AUTONOMY_DIMENSIONS}
    return services.record_autonomy(case, actor=user, assessed_on=TODAY, scores=scores)


# ---- activities ---------------------------------------------------------------------------------


def test_activity_recorded_with_event_audit_and_version(world, case):
    user = world.users["specialist"]
    version = case.version
    activity = services.record_activity(
        case,
        actor=user,
        kind="legal",
        done_on=TODAY,
        minutes=45,
        note="Fictitious note",
        expected_version=version,
    )
    assert activity.done_by == user
    case.refresh_from_db()
    assert case.version == version + 1
    event = CaseEvent.objects.get(case=case, kind="activity")
    assert event.summary == "legal"
    assert AuditRecord.objects.filter(action="cases.activity_recorded").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"done_on": TODAY + DAY}, "done_on"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
    ],
)
def test_activity_rules(world, case, kwargs, field):
    data = {"kind": "legal", "done_on": TODAY, **kwargs}
    with pytest.raises(ValidationError) as e:
        services.record_activity(case, actor=world.users["specialist"], **data)
    assert field in e.value.message_dict
    assert not Activity.objects.exists()


def test_activity_stale_and_forbidden(world, case):
    with pytest.raises(StaleEdit):
        services.record_activity(
            case,
            actor=world.users["specialist"],
            kind="legal",
            done_on=TODAY,
            expected_version=case.version + 5,
        )
    with pytest.raises(PermissionDenied):
        services.record_activity(case, actor=world.users["analyst"], kind="legal", done_on=TODAY)


# ---- direct support -----------------------------------------------------------------------------


def test_support_needs_an_autonomy_assessment(world, case):
    user = world.users["case_manager"]
    data = SupportInput(kind=SupportKind.ALLOWANCE, autonomy_assessment=None, granted_on=TODAY)
    with pytest.raises(ValidationError, match="Assess the person's autonomy first"):
        services.record_support(case, actor=user, data=data)


def test_support_assessment_must_be_of_this_case(world, case):
    user = world.users["case_manager"]
    _autonomy(case, user)
    other = CaseFactory(access_point=world.own_access_point)
    foreign_assessment = _autonomy(other, user)
    data = SupportInput(
        kind=SupportKind.ALLOWANCE, autonomy_assessment=foreign_assessment, granted_on=TODAY
    )
    with pytest.raises(ValidationError) as e:
        services.record_support(case, actor=user, data=data)
    assert "autonomy_assessment" in e.value.message_dict


def test_autonomy_scores_from_1_to_5(world, case):
    scores = {name: 3 for name in services.AUTONOMY_DIMENSIONS} | {"initiative": 6}
    with pytest.raises(ValidationError):
        services.record_autonomy(
            case, actor=world.users["case_manager"], assessed_on=TODAY, scores=scores
        )


def test_support_spent_cannot_exceed_planned(world, case):
    user = world.users["case_manager"]
    assessment = _autonomy(case, user)
    data = SupportInput(
        kind=SupportKind.WORK_GRANT,
        autonomy_assessment=assessment,
        granted_on=TODAY,
        amounts=Amounts(Decimal("100"), Decimal("150")),
    )
    with pytest.raises(ValidationError, match="raise the planned amount first"):
        services.record_support(case, actor=user, data=data)
    data.amounts = Amounts(Decimal("-1"), Decimal("0"))
    with pytest.raises(ValidationError, match="negative"):
        services.record_support(case, actor=user, data=data)


def test_support_dates_in_order(world, case):
    user = world.users["case_manager"]
    data = SupportInput(
        kind=SupportKind.INTERNSHIP,
        autonomy_assessment=_autonomy(case, user),
        granted_on=TODAY,
        starts_on=TODAY,
        ends_on=TODAY - DAY,
    )
    with pytest.raises(ValidationError) as e:
        services.record_support(case, actor=user, data=data)
    assert "ends_on" in e.value.message_dict


def test_budget_totals_are_the_sums_of_the_lines(world, case):
    user = world.users["case_manager"]
    data = SupportInput(
        kind=SupportKind.BUDGET,
        autonomy_assessment=_autonomy(case, user),
        granted_on=TODAY,
        amounts=Amounts(Decimal("9999"), Decimal("0")),  # ignored for a budget
        lines={
            "housing": Amounts(Decimal("1000"), Decimal("200")),
            "health": Amounts(Decimal("300"), Decimal("0")),
            "work": Amounts(Decimal("500.50"), Decimal("100")),
        },
    )
    measure = services.record_support(case, actor=user, data=data)
    assert measure.planned_amount == Decimal("1800.50")
    assert measure.spent_amount == Decimal("300")
    assert BudgetLine.objects.filter(measure=measure).count() == 3
    assert AuditRecord.objects.filter(action="cases.support_recorded").exists()

    lines = dict(data.lines) | {"health": Amounts(Decimal("300"), Decimal("250"))}
    services.update_support(measure, actor=user, amounts=Amounts(), lines=lines)
    measure.refresh_from_db()
    assert measure.spent_amount == Decimal("550")
    lines["health"] = Amounts(Decimal("300"), Decimal("301"))
    with pytest.raises(ValidationError) as e:
        services.update_support(measure, actor=user, amounts=Amounts(), lines=lines)
    assert "health_spent_amount" in e.value.message_dict


def test_support_is_for_case_managers(world, case):
    with pytest.raises(PermissionDenied):
        _autonomy(case, world.users["specialist"])


# ---- follow-ups ---------------------------------------------------------------------------------


def test_schedule_at_cadence_without_duplicates(world, case):
    user = world.users["specialist"]
    case.follow_up_every_days = 14
    case.save()
    first = services.schedule_follow_ups(case, actor=user, count=3, start=TODAY)
    assert [f.due_on for f in first] == [TODAY, TODAY + 14 * DAY, TODAY + 28 * DAY]
    again = services.schedule_follow_ups(case, actor=user, count=4, start=TODAY)
    assert [f.due_on for f in again] == [TODAY + 42 * DAY]
    assert FollowUp.objects.filter(case=case).count() == 4
    assert not any(f.after_closure for f in FollowUp.objects.filter(case=case))


def test_schedule_default_start_is_one_cadence_away(world, case):
    created = services.schedule_follow_ups(case, actor=world.users["specialist"], count=1)
    assert created[0].due_on == TODAY + case.follow_up_every_days * DAY


def test_schedule_forbidden_to_analyst(world, case):
    with pytest.raises(PermissionDenied):
        services.schedule_follow_ups(case, actor=world.users["analyst"])


def _record(follow_up, user, **kwargs):
    data = {"status": "done", "done_on": TODAY, "channel": "phone", **kwargs}
    return services.record_follow_up(follow_up, actor=user, **data)


def test_done_with_none_left_schedules_the_next(world, case):
    user = world.users["specialist"]
    (only,) = services.schedule_follow_ups(case, actor=user, count=1, start=TODAY)
    result = _record(only, user, answers={"trust": 4, "wellbeing_general": 2})
    assert result.follow_up.status == "done"
    assert result.follow_up.trust == 4
    assert result.next_scheduled is not None
    assert result.next_scheduled.due_on == TODAY + case.follow_up_every_days * DAY
    assert AuditRecord.objects.filter(action="cases.follow_up_recorded").count() == 2


def test_done_with_another_planned_schedules_nothing(world, case):
    user = world.users["specialist"]
    first, _second = services.schedule_follow_ups(case, actor=user, count=2, start=TODAY)
    assert _record(first, user).next_scheduled is None


def test_missed_schedules_nothing_and_takes_no_answers(world, case):
    user = world.users["specialist"]
    (only,) = services.schedule_follow_ups(case, actor=user, count=1, start=TODAY)
    with pytest.raises(ValidationError, match="no answers"):
        _record(only, user, status="missed", answers={"trust": 3})
    result = _record(only, user, status="missed", done_on=None)
    assert result.follow_up.status == "missed"
    assert result.next_scheduled is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "planned"}, "done or missed"),
        ({"done_on": None}, "date"),
        ({"done_on": TODAY + DAY}, "future"),
        ({"answers": {"trust": 0}}, "1 to 5"),
    ],
)
def test_follow_up_rules(world, case, kwargs, message):
    user = world.users["specialist"]
    (only,) = services.schedule_follow_ups(case, actor=user, count=1, start=TODAY)
    with pytest.raises(ValidationError, match=message):
        _record(only, user, **kwargs)


def test_follow_up_recorded_once(world, case):
    user = world.users["specialist"]
    first, _ = services.schedule_follow_ups(case, actor=user, count=2, start=TODAY)
    _record(first, user)
    with pytest.raises(ValidationError, match="already recorded"):
        _record(first, user)


def test_after_closure_on_a_closed_case(world, case):
    manager = world.users["case_manager"]
    (planned,) = services.schedule_follow_ups(case, actor=manager, count=1, start=TODAY)
    close_case(case, actor=manager, reason="goals_reached", outcome="positive", closed_on=TODAY)
    case.refresh_from_db()
    result = _record(planned, manager)
    assert result.follow_up.after_closure is True
    assert result.next_scheduled is None  # closed: no automatic next one
    (later,) = services.schedule_follow_ups(case, actor=manager, count=1)
    assert later.after_closure is True


# ---- outcomes -----------------------------------------------------------------------------------


def _outcome(case, user, kind, **data):
    return outcomes.record_outcome(case, actor=user, kind=kind, achieved_on=TODAY, data=data)


def test_job_needs_contract_and_start(world, case):
    user = world.users["case_manager"]
    with pytest.raises(ValidationError, match="contract type and a start date"):
        _outcome(case, user, "job", contract_type="permanent")
    with pytest.raises(ValidationError):
        _outcome(case, user, "job", contract_type="permanent", starts_on=TODAY, sector="mining")
    outcome = _outcome(
        case,
        user,
        "job",
        contract_type="fixed_term",
        starts_on=TODAY,
        sector="agriculture",
        employer="Azienda agricola fittizia",
        duration_months=6,
        description="dropped",
        legal_basis=None,
    )
    assert outcome.description == ""  # fields of other kinds are not kept
    assert CaseEvent.objects.filter(case=case, kind="outcome", summary="job").exists()
    assert AuditRecord.objects.filter(action="cases.outcome_recorded").exists()


def test_dispute_amount_and_settlement(world, case):
    user = world.users["case_manager"]
    with pytest.raises(ValidationError, match="settled"):
        _outcome(case, user, "dispute", amount_recovered=Decimal("500"))
    with pytest.raises(ValidationError, match="negative"):
        _outcome(case, user, "dispute", amount_recovered=Decimal("-5"), dispute_settled=True)
    outcome = _outcome(case, user, "dispute", amount_recovered=Decimal("500"), dispute_settled=True)
    assert outcome.dispute_settled


def test_permit_needs_a_legal_basis_in_force(world, case):
    user = world.users["case_manager"]
    old = LegalBasis.objects.create(
        code="test-old-basis",
        name="Base fittizia abrogata",
        reference="art. 0",
        valid_until=TODAY - 10 * DAY,
    )
    current = LegalBasis.objects.create(
        code="test-current-basis", name="Base fittizia vigente", reference="art. 1"
    )
    with pytest.raises(ValidationError, match="legal basis"):
        _outcome(case, user, "permit")
    with pytest.raises(ValidationError, match="not in force"):
        _outcome(case, user, "permit", legal_basis=old)
    assert _outcome(case, user, "permit", legal_basis=current).legal_basis == current


def test_other_kinds_need_a_description_and_a_sane_date(world, case):
    user = world.users["case_manager"]
    with pytest.raises(ValidationError, match="Describe"):
        _outcome(case, user, "housing")
    assert _outcome(case, user, "housing", description="Stanza in affitto").kind == "housing"
    with pytest.raises(ValidationError):
        outcomes.record_outcome(
            case, actor=user, kind="course", achieved_on=TODAY + DAY, data={"description": "x"}
        )
    with pytest.raises(ValidationError, match="before the case opened"):
        outcomes.record_outcome(
            case,
            actor=user,
            kind="course",
            achieved_on=case.opened_on - DAY,
            data={"description": "x"},
        )
    with pytest.raises(PermissionDenied):
        _outcome(case, world.users["specialist"], "course", description="x")
    assert Outcome.objects.count() == 1


# ---- notes --------------------------------------------------------------------------------------


def test_note_rules(world, case):
    with pytest.raises(ValidationError):
        outcomes.add_note(case, actor=world.users["specialist"], body="  ")
    with pytest.raises(ValidationError):
        outcomes.add_note(case, actor=world.users["specialist"], body="x", visibility="world")
    note = outcomes.add_note(case, actor=world.users["specialist"], body="Nota fittizia")
    assert CaseEvent.objects.get(case=case, kind="note").summary == "pua"
    assert AuditRecord.objects.filter(action="cases.note_recorded").exists()
    assert note.visibility == CaseNote.Visibility.PUA


def test_team_note_hidden_from_specialist_not_on_team(world, case):
    manager, specialist = world.users["case_manager"], world.users["specialist"]
    team_note = outcomes.add_note(case, actor=manager, body="Solo team", visibility="team")
    pua_note = outcomes.add_note(case, actor=manager, body="Per il PUA", visibility="pua")
    assert set(notes_visible_to(case, manager)) == {team_note, pua_note}
    assert set(notes_visible_to(case, specialist)) == {pua_note}
    case.team.add(specialist)
    assert set(notes_visible_to(case, specialist)) == {team_note, pua_note}
    assert not notes_visible_to(case, world.users["coordinator@foreign"]).exists()
    assert not notes_visible_to(case, world.users["partner_operator@partner"]).exists()


def test_partner_notes_only_with_active_sharing_consent(world, case):
    manager = world.users["case_manager"]
    shared = outcomes.add_note(case, actor=manager, body="Per i partner", visibility="partners")
    outcomes.add_note(case, actor=manager, body="Per il PUA", visibility="pua")
    assert not notes_shared_with_partner(case, world.partner).exists()
    consent = record_consent(
        case.person,
        actor=manager,
        consent=ConsentInput(
            purpose=Consent.Purpose.SHARING,
            method=Consent.Method.WRITTEN,
            language="it",
            given_on=TODAY,
            recipient=world.partner,
        ),
    )
    assert list(notes_shared_with_partner(case, world.partner)) == [shared]
    assert not notes_shared_with_partner(case, world.foreign).exists()
    withdraw_consent(consent, actor=manager)
    assert not notes_shared_with_partner(case, world.partner).exists()
