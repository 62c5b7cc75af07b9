"""Read helpers of the joint assessment for other pages of the case (e.g. the overview)."""

from __future__ import annotations

from dataclasses import dataclass

from ponte.cases.models import Case, SafetyAssessment


@dataclass(frozen=True)
class SafetyFlags:
    """What the overview should warn about, from the latest safety assessment."""

    assessment: SafetyAssessment
    phone_controlled: bool
    high_risk: bool

    @property
    def any(self) -> bool:
        return self.phone_controlled or self.high_risk


def latest_safety_flags(case: Case) -> SafetyFlags | None:
    """None when no safety assessment was recorded; one query otherwise.

    A controlled phone matters to everyone who calls or texts the person: the warning belongs
    on the case overview, not only on the safety page.
    """
    latest = case.safety_assessments.order_by("-assessed_on", "-created_at").first()
    if latest is None:
        return None
    return SafetyFlags(latest, latest.phone_controlled, latest.risk == SafetyAssessment.Risk.HIGH)
