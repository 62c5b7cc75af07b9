"""Synthetic referrals for `generate_data` (the network's plug-in point, see its docstring).

For the synthetic cases of the run (written by `ponte.cases.synthetic` just before): outbound
referrals from cases that reached the analysis, each to a partner organisation bound to the
PUA by an agreement (else one of its province), with the person's sharing consent to it; and
inbound signals to the PUAs from the kinds of senders DOMAIN.md names. Every referral's fate is
drawn first (acknowledged in hours to days, accepted 70–85% of the answered depending on the
receiver's kind, completed 60–75% of the accepted, some expired, some withdrawn), then written
as the row, with its timestamps, and the ReferralEvent rows of each step, in order, with the
same timestamps. What is still in the future stays open at the state it has reached today.

Fast by construction: bulk inserts, no service, free text empty but for the required reasons
and outcomes. Recognised by `Referral.source` (the run's source label); the consents by their
people (the people's step deletes them).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ponte.cases.models import Case, CaseNeed, Phase
from ponte.catalog.taxonomy import Area
from ponte.network.management.synthetic import SOURCE_PREFIX, Context, save_all
from ponte.network.models import Agreement, Organization, OrganizationKind, Signatory
from ponte.people import synthetic as people_synthetic
from ponte.people.models import Consent
from ponte.people.services import CONSENT_TEXT_VERSION
from ponte.referrals.models import (
    Direction,
    Referral,
    ReferralEvent,
    Section,
    SenderKind,
    Status,
    Urgency,
)

K = OrganizationKind
S = Status
HOUR = dt.timedelta(hours=1)
# Chance that a case that reached this phase was referred somewhere (once or more).
REFERRED: dict[str, float] = {
    Phase.ANALYSIS: 0.25,
    Phase.PLAN: 0.55,
    Phase.IMPLEMENTATION: 0.75,
    Phase.FOLLOW_UP: 0.75,
    Phase.CLOSED: 0.45,
    Phase.SUSPENDED: 0.3,
}
# Share of answered referrals each kind of receiver accepts (the rest are declined).
ACCEPT_RATE: dict[str, float] = {
    K.CPI: 0.78,
    K.TRAINING_CENTRE: 0.82,
    K.CPIA: 0.85,
    K.UNION: 0.8,
    K.ANTI_TRAFFICKING: 0.84,
    K.RECEPTION_SAI: 0.7,
    K.RECEPTION_CAS: 0.7,
    K.ASST: 0.75,
    K.CARITAS: 0.83,
}
DEFAULT_ACCEPT = 0.76
# Share of accepted referrals that end completed (the rest not completed, a few withdrawn).
COMPLETE_RATE: dict[str, float] = {K.CPI: 0.62, K.CPIA: 0.72, K.TRAINING_CENTRE: 0.68}
DEFAULT_COMPLETE = 0.68
# Which kinds of organisation receive a referral for which need.
RECEIVERS: dict[str, list[str]] = {
    Area.JOB_PLACEMENT: [K.CPI, K.EMPLOYER_ASSOCIATION, K.COOPERATIVE],
    Area.WORK_GUIDANCE: [K.CPI, K.TRAINING_CENTRE],
    Area.TRAINING: [K.TRAINING_CENTRE, K.CPI, K.SCHOOL],
    Area.ITALIAN_LANGUAGE: [K.CPIA, K.SCHOOL, K.ASSOCIATION],
    Area.LEGAL: [K.UNION, K.ASSOCIATION, K.PREFECTURE],
    Area.LABOUR_DISPUTES: [K.UNION, K.LABOUR_INSPECTORATE],
    Area.ANTI_TRAFFICKING: [K.ANTI_TRAFFICKING, K.INTERNATIONAL],
    Area.HOUSING_EMERGENCY: [K.CARITAS, K.RECEPTION_CAS, K.MUNICIPALITY],
    Area.HOUSING_TEMPORARY: [K.COOPERATIVE, K.RECEPTION_SAI, K.CARITAS],
    Area.HEALTH: [K.ASST, K.ATS, K.ASSOCIATION],
    Area.BASIC_NEEDS: [K.CARITAS, K.ASSOCIATION],
    Area.ECONOMIC_SUPPORT: [K.MUNICIPALITY, K.INPS, K.FOUNDATION],
    Area.MEDIATION: [K.ASSOCIATION, K.COOPERATIVE],
}
# Inbound signals: the kind of sender for each kind of organisation that sends them.
SENDER_KINDS: dict[str, str] = {
    K.CPI: SenderKind.EMPLOYMENT_CENTRE,
    K.UNION: SenderKind.ANTI_CAPORALATO_DESK,
    K.LABOUR_INSPECTORATE: SenderKind.TASK_FORCE,
    K.INTERNATIONAL: SenderKind.TASK_FORCE,
    K.MUNICIPALITY: SenderKind.SOCIAL_SERVICES,
    K.AMBITO_OFFICE: SenderKind.PAS,
    K.RECEPTION_SAI: SenderKind.RECEPTION,
    K.RECEPTION_CAS: SenderKind.RECEPTION,
    K.CPIA: SenderKind.CPIA,
    K.ASSOCIATION: SenderKind.STREET_UNIT,
    K.COOPERATIVE: SenderKind.STREET_UNIT,
    K.ANTI_TRAFFICKING: SenderKind.HELPLINE,
}
SIGNALS_PER_PUA = {"small": 12, "regional": 500, "national": 600}
SECTION_SETS = [
    [Section.PROFILE],
    [Section.PROFILE, Section.SKILLS],
    [Section.PROFILE, Section.LISTENING],
    [Section.PROFILE, Section.PLAN],
    [Section.PROFILE, Section.ASSESSMENT, Section.SAFETY],
]
DECLINE_REASONS = [
    "Nessun posto disponibile (fittizio)",
    "Fuori dal nostro territorio (fittizio)",
    "Requisiti non soddisfatti (fittizio)",
]
NOT_DONE_REASONS = ["La persona non si è presentata (fittizio)", "Percorso interrotto (fittizio)"]
OUTCOMES = ["Percorso concluso (fittizio)", "Inserimento avviato (fittizio)"]
WITHDRAW_REASONS = ["Bisogno risolto altrimenti (fittizio)"]
SYSTEM = "system"


@dataclass
class Draft:
    """One referral as drawn: the row, then its steps (from, to, at, who, why)."""

    row: Referral
    steps: list[tuple[str, str, dt.datetime, str, str]] = field(default_factory=list)

    def step(self, to: str, at: dt.datetime, side: str, reason: str = "") -> None:
        before = self.steps[-1][1] if self.steps else ""
        self.steps.append((before, to, at, side, reason))
        self.row.status = to


def expected_rows(scale_name: str) -> int:
    from ponte.cases.synthetic import PEOPLE

    return PEOPLE.get(scale_name, 0) * 3


def delete_previous() -> None:
    """The previous run's referrals and their parts, one DELETE per table."""
    referrals = Referral.objects.filter(source__startswith=SOURCE_PREFIX)
    ReferralEvent.objects.filter(referral__in=referrals).delete()
    referrals.delete()


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)), tzinfo=zone)


