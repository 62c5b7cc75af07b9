"""The case's life: taking in charge, phases with returns and pauses, stale saves, closing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

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


def _forms_with_a_version() -> list[type]:
    import inspect

    from ponte.cases.forms import assessment, core, plan, work

    return [
        cls
        for module in (assessment, core, plan, work)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__ and "version" in getattr(cls, "base_fields", {})
    ]


def test_every_case_form_requires_the_version_it_was_opened_on() -> None:
    """A form without its version would skip the stale-save check and overwrite silently."""
    from ponte.cases.forms.core import NO_VERSION, VersionedForm

    found = _forms_with_a_version()
    assert len(found) >= 15, found  # every edit form of the case, its parts and its plan
    for cls in found:
        field = cls.base_fields["version"]
        assert issubclass(cls, VersionedForm), cls
        assert field.required and field.error_messages["required"] == NO_VERSION, cls


@pytest.mark.parametrize("posted", [{}, {"version": ""}, {"version": "x"}])
def test_a_missing_version_is_said_at_the_top_of_the_form(posted: dict[str, str]) -> None:
    from ponte.cases.forms.core import NO_VERSION, CloseCaseForm

    form = CloseCaseForm(
        {"closed_on": "2024-01-02", "reason": "goals_reached", "outcome": "positive", **posted}
    )
    assert not form.is_valid()
    assert list(form.non_field_errors()) == [str(NO_VERSION)]
    assert "version" not in form.errors


def test_case_pages_without_a_version_change_nothing(world: Any, client_for: Any) -> None:
    case = _case(world)
    manager = world.users["case_manager"]
    client = client_for(manager)
    with translation.override("it"):
        from ponte.cases.forms.core import NO_VERSION

        expected = escape(str(NO_VERSION))
    edit = {"work_situation": "grey_work", "case_manager": manager.pk, "follow_up_every_days": 9}
    response = client.post(reverse("cases:case_edit", args=[case.public_id]), edit)
    assert response.status_code == 200 and expected in response.content.decode()
    close = {
        "closed_on": timezone.localdate().isoformat(),
        "reason": "goals_reached",
        "outcome": "positive",
    }
    response = client.post(reverse("cases:case_close", args=[case.public_id]), close)
    assert response.status_code == 200 and expected in response.content.decode()
    response = client.post(
        reverse("cases:case_phase", args=[case.public_id]), {"to": Phase.ANALYSIS}, follow=True
    )
    assert expected in response.content.decode()
    after = Case.objects.get(pk=case.pk)
    assert (after.version, after.phase, after.work_situation, after.follow_up_every_days) == (
        case.version,
        case.phase,
        case.work_situation,
        case.follow_up_every_days,
    )
    assert not after.events.exclude(kind=EventKind.OPENED).exists()


def _withdraw_taking_in_charge(case: Case, actor: Any) -> None:
    from ponte.people.services import withdraw_consent

    consent = Consent.objects.active().get(
        person=case.person, purpose=Consent.Purpose.TAKING_IN_CHARGE
    )
    withdraw_consent(consent, actor=actor)


def test_withdrawn_consent_stops_new_work_but_not_closing(world: Any) -> None:
    from ponte.cases.services import plan as plan_services
    from ponte.cases.services import work as work_services
    from ponte.people.services import record_consent

    manager = world.users["case_manager"]
    case = _case(world, case_manager=manager)
    _withdraw_taking_in_charge(case, manager)
    case.refresh_from_db()
    before = (case.version, case.phase, case.work_situation, case.events.count())
    with translation.override("en"):
        with pytest.raises(ValidationError, match="consent to be taken in charge is not in force"):
            services.change_phase(case, to=Phase.ANALYSIS, actor=manager)
        with pytest.raises(ValidationError, match="not in force"):
            services.update_case(
                case,
                actor=manager,
                data={"work_situation": "grey_work"},
                expected_version=case.version,
            )
        with pytest.raises(ValidationError, match="not in force"):
            plan_services.save_plan_draft(
                case, actor=manager, texts={}, services=[], goals=[], expected_version=0
            )
        with pytest.raises(ValidationError, match="not in force"):
            work_services.record_activity(
                case, actor=manager, kind="guidance", done_on=timezone.localdate()
            )
    case.refresh_from_db()
    assert (case.version, case.phase, case.work_situation, case.events.count()) == before
    # A new consent, recorded by the person's choice, lets the work go on.
    record_consent(case.person, actor=manager, consent=_consent())
    assert services.change_phase(case, to=Phase.ANALYSIS, actor=manager).phase == Phase.ANALYSIS
    # Withdrawn again: the case can still be closed (the person may want it so).
    _withdraw_taking_in_charge(case, manager)
    closed = services.close_case(
        case,
        actor=manager,
        reason="person_withdrew",
        outcome="none",
        closed_on=timezone.localdate(),
    )
    assert closed.phase == Phase.CLOSED
    # ... but not reopened without a consent.
    with pytest.raises(ValidationError):
        services.change_phase(closed, to=Phase.ENGAGEMENT, actor=manager, reason="Ritorno")


def test_overview_says_why_nothing_new_can_be_recorded(world: Any, client_for: Any) -> None:
    case = _case(world)
    url = reverse("cases:case_detail", args=[case.public_id])
    edit = reverse("cases:case_edit", args=[case.public_id])
    close = reverse("cases:case_close", args=[case.public_id])
    client = client_for(world.users["case_manager"])
    with translation.override("it"):
        no_consent = escape(services.no_consent_message())
        restricted = escape(services.restricted_message())
    page = client.get(url).content.decode()
    assert no_consent not in page and edit in page
    _withdraw_taking_in_charge(case, world.users["case_manager"])
    page = client.get(url).content.decode()
    assert no_consent in page
    assert edit not in page and close in page  # what is refused is not offered; closing is
    assert reverse("cases:case_phase", args=[case.public_id]) not in page
    # A restriction of processing says so first (lifting the restriction alone is not enough).
    Person.objects.filter(pk=case.person.pk).update(processing_restricted=True)
    page = client.get(url).content.decode()
    assert restricted in page and no_consent not in page


def test_overview_of_a_closed_case_without_consent_says_how_to_reopen(
    world: Any, client_for: Any
) -> None:
    manager = world.users["case_manager"]
    case = _case(world, case_manager=manager)
    _withdraw_taking_in_charge(case, manager)
    services.close_case(
        case,
        actor=manager,
        reason="person_withdrew",
        outcome="none",
        closed_on=timezone.localdate(),
    )
    page = client_for(manager).get(reverse("cases:case_detail", args=[case.public_id]))
    html = page.content.decode()
    with translation.override("it"):
        expected = gettext(
            "The person's consent to be taken in charge is not in force: record it again "
            "before the case can be reopened."
        )
    assert escape(expected) in html
    # Neither editing nor reopening is offered: both would be refused.
    assert reverse("cases:case_edit", args=[case.public_id]) not in html
    assert reverse("cases:case_phase", args=[case.public_id]) not in html


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
