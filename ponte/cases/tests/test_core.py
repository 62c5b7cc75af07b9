"""The case's life: taking in charge, phases with returns and pauses, stale saves, closing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, CaseEvent, CaseNeed, EventKind, Phase
from ponte.cases.services import core as services
from ponte.outreach.factories import ContactFactory
from ponte.outreach.models import ContactNeed
from ponte.people.models import Consent, Person
from ponte.people.services import ConsentInput, StaleEdit

pytestmark = pytest.mark.django_db


def _consent(**overrides: Any) -> ConsentInput:
    values: dict[str, Any] = {
        "purpose": Consent.Purpose.TAKING_IN_CHARGE,
        "method": Consent.Method.WRITTEN,
        "language": "fr",
        "given_on": timezone.localdate(),
    }
    values.update(overrides)
    return ConsentInput(**values)


def _case(world: Any, **kwargs: Any) -> Case:
    return CaseFactory(access_point=world.own_access_point, **kwargs)


def test_take_in_charge_writes_person_consent_case_timeline_and_audit(world: Any) -> None:
    manager = world.users["case_manager"]
    case = services.take_in_charge(
        services.Intake(
            access_point=world.own_access_point,
            person_data={"given_name": "Karim (fittizio)", "is_alias": True},
            consent=_consent(),
        ),
        actor=manager,
    )
    assert case.phase == Phase.ENGAGEMENT
    assert case.case_manager == manager
    assert case.person.organization == world.own_access_point.lead_organization
    assert case.person.consents.get().purpose == Consent.Purpose.TAKING_IN_CHARGE
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.OPENED]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"people.person_registered", "people.consent_given", "cases.case_opened"} <= actions


def test_take_in_charge_is_all_or_nothing(world: Any) -> None:
    # An oral consent without a witness is refused: neither the person nor the case remains.
    with pytest.raises(ValidationError):
        services.take_in_charge(
            services.Intake(
                access_point=world.own_access_point,
                person_data={"given_name": "Aisha"},
                consent=_consent(method=Consent.Method.ORAL_WITH_WITNESS),
            ),
            actor=world.users["case_manager"],
        )
    assert not Person.objects.exists()
    assert not Case.objects.exists()


def test_no_consent_no_case(world: Any) -> None:
    case = _case(world)
    Consent.objects.filter(person=case.person).update(withdrawn_at=timezone.now())
    with pytest.raises(ValidationError):
        services.open_case(
            person=case.person,
            access_point=world.own_access_point,
            actor=world.users["case_manager"],
            source="self_referral",
            opened_on=timezone.localdate(),
        )


def test_only_case_managers_open_cases(world: Any) -> None:
    for role in ("specialist", "outreach_worker", "analyst", "org_admin"):
        with pytest.raises(PermissionDenied):
            services.take_in_charge(
                services.Intake(
                    access_point=world.own_access_point,
                    person_data={"given_name": "Rahul"},
                    consent=_consent(),
                ),
                actor=world.users[role],
            )


def test_phases_forward_back_pause_and_resume(world: Any) -> None:
    manager = world.users["case_manager"]
    case = _case(world)
    case = services.change_phase(case, to=Phase.ANALYSIS, actor=manager)
    with pytest.raises(ValidationError):
        services.change_phase(case, to=Phase.IMPLEMENTATION, actor=manager)  # skips a step
    with pytest.raises(ValidationError):
        services.change_phase(case, to=Phase.ENGAGEMENT, actor=manager)  # back without reason
    case = services.change_phase(
        case, to=Phase.ENGAGEMENT, actor=manager, reason="Needs more time to trust us"
    )
    case = services.change_phase(case, to=Phase.SUSPENDED, actor=manager, reason="Back home")
    assert case.allowed_next_phases() == [Phase.ENGAGEMENT, Phase.CLOSED]
    with pytest.raises(ValidationError):
        services.change_phase(case, to=Phase.PLAN, actor=manager)  # resumes where it was only
    case = services.change_phase(case, to=Phase.ENGAGEMENT, actor=manager)
    moves = list(
        case.events.filter(kind=EventKind.PHASE)
        .order_by("at", "id")
        .values_list("from_phase", "to_phase")
    )
    assert moves == [
        (Phase.ENGAGEMENT, Phase.ANALYSIS),
        (Phase.ANALYSIS, Phase.ENGAGEMENT),
        (Phase.ENGAGEMENT, Phase.SUSPENDED),
        (Phase.SUSPENDED, Phase.ENGAGEMENT),
    ]
    reasons = [e.reason for e in case.events.filter(kind=EventKind.PHASE).order_by("at", "id")]
    assert reasons[1] == "Needs more time to trust us"


def test_a_stale_save_is_refused_and_overwrites_nothing(world: Any) -> None:
    manager, coordinator = world.users["case_manager"], world.users["coordinator"]
    case = _case(world)
    opened_version = case.version
    services.update_case(
        case,
        actor=coordinator,
        data={"work_situation": "exploitation"},
        expected_version=opened_version,
    )
    with pytest.raises(StaleEdit):
        services.update_case(
            case,
            actor=manager,
            data={"work_situation": "grey_work"},
            expected_version=opened_version,
        )
    case.refresh_from_db()
    assert case.work_situation == "exploitation"


def test_close_and_reopen(world: Any) -> None:
    manager = world.users["case_manager"]
    case = _case(world, opened_on=timezone.localdate() - datetime.timedelta(days=100))
    with pytest.raises(ValidationError):
        services.close_case(
            case,
            actor=manager,
            reason="goals_reached",
            outcome="positive",
            closed_on=case.opened_on - datetime.timedelta(days=1),
        )
    case = services.close_case(
        case,
        actor=manager,
        reason="goals_reached",
        outcome="positive",
        closed_on=timezone.localdate(),
    )
    assert case.is_closed and case.closed_on == timezone.localdate()
    case = services.change_phase(case, to=Phase.FOLLOW_UP, actor=manager, reason="Lost the job")
    assert case.closed_on is None and case.closure_outcome == ""
    assert case.events.filter(kind=EventKind.REOPENED).exists()


def test_open_case_from_outreach_contact_links_both_ways(world: Any) -> None:
    contact = ContactFactory(
        access_point=world.own_access_point, alias="Moussa", nationality="ML", languages="fr,bm"
    )
    ContactNeed.objects.create(contact=contact, area="legal")
    case = services.open_case_from_contact(
        contact, actor=world.users["case_manager"], consent=_consent()
    )
    contact.refresh_from_db()
    assert contact.case_ref == case.public_id and contact.engaged_at is not None
    assert case.source_contact == contact
    assert case.person.given_name == "Moussa" and case.person.citizenship == "ML"
    assert CaseNeed.objects.filter(case=case, area="legal").exists()
    with pytest.raises(ValidationError):
        services.open_case_from_contact(
            contact, actor=world.users["case_manager"], consent=_consent()
        )


# ---- pages --------------------------------------------------------------------------------------


def test_case_detail_gates(world: Any, client_for: Any) -> None:
    case = _case(world)
    url = reverse("cases:case_detail", args=[case.public_id])
    expected = {
        "case_manager": 200,
        "specialist": 200,
        "coordinator": 200,
        "outreach_worker": 404,
        "analyst": 404,
        "org_admin": 404,
        "partner_operator@partner": 404,
        "coordinator@foreign": 404,
        "platform_admin": 200,
    }
    for persona, status in expected.items():
        assert client_for(world.users[persona]).get(url).status_code == status, persona
    assert AuditEvent.objects.filter(action="cases.case_viewed").exists()


def test_phase_change_page_needs_manage_cases(world: Any, client_for: Any) -> None:
    case = _case(world)
    url = reverse("cases:case_phase", args=[case.public_id])
    data = {"to": Phase.ANALYSIS, "version": case.version}
    assert client_for(world.users["specialist"]).post(url, data).status_code == 403
    response = client_for(world.users["case_manager"]).post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.phase == Phase.ANALYSIS
    # The same stale form again: refused with a message, nothing changes.
    client_for(world.users["case_manager"]).post(
        url, {"to": Phase.PLAN, "version": data["version"]}
    )
    case.refresh_from_db()
    assert case.phase == Phase.ANALYSIS


def test_case_edit_refuses_stale_form(world: Any, client_for: Any) -> None:
    case = _case(world)
    url = reverse("cases:case_edit", args=[case.public_id])
    manager = world.users["case_manager"]
    form = {
        "version": case.version,
        "work_situation": "grey_work",
        "case_manager": manager.pk,
        "follow_up_every_days": 30,
    }
    assert client_for(manager).post(url, form).status_code == 302
    response = client_for(manager).post(url, {**form, "work_situation": "exploitation"})
    assert response.status_code == 200
    with translation.override("it"):  # the operators' default language
        expected = escape(StaleEdit().messages[0])
    assert expected in response.content.decode()
    case.refresh_from_db()
    assert case.work_situation == "grey_work"


def test_case_list_query_count_does_not_grow(
    world: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.users["case_manager"])
    url = reverse("cases:case_list")
    for _ in range(3):
        _case(world)
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    for _ in range(20):
        _case(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("/cases/") >= 20


def test_case_list_is_scoped(world: Any, client_for: Any) -> None:
    mine = _case(world)
    assert (
        mine.reference
        in client_for(world.users["case_manager"]).get(reverse("cases:case_list")).content.decode()
    )
    foreign = client_for(world.users["coordinator@foreign"]).get(reverse("cases:case_list"))
    assert foreign.status_code == 200
    assert mine.reference not in foreign.content.decode()
    assert client_for(world.users["analyst"]).get(reverse("cases:case_list")).status_code == 403


def test_close_page(world: Any, client_for: Any) -> None:
    case = _case(world)
    url = reverse("cases:case_close", args=[case.public_id])
    assert client_for(world.users["specialist"]).get(url).status_code == 403
    response = client_for(world.users["case_manager"]).post(
        url,
        {
            "version": case.version,
            "closed_on": timezone.localdate().isoformat(),
            "reason": "goals_reached",
            "outcome": "positive",
        },
    )
    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLOSED).exists()


def test_home_tells_case_workers_what_is_overdue(world: Any, client_for: Any) -> None:
    from ponte.cases.models import FollowUp

    case = _case(world, case_manager=world.users["case_manager"])
    FollowUp.objects.create(case=case, due_on=timezone.localdate() - datetime.timedelta(days=3))
    page = client_for(world.users["case_manager"]).get(reverse("home")).content.decode()
    assert reverse("cases:my_work") in page
    assert 'id="my-work-title"' in page and "<strong>" in page
    analyst_home = client_for(world.users["analyst"]).get(reverse("home")).content.decode()
    assert 'id="my-work-title"' not in analyst_home


def test_safety_warning_reaches_the_overview(world: Any, client_for: Any) -> None:
    from ponte.cases.models import SafetyAssessment

    case = _case(world)
    url = reverse("cases:case_detail", args=[case.public_id])
    assert (
        'class="alert alert-danger"'
        not in client_for(world.users["case_manager"]).get(url).content.decode()
    )
    SafetyAssessment.objects.create(
        case=case, assessed_on=timezone.localdate(), phone_controlled=True, risk="high"
    )
    page = client_for(world.users["case_manager"]).get(url).content.decode()
    assert 'class="alert alert-danger"' in page


def test_withdrawn_consent_is_flagged_on_the_overview(world: Any, client_for: Any) -> None:
    case = _case(world)
    url = reverse("cases:case_detail", args=[case.public_id])
    client = client_for(world.users["case_manager"])
    assert 'class="alert alert-warning"' not in client.get(url).content.decode()
    Consent.objects.filter(person=case.person).update(withdrawn_at=timezone.now())
    assert 'class="alert alert-warning"' in client.get(url).content.decode()


def test_timeline_lines_read_as_labels_not_codes(world: Any) -> None:
    from ponte.cases.models import CaseEvent
    from ponte.cases.templatetags.cases import event_summary

    case = _case(world)
    with translation.override("en"):
        line = CaseEvent(case=case, at=timezone.now(), kind=EventKind.OUTCOME, summary="job")
        assert event_summary(line) == "Job placement"
        line = CaseEvent(
            case=case, at=timezone.now(), kind=EventKind.EDITED, summary="needs, phase"
        )
        assert event_summary(line) == "needs, phase"
        line = CaseEvent(
            case=case, at=timezone.now(), kind=EventKind.SUPPORT, summary="budget:spent"
        )
        assert event_summary(line) == "Individual budget (spending)"