def _answer_hours(rng: random.Random) -> float:
    """Acknowledgement delay: most within a working day, a long tail over several days."""
    return min(rng.lognormvariate(2.8, 1.0), 24 * 10)


def _lifecycle(
    rng: random.Random, d: Draft, kind: str, now: dt.datetime, *, work: bool = True
) -> None:
    """Draw the referral's fate from `sent` on and record each step that has happened by now.
    The side "sender"/"receiver"/"system" says who acted; the expiry job runs at night. An
    inbound signal ends at the triage (`work` False): the case carries the work from there."""
    r = d.row
    sent = r.sent_at
    assert sent is not None  # noqa: S101 - set by the caller  # nosec B101
    due_end = dt.datetime.combine(
        r.answer_due_on or sent.date(), dt.time(23, 59), tzinfo=sent.tzinfo
    )
    expiry = due_end + dt.timedelta(hours=3)
    fate = rng.random()
    if fate < 0.035:  # withdrawn before any answer
        at = sent + HOUR * rng.uniform(4, 96)
        if at <= now and at < due_end:
            d.step(S.WITHDRAWN, at, "sender", rng.choice(WITHDRAW_REASONS))
        return
    ack = sent + HOUR * _answer_hours(rng)
    if rng.random() < 0.75 and ack < due_end:
        if ack > now:
            return
        d.step(S.RECEIVED, ack, "receiver")
    if fate < 0.10 or ack >= due_end:  # never answered: the expiry job closes it
        if expiry <= now:
            d.step(S.EXPIRED, expiry, SYSTEM)
        return
    answer = max(ack, sent) + HOUR * rng.uniform(0.2, 48)
    answer = min(answer, due_end - HOUR)
    if answer > now:
        return
    if rng.random() >= ACCEPT_RATE.get(kind, DEFAULT_ACCEPT):
        d.step(S.DECLINED, answer, "receiver", rng.choice(DECLINE_REASONS))
        return
    d.step(S.ACCEPTED, answer, "receiver")
    if not work:
        return
    started = answer + dt.timedelta(days=rng.uniform(1, 10))
    if rng.random() < 0.8:
        if started > now:
            return
        d.step(S.IN_PROGRESS, started, "receiver")
    end = started + dt.timedelta(days=rng.uniform(7, 90))
    if end > now:
        return
    roll = rng.random()
    complete = COMPLETE_RATE.get(kind, DEFAULT_COMPLETE)
    if roll < complete:
        d.step(S.COMPLETED, end, "receiver")
        r.outcome = rng.choice(OUTCOMES)
    elif roll < 0.96:
        d.step(S.NOT_COMPLETED, end, "receiver", rng.choice(NOT_DONE_REASONS))
    else:
        d.step(S.WITHDRAWN, end, "sender", rng.choice(WITHDRAW_REASONS))


