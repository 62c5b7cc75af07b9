"""The demo's referrals: each story in the state it tells, dated in the past, seen by the demo
accounts that should see them, and loaded twice without duplicates."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from ponte.accounts.models import User
from ponte.cases.demo.builder import CASE_MANAGER
from ponte.cases.models import Case
from ponte.network.demo import DEMO_SOURCE
from ponte.people.models import Person
from ponte.referrals.demo import PARTNER_OPERATOR, source_of
from ponte.referrals.models import (
    Direction,
    Notification,
    Referral,
    ReferralEvent,
    ReferralMessage,
    Status,
)


def _snapshot() -> dict[str, int]:
    return {
        "referrals": Referral.objects.count(),
        "events": ReferralEvent.objects.count(),
        "messages": ReferralMessage.objects.count(),
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
    }


def _story(key: str) -> Referral:
    return Referral.objects.get(source=source_of(key))


def test_demo_referrals_tell_their_stories_and_load_once(
    db: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DEMO = True
    with django_capture_on_commit_callbacks(execute=True):  # the notifications, after commit
        call_command("load_demo", stdout=StringIO())
    first = _snapshot()
    call_command("load_demo", stdout=StringIO())
    assert _snapshot() == first

    expected = {
        "imran-cpi": Status.IN_PROGRESS,
        "imran-cpi-did": Status.COMPLETED,
        "imran-cpi-tirocinio": Status.DECLINED,
        "imran-cpi-corso": Status.SENT,
        "olena-patronato": Status.ACCEPTED,
        "tariq-signal": Status.SENT,
        "nadia-signal": Status.ACCEPTED,
    }
    assert {key: _story(key).status for key in expected} == expected
    assert _story("imran-cpi-did").outcome
    assert _story("imran-cpi-tirocinio").reason
    assert _story("olena-patronato").receiver_outside_ponte
    assert _story("imran-cpi").messages.count() >= 3

    today = timezone.localdate()
    due = _story("imran-cpi-corso").answer_due_on
    assert due is not None and 0 < (due - today).days <= 2
    # Dated in the past, in the order the story tells.
    for referral in Referral.objects.filter(source__startswith=DEMO_SOURCE):
        stamps = [e.at for e in referral.events.all()]
        assert stamps == sorted(stamps), referral.source
        if referral.source != source_of("tariq-signal"):
            assert referral.sent_at is not None and referral.sent_at.date() < today
    imran = _story("imran-cpi")
    assert imran.sent_at and imran.answered_at and imran.sent_at < imran.answered_at

    # The signal taken in charge opened a demo case at the PUA; the other waits for triage.
    nadia = _story("nadia-signal")
    assert nadia.direction == Direction.INBOUND and nadia.case is not None
    assert nadia.case.source_label == DEMO_SOURCE
    assert nadia.case.person.source == DEMO_SOURCE
    assert nadia.case.person.given_name.endswith("(demo)")
    opening = nadia.case.events.order_by("at", "id").first()
    assert opening is not None and opening.kind == "opened"
    assert timezone.localtime(opening.at).date() == nadia.case.opened_on < today

    # The demo accounts: the CPI's operator sees the open referrals to the CPI in its inbox
    # (not the closed ones), and the signals it sent; the PUA's case manager sees all of hers.
    partner = User.objects.get(email=PARTNER_OPERATOR)
    inbox = set(Referral.objects.inbox_of(partner).values_list("source", flat=True))
    assert {source_of("imran-cpi"), source_of("imran-cpi-corso")} <= inbox
    assert source_of("imran-cpi-did") not in inbox and source_of("imran-cpi-tirocinio") not in inbox
    sent = set(Referral.objects.sent_by(partner).values_list("source", flat=True))
    assert {source_of("tariq-signal"), source_of("nadia-signal")} <= sent
    manager = User.objects.get(email=CASE_MANAGER)
    mine = set(Referral.objects.visible_to(manager).values_list("source", flat=True))
    assert {source_of(key) for key in expected} <= mine
    assert Notification.objects.filter(user=partner).exists()
    # Still one person for the CPI: the referrals to it are all Imran's.
    assert [p.given_name for p in Person.objects.visible_to(partner)] == ["Imran (demo)"]

    # Clearly fictional: every free text of the demo says so.
    for referral in Referral.objects.filter(source__startswith=DEMO_SOURCE):
        for text in (referral.message, referral.reason, referral.outcome, referral.person_alias):
            assert not text or "(demo)" in text, text
