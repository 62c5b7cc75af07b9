"""The referrals generator: deterministic per seed, realistic rates, timelines that agree with
the rows, removed by the next run."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

from ponte.network.management.synthetic import generate
from ponte.people.models import Consent
from ponte.referrals.models import Direction, Referral, ReferralEvent, Status


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Referral.objects.order_by("public_id").values_list(
            "public_id", "status", "need", "sent_at", "closed_at", "receiver__name"
        )
    )


def test_small_scale_is_deterministic_and_realistic(db: Any) -> None:
    generate("small", 7, progress=False)
    first = _snapshot()
    assert first
    generate("small", 7, progress=False)  # replaces the previous run's rows
    assert _snapshot() == first
    assert Referral.objects.count() == len(first)

    outbound = Counter(
        Referral.objects.filter(direction=Direction.OUTBOUND).values_list("status", flat=True)
    )
    answered = sum(outbound[s] for s in ("accepted", "in_progress", "completed", "not_completed"))
    rate = answered / (answered + outbound["declined"])
    assert 0.65 <= rate <= 0.9, outbound
    ended = outbound["completed"] + outbound["not_completed"] + outbound["withdrawn"]
    assert 0.55 <= outbound["completed"] / ended <= 0.9, outbound
    assert outbound["expired"] and outbound["withdrawn"]
    assert Referral.objects.filter(direction=Direction.INBOUND).exists()

    # Every outbound referral has the person's sharing consent to its receiver.
    for r in Referral.objects.filter(direction=Direction.OUTBOUND).select_related("case")[:50]:
        assert Consent.objects.filter(
            person_id=r.case.person_id, purpose="sharing", recipient_id=r.receiver_id
        ).exists()


def test_events_agree_with_the_rows(db: Any) -> None:
    generate("small", 3, progress=False)
    events: dict[int, list[ReferralEvent]] = {}
    for e in ReferralEvent.objects.order_by("at", "id"):
        events.setdefault(e.referral_id, []).append(e)
    for r in Referral.objects.all():
        steps = events[r.pk]
        assert steps[-1].to_status == r.status
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        for before, after in pairwise(steps):
            assert after.from_status == before.to_status
        assert r.sent_at is not None and r.sent_at <= steps[-1].at
        if r.status in (Status.ACCEPTED, Status.DECLINED):
            assert r.answered_at == steps[-1].at
        if r.status in (Status.COMPLETED, Status.NOT_COMPLETED, Status.EXPIRED):
            assert r.closed_at == steps[-1].at
        if r.status in (Status.DECLINED, Status.NOT_COMPLETED, Status.WITHDRAWN):
            assert r.reason
        if r.status == Status.COMPLETED:
            assert r.outcome
        if r.received_at and r.answered_at:
            assert r.received_at <= r.answered_at