@contextmanager
def _drawn_timestamps() -> Iterator[None]:
    """created_at / updated_at are auto_now(_add): bulk_create would stamp "now" on every row
    and undo the drawn history; switched off for the insert only (one UPDATE per row else)."""
    fields = [Referral._meta.get_field(n) for n in ("created_at", "updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[union-attr]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for f, (now, add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = now, add  # type: ignore[union-attr]


def _finish(d: Draft) -> None:
    """The row's timestamps and reason from its steps, as the services would set them."""
    r = d.row
    for _before, to, at, _side, reason in d.steps:
        if to == S.RECEIVED:
            r.received_at = at
        if to in (S.ACCEPTED, S.DECLINED):
            r.answered_at = at
            r.received_at = r.received_at or at
        if to in (S.DECLINED, S.COMPLETED, S.NOT_COMPLETED, S.WITHDRAWN, S.EXPIRED):
            r.closed_at = at
        if reason:
            r.reason = reason
    r.updated_at = d.steps[-1][2]
    r.version = len(d.steps)


@dataclass
class Partners:
    """Who may receive from whom: by lead organisation, the organisations bound to it by an
    agreement, else those of its province; and which organisations have people in Ponte."""

    by_lead: dict[int, list[Organization]]
    members: set[int]

    @classmethod
    def of(cls, ctx: Context) -> Partners:
        leads = {o.pk for o in ctx.leads}
        partners = [o for o in ctx.organizations if o.pk and o.pk not in leads]
        agreements = Agreement.objects.filter(
            Q(promoter_id__in=leads) | Q(signatories__organization_id__in=leads)
        )
        parties: dict[int, set[int]] = {}
        for agreement_id, promoter in agreements.values_list("pk", "promoter_id"):
            parties.setdefault(agreement_id, set()).add(promoter)
        for agreement_id, org in Signatory.objects.filter(agreement__in=agreements).values_list(
            "agreement_id", "organization_id"
        ):
            parties.setdefault(agreement_id, set()).add(org)
        bound: dict[int, set[int]] = {}
        for members in parties.values():
            for lead_id in members & leads:
                bound.setdefault(lead_id, set()).update(members - leads)
        by_id = {o.pk: o for o in partners}
        by_lead: dict[int, list[Organization]] = {}
        for lead in ctx.leads:
            mine = [by_id[i] for i in sorted(bound.get(lead.pk, ())) if i in by_id]
            near = [o for o in partners if o.territory_id == lead.territory_id]
            by_lead[lead.pk] = mine + [o for o in near if o not in mine] or partners[:50]
        return cls(by_lead=by_lead, members={m.organization_id for m in ctx.memberships})

    def receiver(self, rng: random.Random, lead: int, need: str) -> Organization | None:
        options = self.by_lead.get(lead, [])
        if not options:
            return None
        kinds = RECEIVERS.get(need, [])
        fitting = [o for o in options if o.kind in kinds]
        return rng.choice(fitting if fitting and rng.random() < 0.85 else options)


def _outbound(
    ctx: Context, partners: Partners, case: dict[str, Any], now: dt.datetime
) -> list[Draft]:
    rng = ctx.rng
    today = now.date()
    if rng.random() >= REFERRED.get(case["phase"], 0.0):
        return []
    start = case["opened_on"] + dt.timedelta(days=rng.randint(7, 40))
    end = min(today, case["closed_on"] or today)
    if start > end:
        return []
    drafts = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        need = case["needs"][0] if case["needs"] and rng.random() < 0.7 else rng.choice(list(Area))
        receiver = partners.receiver(rng, case["lead"], need)
        if receiver is None:
            continue
        urgency = rng.choices(list(Urgency), weights=[70, 22, 8])[0]
        sent = _moment(rng, start + dt.timedelta(days=rng.randint(0, (end - start).days)))
        created = sent - HOUR * rng.uniform(0.1, 30)
        due_days = {Urgency.URGENT: 2, Urgency.SOON: 7}.get(urgency, rng.choice([10, 14, 21]))
        row = Referral(
            public_id=people_synthetic.new_uuid(rng),
            direction=Direction.OUTBOUND,
            sender_id=case["lead"],
            sender_kind=SenderKind.PUA,
            receiver=receiver,
            access_point_id=case["access_point_id"],
            case_id=case["pk"],
            need=need,
            urgency=urgency,
            shared_sections=",".join(rng.choice(SECTION_SETS)),
            answer_due_on=sent.date() + dt.timedelta(days=due_days),
            sent_at=sent,
            receiver_outside_ponte=receiver.pk not in partners.members,
            created_by_id=case["manager"],
            source=ctx.source,
        )
        row.created_at = created
        d = Draft(row)
        d.step(S.DRAFT, created, "sender")
        d.step(S.SENT, sent, "sender")
        _lifecycle(rng, d, receiver.kind, now)
        drafts.append(d)
    return drafts


def _inbound(ctx: Context, partners: Partners, now: dt.datetime) -> list[Draft]:
    rng = ctx.rng
    per_pua = SIGNALS_PER_PUA.get(ctx.scale_name, 12)
    drafts = []
    for ap in [a for a in ctx.access_points if a.pk]:
        senders = [o for o in partners.by_lead.get(ap.lead_organization_id, [])]
        senders = [o for o in senders if o.kind in SENDER_KINDS] or senders
        for _ in range(per_pua if senders else 0):
            sender = rng.choice(senders)
            sent = _moment(rng, now.date() - dt.timedelta(days=rng.randint(0, 540)))
            if sent > now:
                sent = now - HOUR
            row = Referral(
                public_id=people_synthetic.new_uuid(rng),
                direction=Direction.INBOUND,
                sender=sender,
                sender_kind=SENDER_KINDS.get(sender.kind, SenderKind.OTHER),
                receiver_id=ap.lead_organization_id,
                access_point_id=ap.pk,
                need=rng.choice(list(Area)),
                urgency=rng.choices(list(Urgency), weights=[60, 28, 12])[0],
                answer_due_on=sent.date() + dt.timedelta(days=rng.choice([3, 7, 10])),
                sent_at=sent,
                source=ctx.source,
            )
            row.created_at = sent
            d = Draft(row)
            d.step(S.SENT, sent, "sender")
            _lifecycle(rng, d, K.AMBITO_OFFICE, now, work=False)
            drafts.append(d)
    return drafts


def _consents(drafts: list[Draft], people: dict[int, tuple[int, str]]) -> list[Consent]:
    """One sharing consent per person and receiver, given the day of the first referral."""
    first: dict[tuple[int, int], dt.date] = {}
    for d in drafts:
        r = d.row
        if r.direction == Direction.OUTBOUND and r.case_id and r.sent_at:
            key = (people[r.case_id][0], r.receiver_id)
            first[key] = min(first.get(key, r.sent_at.date()), r.sent_at.date())
    return [
        Consent(
            person_id=person,
            purpose=Consent.Purpose.SHARING,
            recipient_id=receiver,
            method=Consent.Method.WRITTEN,
            language="it",
            text_version=CONSENT_TEXT_VERSION,
            given_on=day,
        )
        for (person, receiver), day in sorted(first.items())
    ]


def _events(drafts: list[Draft], saved: list[Referral]) -> list[ReferralEvent]:
    rows = []
    for d, referral in zip(drafts, saved, strict=True):
        for before, to, at, side, reason in d.steps:
            org = None if side == SYSTEM else referral.sender_id
            if side == "receiver" and not referral.receiver_outside_ponte:
                org = referral.receiver_id
            rows.append(
                ReferralEvent(
                    referral=referral,
                    at=at,
                    actor_label=SYSTEM if side == SYSTEM else "",
                    organization_id=org,
                    from_status=before,
                    to_status=to,
                    reason=reason,
                )
            )
    return rows


def make_referrals(ctx: Context) -> None:
    now = timezone.now()
    partners = Partners.of(ctx)
    cases = (
        Case.objects.filter(source_label=ctx.source)
        .order_by("pk")
        .values(
            "pk",
            "person_id",
            "phase",
            "opened_on",
            "closed_on",
            "access_point_id",
            "case_manager_id",
            "access_point__lead_organization_id",
        )
    )
    needs: dict[int, list[str]] = {}
    for case_id, area in CaseNeed.objects.filter(case__source_label=ctx.source).values_list(
        "case_id", "area"
    ):
        needs.setdefault(case_id, []).append(area)
    drafts: list[Draft] = []
    people: dict[int, tuple[int, str]] = {}
    for c in cases:
        people[c["pk"]] = (c["person_id"], c["phase"])
        case = {
            **c,
            "lead": c["access_point__lead_organization_id"],
            "manager": c["case_manager_id"],
            "needs": needs.get(c["pk"], []),
        }
        drafts += _outbound(ctx, partners, case, now)
    drafts += _inbound(ctx, partners, now)
    for d in drafts:
        _finish(d)
    save_all(ctx, Consent, _consents(drafts, people), "sharing consents")
    with _drawn_timestamps():
        saved = save_all(ctx, Referral, [d.row for d in drafts], "referrals")
    save_all(ctx, ReferralEvent, _events(drafts, saved), "referral events")


SYNTHETIC_STEPS = [make_referrals]
