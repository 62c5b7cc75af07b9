"""Starting referrals: from a case, the anti-trafficking fast path, a signal to a PUA, triage."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ponte.cases.models import Case
from ponte.catalog.factories import ServiceFactory
from ponte.network.factories import AccessPointFactory, OrganizationFactory
from ponte.network.models import OrganizationKind
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.referrals.models import Direction, Referral, Status
from ponte.referrals.tests.test_pages_helpers import (
    ALIAS,
    PERSONAS,
    client,
    inbound,
    make_case,
)

pytestmark = pytest.mark.usefixtures("english")


def _create_url(case: Case, **params: str) -> str:
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    return f"{reverse('referrals:create')}?case={case.public_id}{extra}"


def _referral_post(world: Any, **overrides: Any) -> dict[str, Any]:
    due = timezone.localdate() + datetime.timedelta(days=7)
    return {
        "receiver": world.partner.pk,
        "need": "internships",
        "urgency": "routine",
        "sections": ["profile", "skills"],
        "message": "Messaggio fittizio",
        "answer_due_on": due.isoformat(),
        **overrides,
    }


# ---- from a case ----

FROM_CASE = {
    "case_manager": 200,
    "specialist": 403,
    "coordinator": 200,
    "outreach_worker": 404,
    "analyst": 404,
    "org_admin": 404,
    "partner_operator@partner": 404,
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_create_matrix(world: Any, persona: str) -> None:
    case = make_case(world)
    response = client(world, persona).get(_create_url(case))
    assert response.status_code == FROM_CASE[persona]


def test_create_without_case_is_404(world: Any) -> None:
    assert client(world, "case_manager").get(reverse("referrals:create")).status_code == 404


def test_create_draft_then_send(world: Any) -> None:
    case = make_case(world)
    cm = client(world, "case_manager")
    page = cm.get(_create_url(case)).content.decode()
    assert "Only what the person agreed to share" in page
    response = cm.post(_create_url(case), _referral_post(world))
    referral = Referral.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.public_id])
    assert referral.status == Status.DRAFT
    assert referral.section_list() == ["profile", "skills"]
    detail = cm.get(response["Location"]).content.decode()
    assert reverse("referrals:send", args=[referral.public_id]) in detail


def test_save_and_send(world: Any) -> None:
    case = make_case(world)
    cm = client(world, "case_manager")
    cm.post(_create_url(case), {**_referral_post(world), "and_send": "1"})
    assert Referral.objects.get(case=case).status == Status.SENT


def test_the_form_leaves_the_due_date_to_the_urgency(world: Any) -> None:
    """The field comes empty (a pre-filled date would always win over the urgency); an urgent
    referral sent without a date is due in two days, a routine one in fourteen."""
    case = make_case(world)
    cm = client(world, "case_manager")
    page = cm.get(_create_url(case)).content.decode()
    assert 'name="answer_due_on" value=' not in page
    today = timezone.localdate()
    for urgency, days in (("urgent", 2), ("routine", 14)):
        post = {**_referral_post(world, urgency=urgency, answer_due_on=""), "and_send": "1"}
        assert cm.post(_create_url(case), post).status_code == 302
        sent = Referral.objects.filter(case=case, urgency=urgency).get()
        assert sent.answer_due_on == today + datetime.timedelta(days=days)


def test_no_sharing_consent_nothing_saved_and_a_link_to_record_it(world: Any) -> None:
    case = make_case(world, consent_to=None)
    cm = client(world, "case_manager")
    response = cm.post(_create_url(case), _referral_post(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "has not agreed to share their data" in body
    assert reverse("people:consent_create", args=[case.person.public_id]) in body
    assert not Referral.objects.exists()


def test_a_catalog_service_fixes_the_receiver(world: Any) -> None:
    case = make_case(world)
    service: Any = ServiceFactory(organization=world.partner)
    cm = client(world, "case_manager")
    url = _create_url(case, service=str(service.public_id))
    assert service.name in cm.get(url).content.decode()
    # Whatever receiver the form claims, the service's provider is the receiver.
    cm.post(url, _referral_post(world, receiver=world.foreign.pk))
    referral = Referral.objects.get(case=case)
    assert referral.receiver == world.partner and referral.service == service


def test_invalid_form_saves_nothing(world: Any) -> None:
    case = make_case(world)
    response = client(world, "case_manager").post(_create_url(case), _referral_post(world, need=""))
    assert response.status_code == 200
    assert not Referral.objects.exists()


# ---- anti-trafficking fast path ----------------------------------------------------------------


def _anti_trafficking_body(world: Any, case: Case) -> Any:
    body = OrganizationFactory(
        name="Ente antitratta fittizio", kind=OrganizationKind.ANTI_TRAFFICKING
    )
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=body)
    return body


@pytest.mark.parametrize("persona", PERSONAS)
def test_anti_trafficking_matrix(world: Any, persona: str) -> None:
    case = make_case(world)
    _anti_trafficking_body(world, case)
    url = f"{reverse('referrals:anti_trafficking')}?case={case.public_id}"
    assert client(world, persona).get(url).status_code == FROM_CASE[persona]


def test_anti_trafficking_minimum_dataset_urgent_with_helpline(world: Any) -> None:
    case = make_case(world)
    body = _anti_trafficking_body(world, case)
    url = f"{reverse('referrals:anti_trafficking')}?case={case.public_id}"
    cm = client(world, "case_manager")
    page = cm.get(url).content.decode()
    assert 'href="tel:+39800290290"' in page and "800 290 290" in page
    assert body.name in page
    assert world.partner.name not in page  # only anti-trafficking bodies are offered
    # The fixed fields cannot be widened by the form.
    cm.post(
        url,
        {
            "receiver": body.pk,
            "need": "internships",
            "urgency": "routine",
            "sections": ["profile", "assessment", "listening", "notes"],
            "and_send": "1",
        },
    )
    referral = Referral.objects.get(case=case)
    assert referral.receiver == body
    assert referral.need == "anti_trafficking"
    assert referral.urgency == "urgent"
    assert referral.section_list() == ["profile", "assessment"]
    assert referral.status == Status.SENT


def test_anti_trafficking_without_a_body_shows_the_helpline(world: Any) -> None:
    case = make_case(world)
    url = f"{reverse('referrals:anti_trafficking')}?case={case.public_id}"
    page = client(world, "case_manager").get(url).content.decode()
    assert "800 290 290" in page and "No anti-trafficking body" in page


# ---- a signal to a PUA ----

SIGNAL = {
    "case_manager": 200,
    "specialist": 403,
    "coordinator": 200,
    "outreach_worker": 200,
    "analyst": 403,
    "org_admin": 403,
    "partner_operator@partner": 200,
    "coordinator@foreign": 200,
    "no_membership": 403,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_signal_matrix(world: Any, persona: str) -> None:
    response = client(world, persona).get(reverse("referrals:signal_create"))
    assert response.status_code == SIGNAL[persona]


def test_partner_signals_a_person_to_the_pua(world: Any) -> None:
    partner = client(world, "partner_operator@partner")
    response = partner.post(
        reverse("referrals:signal_create"),
        {
            "sender": world.partner.pk,
            "access_point": world.own_access_point.pk,
            "sender_kind": "employment_centre",
            "need": "legal",
            "urgency": "soon",
            "person_alias": ALIAS,
            "person_contact": "Tramite lo sportello (fittizio)",
            "language": "fr",
            "first_evaluation": "Valutazione fittizia",
            "message": "",
            "answer_due_on": "",
        },
    )
    signal = Referral.objects.get(direction=Direction.INBOUND)
    assert response.status_code == 302
    assert signal.sender == world.partner and signal.receiver == world.own
    assert signal.status == Status.SENT
    # The PUA sees it in its inbox; the sender sees it under "sent by us".
    inbox = client(world, "case_manager").get(reverse("referrals:inbox")).content.decode()
    assert signal.reference in inbox
    sent = partner.get(reverse("referrals:inbox") + "?box=sent").content.decode()
    assert signal.reference in sent


def test_signal_cannot_be_sent_for_someone_elses_organisation(world: Any) -> None:
    response = client(world, "partner_operator@partner").post(
        reverse("referrals:signal_create"),
        {
            "sender": world.foreign.pk,
            "access_point": world.own_access_point.pk,
            "sender_kind": "other",
            "need": "legal",
            "urgency": "routine",
            "person_alias": ALIAS,
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not Referral.objects.exists()


# ---- triage ----

TRIAGE = {
    "case_manager": 200,
    "specialist": 403,
    "coordinator": 200,
    "outreach_worker": 404,
    "analyst": 404,
    "org_admin": 404,
    "partner_operator@partner": 403,  # the sender sees the signal, not its triage
    "coordinator@foreign": 404,
    "no_membership": 404,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_triage_matrix(world: Any, persona: str) -> None:
    signal = inbound(world)
    response = client(world, persona).get(reverse("referrals:triage", args=[signal.public_id]))
    assert response.status_code == TRIAGE[persona]


def test_triage_into_a_new_case(world: Any) -> None:
    signal = inbound(world, language="fr")
    cm = client(world, "case_manager")
    url = reverse("referrals:triage", args=[signal.public_id])
    page = cm.get(url).content.decode()
    assert f'value="{ALIAS}"' in page  # the alias prefilled
    response = cm.post(
        url,
        {
            "decision": "new_case",
            "new-given_name": ALIAS,
            "new-is_alias": "on",
            "new-access_point": world.own_access_point.pk,
            "new-agreed": "on",
            "new-consent_method": Consent.Method.WRITTEN,
            "new-consent_language": "fr",
            "new-consent_given_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Status.ACCEPTED and signal.case is not None
    assert signal.case.access_point == world.own_access_point


def test_triage_into_an_existing_case_warns_of_duplicates(world: Any) -> None:
    case = make_case(world)
    signal = inbound(world)
    cm = client(world, "case_manager")
    url = reverse("referrals:triage", args=[signal.public_id])
    page = cm.get(url).content.decode()
    assert "have a similar name" in page
    assert reverse("people:person_detail", args=[case.person.public_id]) in page
    response = cm.post(url, {"decision": "existing_case", "existing-case": case.pk})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Status.ACCEPTED and signal.case == case


def test_triage_redirect_and_decline_need_a_reason(world: Any) -> None:
    signal = inbound(world)
    cm = client(world, "case_manager")
    url = reverse("referrals:triage", args=[signal.public_id])
    assert cm.post(url, {"decision": "decline", "decline-reason": ""}).status_code == 200
    signal.refresh_from_db()
    assert signal.status == Status.SENT
    response = cm.post(
        url,
        {
            "decision": "redirect",
            "redirect-redirect_to": world.foreign_access_point.pk,
            "redirect-reason": "Competenza territoriale (fittizio)",
        },
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Status.DECLINED
    onward = Referral.objects.exclude(pk=signal.pk).get()
    assert (onward.receiver, onward.access_point, onward.sender) == (
        world.foreign,
        world.foreign_access_point,
        world.partner,
    )
    assert onward.answer_due_on is not None


def test_triage_redirects_only_to_another_active_pua(world: Any) -> None:
    """The form offers the PUAs of other organisations, not organisations: one without a PUA
    (or with a closed one) has nobody who triages signals."""
    signal = inbound(world)
    closed = AccessPointFactory(
        lead_organization=OrganizationFactory(name="Ente chiuso (fittizio)"), is_active=False
    )
    cm = client(world, "case_manager")
    url = reverse("referrals:triage", args=[signal.public_id])
    page = cm.get(url).content.decode()
    assert f'value="{world.foreign_access_point.pk}"' in page
    assert world.foreign_access_point.name in page
    assert "Ente chiuso (fittizio)" not in page
    for target in (closed.pk, world.own_access_point.pk):
        response = cm.post(
            url,
            {"decision": "redirect", "redirect-redirect_to": target, "redirect-reason": "r"},
        )
        assert response.status_code == 200  # the form again, with its error
    signal.refresh_from_db()
    assert signal.status == Status.SENT
    assert Referral.objects.count() == 1


def test_triage_decline(world: Any) -> None:
    signal = inbound(world)
    response = client(world, "case_manager").post(
        reverse("referrals:triage", args=[signal.public_id]),
        {"decision": "decline", "decline-reason": "Fuori dal nostro ambito (fittizio)"},
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Status.DECLINED


def test_triage_of_an_answered_signal_goes_back_to_it(world: Any) -> None:
    signal = inbound(world, status=Status.DECLINED, reason="x")
    response = client(world, "case_manager").get(
        reverse("referrals:triage", args=[signal.public_id])
    )
    assert response.status_code == 302
