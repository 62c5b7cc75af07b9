"""Reads of referrals: the shared part of a case file, and the closed-loop figures."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from ponte.cases.indicators import label_of
from ponte.cases.models import Assessment, Case, CaseNote, FirstListening, Plan, SafetyAssessment
from ponte.cases.models.assessment import SkillsProfile
from ponte.people.models import Consent
from ponte.referrals.models import OPEN_STATUSES, Referral, Section, Status

# ---- the shared file ---------------------------------------------------------------------------


def sharing_in_force(referral: Referral) -> bool:
    """The referral is open and the person's sharing consent to the receiver is in force: the
    only time the shared part of the file may leave the PUA, whoever reads it. For the receiver
    `visible_to` says as much; for the sender printing for an organisation outside Ponte, the
    printout is the transfer itself, so it needs the same two conditions."""
    if referral.case_id is None or referral.status not in OPEN_STATUSES:
        return False
    return (
        Consent.objects.active()
        .filter(
            person__cases__pk=referral.case_id,
            purpose=Consent.Purpose.SHARING,
            recipient_id=referral.receiver_id,
        )
        .exists()
    )


def shared_file(referral: Referral, user: Any) -> dict[str, Any]:
    """The sections of the case file the referral shares, as plain values, keyed by Section code
    in the referral's order. Nothing while the referral is not visible to the user, nor once it
    is closed or the sharing consent withdrawn (`sharing_in_force`, for the sender too), nothing
    outside `section_list()`, and within a section only what the receiver needs: no surname,
    birth date, phone, tax code or free notes on documents.
    """
    if referral.case_id is None:
        return {}
    if not sharing_in_force(referral):
        return {}
    if not Referral.objects.visible_to(user).filter(pk=referral.pk).exists():
        return {}
    builders = {
        Section.PROFILE: _profile,
        Section.LISTENING: _listening,
        Section.ASSESSMENT: _assessment,
        Section.SAFETY: _safety,
        Section.SKILLS: _skills,
        Section.PLAN: _plan,
        Section.NOTES: _notes,
    }
    case_id = referral.case_id
    return {
        section: builders[Section(section)](case_id)
        for section in referral.section_list()
        if section in Section.values
    }


def _profile(case_id: int) -> dict[str, Any]:
    person = Case.objects.select_related("person").get(pk=case_id).person
    return {
        "alias": person.given_name,
        "languages": person.language_list(),
        "needs_interpreter": person.needs_interpreter,
        "preferred_language": person.preferred_language,
        "residence_permit": str(person.get_permit_type_display()),
        "permit_expiry": person.permit_expiry,
        "passport": str(person.get_passport_display()),
        "housing": str(person.get_housing_display()),
    }


def _listening(case_id: int) -> dict[str, Any] | None:
    row = FirstListening.objects.filter(case_id=case_id).order_by("-held_on", "-pk").first()
    if row is None:
        return None
    return {
        "held_on": row.held_on,
        "narrative": row.narrative,
        "immediate_needs": row.immediate_needs,
        "language": row.language,
        "mediator_present": row.mediator_present,
    }


def _assessment(case_id: int) -> dict[str, Any] | None:
    row = (
        Assessment.objects.filter(case_id=case_id)
        .exclude(status="")
        .order_by("-assessed_on", "-decided_at", "-pk")
        .prefetch_related("observations")
        .first()
    )
    if row is None:
        return None
    return {
        "assessed_on": row.assessed_on,
        "status": str(row.get_status_display()),
        "decided_by": str(row.get_status_decided_by_display()),
        "decided_at": row.decided_at,
        "justification": row.justification,
        "indicators": [
            {
                "framework": o.framework,
                "code": o.code,
                "label": _indicator_label(o.framework, o.code),
                "source": str(o.get_source_display()),
                "observed_on": o.observed_on,
            }
            for o in row.observations.all()
        ],
    }


def _indicator_label(framework: str, code: str) -> str:
    try:
        return str(label_of(framework, code))
    except (KeyError, LookupError, ValueError):  # a retired indicator keeps its code
        return code


def _safety(case_id: int) -> dict[str, Any] | None:
    row = SafetyAssessment.objects.filter(case_id=case_id).order_by("-assessed_on", "-pk").first()
    if row is None:
        return None
    return {
        "assessed_on": row.assessed_on,
        "risk": str(row.get_risk_display()),
        "threats": row.threats,
        "debt": row.debt,
        "fear_of_retaliation": row.fear_of_retaliation,
        "documents_held_by": str(row.get_documents_held_by_display()),
        "phone_controlled": row.phone_controlled,
    }


def _skills(case_id: int) -> dict[str, Any] | None:
    row = (
        SkillsProfile.objects.filter(case_id=case_id)
        .prefetch_related("experiences", "languages")
        .first()
    )
    if row is None:
        return None
    return {
        "competences": row.competences,
        "education": str(row.get_education_display()),
        "certifications": row.certifications,
        "driving_licence": row.driving_licence,
        "wish": str(row.get_wish_display()) if row.wish else "",
        "available_hours": row.available_hours,
        "has_transport": row.has_transport,
        "childcare_constraints": row.childcare_constraints,
        "experiences": [
            {"what": e.what, "sector": e.sector, "months": e.months, "formal": e.formal}
            for e in row.experiences.all()
        ],
        "languages": [
            {"language": s.language, "level": str(s.get_level_display())}
            for s in row.languages.all()
        ],
    }


def _plan(case_id: int) -> dict[str, Any] | None:
    row = (
        Plan.objects.filter(case_id=case_id, status=Plan.Status.AGREED)
        .order_by("-revision", "-pk")
        .prefetch_related("goals")
        .first()
    )
    if row is None:
        return None
    return {
        "revision": row.revision,
        "agreed_on": row.agreed_on,
        "review_on": row.review_on,
        "work_goal": row.work_goal,
        "end_goal": row.end_goal,
        "goals": [{"goal": g.text, "status": str(g.get_status_display())} for g in row.goals.all()],
    }


def _notes(case_id: int) -> list[dict[str, Any]]:
    return [
        {"written_on": n.created_at, "note": n.body}
        for n in CaseNote.objects.filter(
            case_id=case_id, visibility=CaseNote.Visibility.PARTNERS
        ).order_by("-created_at")
    ]


# ---- closed-loop figures -----------------------------------------------------------------------

# Ever accepted: the answer was a yes, whatever happened after (in progress, ended, withdrawn).
_EVER_ACCEPTED = Q(answered_at__isnull=False) & ~Q(status=Status.DECLINED)


@dataclass(frozen=True)
class PairFigures:
    """How referrals went from one organisation to another.

    acceptance_rate = accepted / (accepted + declined + expired): of the referrals that got, or
    should have got, an answer. completion_rate = completed / (completed + not_completed): of
    those that ended after acceptance. Both None without a denominator. Hours are medians from
    sending: to the first acknowledgement (received, or the answer if it came first), to
    acceptance, to completion."""

    sender_id: int
    sender_name: str
    receiver_id: int
    receiver_name: str
    sent: int
    accepted: int
    declined: int
    completed: int
    not_completed: int
    expired: int
    withdrawn: int
    acceptance_rate: float | None
    completion_rate: float | None
    median_hours_to_acknowledge: float | None
    median_hours_to_accept: float | None
    median_hours_to_complete: float | None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _hours(start: datetime.datetime | None, end: datetime.datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _sent_referrals(
    organizations: list[int] | None,
    since: datetime.datetime | datetime.date | None,
    until: datetime.datetime | datetime.date | None,
) -> QuerySet[Referral]:
    rows = Referral.objects.filter(sent_at__isnull=False).order_by()
    if organizations is not None:
        rows = rows.filter(Q(sender_id__in=organizations) | Q(receiver_id__in=organizations))
    if since is not None:
        rows = rows.filter(sent_at__gte=since)
    if until is not None:
        rows = rows.filter(sent_at__lt=until)
    return rows


def closed_loop_figures(
    *,
    organizations: list[int] | None = None,
    since: datetime.datetime | datetime.date | None = None,
    until: datetime.datetime | datetime.date | None = None,
    with_times: bool = True,
) -> list[PairFigures]:
    """Per (sender, receiver) pair, over referrals sent in [since, until) that involve one of
    `organizations` (all when None). Two queries: the counts grouped in the database, and the
    timestamps for the medians (no portable SQL median). `with_times=False` skips the second,
    the costly one on a region's year, for readers that show counts and rates only (the
    medians are then None)."""
    rows = _sent_referrals(organizations, since, until)
    counts = rows.values("sender_id", "sender__name", "receiver_id", "receiver__name").annotate(
        n_sent=Count("pk"),
        n_accepted=Count("pk", filter=_EVER_ACCEPTED),
        n_declined=Count("pk", filter=Q(status=Status.DECLINED)),
        n_completed=Count("pk", filter=Q(status=Status.COMPLETED)),
        n_not_completed=Count("pk", filter=Q(status=Status.NOT_COMPLETED)),
        n_expired=Count("pk", filter=Q(status=Status.EXPIRED)),
        n_withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN)),
    )
    acknowledge: dict[tuple[int, int], list[float]] = defaultdict(list)
    accept: dict[tuple[int, int], list[float]] = defaultdict(list)
    complete: dict[tuple[int, int], list[float]] = defaultdict(list)
    timestamps = rows if with_times else rows.none()
    for (
        sender_id,
        receiver_id,
        status,
        sent_at,
        received_at,
        answered_at,
        closed_at,
    ) in timestamps.values_list(
        "sender_id",
        "receiver_id",
        "status",
        "sent_at",
        "received_at",
        "answered_at",
        "closed_at",
    ):
        pair = (sender_id, receiver_id)
        firsts = [t for t in (received_at, answered_at) if t is not None]
        ack = _hours(sent_at, min(firsts)) if firsts else None
        if ack is not None:
            acknowledge[pair].append(ack)
        if status != Status.DECLINED:
            hours = _hours(sent_at, answered_at)
            if hours is not None:
                accept[pair].append(hours)
        if status == Status.COMPLETED:
            hours = _hours(sent_at, closed_at)
            if hours is not None:
                complete[pair].append(hours)
    figures = []
    for c in counts:
        pair = (c["sender_id"], c["receiver_id"])
        figures.append(
            PairFigures(
                sender_id=c["sender_id"],
                sender_name=c["sender__name"],
                receiver_id=c["receiver_id"],
                receiver_name=c["receiver__name"],
                sent=c["n_sent"],
                accepted=c["n_accepted"],
                declined=c["n_declined"],
                completed=c["n_completed"],
                not_completed=c["n_not_completed"],
                expired=c["n_expired"],
                withdrawn=c["n_withdrawn"],
                acceptance_rate=_rate(
                    c["n_accepted"], c["n_accepted"] + c["n_declined"] + c["n_expired"]
                ),
                completion_rate=_rate(c["n_completed"], c["n_completed"] + c["n_not_completed"]),
                median_hours_to_acknowledge=_median(acknowledge[pair]),
                median_hours_to_accept=_median(accept[pair]),
                median_hours_to_complete=_median(complete[pair]),
            )
        )
    figures.sort(key=lambda f: (f.sender_name, f.receiver_name, f.sender_id, f.receiver_id))
    return figures
