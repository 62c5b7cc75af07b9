"""The closed-loop figures page: aggregates only, for coordinators and analysts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.referrals.factories import ReferralFactory
from ponte.referrals.models import Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("analyst", 200),
        ("case_manager", 403),
        ("partner_operator@partner", 403),
        ("no_membership", 403),
        ("platform_admin", 200),
    ],
)
def test_who_sees_the_figures(world: Any, client_for: Any, persona: str, status: int) -> None:
    response = client_for(world.users[persona]).get(reverse("referrals:figures"))
    assert response.status_code == status


def test_page_and_export_give_the_same_numbers(world: Any, client_for: Any) -> None:
    now = timezone.now()
    for status in (Status.COMPLETED, Status.COMPLETED, Status.DECLINED, Status.ACCEPTED):
        ReferralFactory(
            case=CaseFactory(access_point=world.own_access_point),
            receiver=world.partner,
            status=status,
            sent_at=now,
            answered_at=now,
            closed_at=now if status in (Status.COMPLETED, Status.DECLINED) else None,
        )
    client = client_for(world.users["coordinator"])
    page = client.get(reverse("referrals:figures"))
    (row,) = page.context["rows"]
    assert (row.sent, row.accepted, row.declined, row.completed) == (4, 3, 1, 2)
    assert row.acceptance_rate == pytest.approx(0.75)
    exported = client.get(reverse("referrals:figures"), {"format": "csv"})
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert lines[1][2:6] == ["4", "3", "1", "2"]
    assert lines[1][9] == "75%"
    assert AuditEvent.objects.filter(action="referrals.figures_exported").exists()
