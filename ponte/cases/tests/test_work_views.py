"""Pages of the plan in action: who reaches what, forms that save or show the rule broken."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.cases.factories import CaseFactory
from ponte.cases.models import (
    Activity,
    CaseNote,
    FollowUp,
    LegalBasis,
    Outcome,
    SupportMeasure,
)
from ponte.cases.services import work as services
from ponte.cases.services import work_outcomes as outcomes

# Messages and labels are read in English (the msgids).
pytestmark = pytest.mark.usefixtures("english")

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)

READERS = {"case_manager", "specialist", "coordinator", "platform_admin"}
MANAGERS = {"case_manager", "coordinator", "platform_admin"}
PERSONAS = [
    "case_manager",
    "specialist",
    "coordinator",
    "outreach_worker",
    "analyst",
    "org_admin",
    "partner_operator@partner",
    "coordinator@foreign",
    "no_membership",
    "platform_admin",
]


@pytest.fixture
def case(world):
    return CaseFactory(
        access_point=world.own_access_point,
        case_manager=world.users["case_manager"],
        opened_on=TODAY - 100 * DAY,
    )


def _autonomy(case, user):
    scores = {name: 3 for name in services.AUTONOMY_DIMENSIONS}
    return services.record_autonomy(case, actor=user, assessed_on=TODAY, scores=scores)


def _routes(case, world):
    manager = world.users["case_manager"]
    assessment = _autonomy(case, manager)
    measure = services.record_support(
        case,
        actor=manager,
        data=services.SupportInput(
            kind="allowance",
            autonomy_assessment=assessment,
            granted_on=TODAY,
            amounts=services.Amounts(Decimal("100"), Decimal("0")),
        ),
    )
    (follow_up,) = services.schedule_follow_ups(case, actor=manager, count=1)
    pid = case.public_id
    return {
        # name: (url, who may see it)
        "activity_list": (reverse("cases:activity_list", args=[pid]), READERS),
        "activity_create": (reverse("cases:activity_create", args=[pid]), READERS),
        "support_list": (reverse("cases:support_list", args=[pid]), READERS),
        "autonomy_create": (reverse("cases:autonomy_create", args=[pid]), MANAGERS),
        "support_create": (reverse("cases:support_create", args=[pid]), MANAGERS),
        "support_update": (
            reverse("cases:support_update", args=[pid, measure.public_id]),
            MANAGERS,
        ),
        "follow_up_list": (reverse("cases:follow_up_list", args=[pid]), READERS),
        "follow_up_record": (
            reverse("cases:follow_up_record", args=[pid, follow_up.public_id]),
            READERS,
        ),
        "outcome_list": (reverse("cases:outcome_list", args=[pid]), MANAGERS | READERS),
        "outcome_create": (reverse("cases:outcome_create", args=[pid]), MANAGERS),
        "note_list": (reverse("cases:note_list", args=[pid]), READERS),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix_of_case_pages(world, case, persona):
    """Outsiders (no case capability at the PUA's organisation) get 404; a case reader without
    the capability of the form gets 403; the right role gets the page."""
    client = verified_client(world.users[persona])
    for name, (url, allowed) in _routes(case, world).items():
        status = client.get(url).status_code
        if persona in allowed:
            expected = 200
        elif persona in READERS:
            expected = 403
        else:
            expected = 404
        assert status == expected, (name, persona, status)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("case_manager", 200),
        ("specialist", 200),
        ("coordinator", 200),
        ("coordinator@foreign", 200),
        ("platform_admin", 200),
        ("outreach_worker", 403),
        ("analyst", 403),
        ("org_admin", 403),
        ("partner_operator@partner", 403),
        ("no_membership", 403),
    ],
)
def test_my_work_matrix(world, persona, expected):
    response = verified_client(world.users[persona]).get(reverse("cases:my_work"))
    assert response.status_code == expected


def test_schedule_is_post_only_and_for_contributors(world, case):
    url = reverse("cases:follow_up_schedule", args=[case.public_id])
    specialist = verified_client(world.users["specialist"])
    assert specialist.get(url).status_code == 405
    assert specialist.post(url, {"count": 2}).status_code == 302
    assert FollowUp.objects.filter(case=case).count() == 2
    assert verified_client(world.users["analyst"]).post(url, {"count": 2}).status_code == 404
    assert verified_client(world.users["coordinator@foreign"]).post(url).status_code == 404


def test_specialist_adds_activity_follow_up_and_note(world, case):
    client = verified_client(world.users["specialist"])
    pid = case.public_id
    response = client.post(
        reverse("cases:activity_create", args=[pid]),
        {"kind": "mediation", "done_on": TODAY.isoformat(), "minutes": 30, "version": case.version},
    )
    assert response.status_code == 302
    assert Activity.objects.filter(case=case, kind="mediation").exists()

    (planned,) = services.schedule_follow_ups(
        case, actor=world.users["specialist"], count=1, start=TODAY
    )
    case.refresh_from_db()
    response = client.post(
        reverse("cases:follow_up_record", args=[pid, planned.public_id]),
        {
            "status": "done",
            "done_on": TODAY.isoformat(),
            "channel": "phone",
            "trust": "4",
            "wellbeing_general": "5",
            "version": case.version,
        },
        follow=True,
    )
    assert response.status_code == 200
    planned.refresh_from_db()
    assert (planned.status, planned.trust, planned.wellbeing_general) == ("done", 4, 5)
    assert "The next follow-up was scheduled" in response.content.decode()
    assert FollowUp.objects.filter(case=case, status="planned").count() == 1

    case.refresh_from_db()
    response = client.post(
        reverse("cases:note_list", args=[pid]),
        {"body": "Nota fittizia", "visibility": "team", "version": case.version},
    )
    assert response.status_code == 302
    assert CaseNote.objects.filter(case=case, visibility="team").exists()


def test_specialist_cannot_post_support_or_outcome(world, case):
    client = verified_client(world.users["specialist"])
    pid = case.public_id
    assert client.post(reverse("cases:autonomy_create", args=[pid]), {}).status_code == 403
    assert client.post(reverse("cases:support_create", args=[pid]), {}).status_code == 403
    assert client.post(reverse("cases:outcome_create", args=[pid]), {}).status_code == 403
    outsider = verified_client(world.users["analyst"])
    assert outsider.post(reverse("cases:note_list", args=[pid]), {}).status_code == 404


def test_case_manager_records_support_and_outcome(world, case):
    client = verified_client(world.users["case_manager"])
    pid = case.public_id
    response = client.get(reverse("cases:support_create", args=[pid]))
    page = response.content.decode()
    assert "autonomy first" in page, page[page.find("<main") :][:3000]
    scores = {name: "4" for name in services.AUTONOMY_DIMENSIONS}
    response = client.post(
        reverse("cases:autonomy_create", args=[pid]),
        {"assessed_on": TODAY.isoformat(), "version": case.version, **scores},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assessment = case.autonomy_assessments.get()
    budget = {
        "kind": "budget",
        "autonomy_assessment": assessment.pk,
        "granted_on": TODAY.isoformat(),
        "housing_planned_amount": "500",
        "housing_spent_amount": "600",
        "version": case.version,
    }
    response = client.post(reverse("cases:support_create", args=[pid]), budget)
    assert response.status_code == 200
    assert "raise the planned amount first" in response.content.decode()
    assert not SupportMeasure.objects.exists()
    budget["housing_spent_amount"] = "100"
    budget["work_planned_amount"] = "250"
    assert client.post(reverse("cases:support_create", args=[pid]), budget).status_code == 302
    measure = SupportMeasure.objects.get()
    assert measure.planned_amount == Decimal("750")

    case.refresh_from_db()
    job = {
        "kind": "job",
        "achieved_on": TODAY.isoformat(),
        "contract_type": "permanent",
        "version": case.version,
    }
    response = client.post(reverse("cases:outcome_create", args=[pid]), job)
    assert "contract type and a start date" in response.content.decode()
    job["starts_on"] = TODAY.isoformat()
    assert client.post(reverse("cases:outcome_create", args=[pid]), job).status_code == 302
    basis = LegalBasis.objects.create(code="test-basis", name="Base fittizia", reference="art. 1")
    case.refresh_from_db()
    permit = {
        "kind": "permit",
        "achieved_on": TODAY.isoformat(),
        "legal_basis": basis.pk,
        "version": case.version,
    }
    assert client.post(reverse("cases:outcome_create", args=[pid]), permit).status_code == 302
    assert Outcome.objects.count() == 2


def test_stale_form_is_refused(world, case):
    client = verified_client(world.users["specialist"])
    response = client.post(
        reverse("cases:activity_create", args=[case.public_id]),
        {"kind": "legal", "done_on": TODAY.isoformat(), "version": case.version - 1},
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert not Activity.objects.exists()


def test_forms_without_a_version_are_refused(world, case):
    client = verified_client(world.users["specialist"])
    pid = case.public_id
    response = client.post(
        reverse("cases:activity_create", args=[pid]),
        {"kind": "legal", "done_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    response = client.post(
        reverse("cases:note_list", args=[pid]), {"body": "Nota fittizia", "visibility": "team"}
    )
    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    assert not Activity.objects.exists() and not CaseNote.objects.exists()


def test_note_page_hides_team_notes_from_specialist_off_team(world, case):
    manager = world.users["case_manager"]
    outcomes.add_note(case, actor=manager, body="Segreto del team fittizio", visibility="team")
    outcomes.add_note(case, actor=manager, body="Nota fittizia per il PUA", visibility="pua")
    url = reverse("cases:note_list", args=[case.public_id])
    page = verified_client(world.users["specialist"]).get(url).content.decode()
    assert "Nota fittizia per il PUA" in page
    assert "Segreto del team fittizio" not in page
    page = verified_client(manager).get(url).content.decode()
    assert "Segreto del team fittizio" in page


def _fill(case, world, n):
    manager = world.users["case_manager"]
    for i in range(n):
        services.record_activity(
            case, actor=manager, kind="legal", done_on=TODAY - i * DAY, minutes=10, note="x"
        )
        outcomes.add_note(case, actor=manager, body=f"Nota {i}", visibility="pua")
        outcomes.record_outcome(
            case, actor=manager, kind="course", achieved_on=TODAY, data={"description": "Corso"}
        )
    assessment = _autonomy(case, manager)
    for _i in range(n):
        services.record_support(
            case,
            actor=manager,
            data=services.SupportInput(
                kind="budget",
                autonomy_assessment=assessment,
                granted_on=TODAY,
                lines={"housing": services.Amounts(Decimal("10"), Decimal("1"))},
            ),
        )
    services.schedule_follow_ups(case, actor=manager, count=n // 3, start=TODAY)
    services.schedule_follow_ups(case, actor=manager, count=n // 3, start=TODAY - 400 * DAY)
    for follow_up in FollowUp.objects.filter(case=case, due_on__lt=TODAY):
        services.record_follow_up(
            follow_up, actor=manager, status="done", done_on=TODAY, answers={"trust": 3}
        )


@pytest.mark.parametrize(
    "name", ["activity_list", "support_list", "follow_up_list", "outcome_list", "note_list"]
)
def test_list_queries_do_not_grow(world, name, django_assert_max_num_queries):
    client = verified_client(world.users["case_manager"])
    counts = []
    for n in (3, 15):
        case = CaseFactory(access_point=world.own_access_point, case_manager=None)
        _fill(case, world, n)
        url = reverse(f"cases:{name}", args=[case.public_id])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(25):
        client.get(url)
