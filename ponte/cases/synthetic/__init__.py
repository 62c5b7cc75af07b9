"""Synthetic people and cases for `generate_data` (the network's plug-in point, see its
docstring).

For every generated PUA, in proportion to the scale (small ≈ 300 people, regional ≈ 15,000,
national ≈ 250,000): a person, their consent to be taken in charge and one case, whose story
is drawn first (which phase it has reached, through which steps, on which days) and then
written as the rows the case file would have: the timeline (a CaseEvent per step, with from
and to phase), needs and vulnerabilities, and the sections (`sections.py`). Outreach contacts
the synthetic street units engaged with a case reference become cases with that public id, so
the funnel contact → engagement → case links up.

Fast by construction: rows are built in batches and bulk-inserted, no service is called, and
encrypted free text is left empty except in the few rows where it is required. Everything is
recognised by `Person.source` / `Case.source_label` (the run's source label); a new run deletes
exactly the previous run's rows before writing its own.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from ponte.cases.models import (
    Case,
    CaseEvent,
    CaseNeed,
    CaseVulnerability,
    ClosureOutcome,
    ClosureReason,
    EventKind,
    InterventionLogic,
    Phase,
    Source,
    Vulnerability,
    WorkSituation,
)
from ponte.cases.synthetic import pools, sections
from ponte.catalog.taxonomy import Area
from ponte.network.management.synthetic import SOURCE_PREFIX, Context, save_all
from ponte.network.roles import Role
from ponte.outreach.models import Contact
from ponte.people import synthetic as people
from ponte.people.models import Consent, Gender, Person

PEOPLE = {"small": 300, "regional": 15_000, "national": 250_000}
# Share of people who agree to the anonymous use of their data for evaluation.
EVALUATION_CONSENT_SHARE = 0.7
BATCH_PEOPLE = 2_000

P = Phase
# Where the cases are today: many being engaged or assessed, fewer further on.
PHASES = [
    (P.CONTACT, 4),
    (P.ENGAGEMENT, 22),
    (P.ANALYSIS, 20),
    (P.PLAN, 9),
    (P.IMPLEMENTATION, 14),
    (P.FOLLOW_UP, 8),
    (P.CLOSED, 18),
    (P.SUSPENDED, 5),
]
FORWARD: list[str] = [P.CONTACT, P.ENGAGEMENT, P.ANALYSIS, P.PLAN, P.IMPLEMENTATION, P.FOLLOW_UP]
# Days spent before moving into a phase (min, max).
DAYS_TO: dict[str, tuple[int, int]] = {
    P.ENGAGEMENT: (3, 30),
    P.ANALYSIS: (5, 40),
    P.PLAN: (10, 60),
    P.IMPLEMENTATION: (5, 30),
    P.FOLLOW_UP: (60, 240),
    P.CLOSED: (30, 300),
    P.SUSPENDED: (10, 90),
}
# (closure outcome, reason options, the furthest phase the case reached, weight)
CLOSURES: list[tuple[str, list[str], list[str], int]] = [
    (ClosureOutcome.POSITIVE, [ClosureReason.GOALS_REACHED], [P.FOLLOW_UP], 40),
    (ClosureOutcome.PARTIAL, [ClosureReason.GOALS_REACHED], [P.FOLLOW_UP, P.IMPLEMENTATION], 12),
    (ClosureOutcome.PARTIAL, [ClosureReason.REFERRED_ON], [P.ANALYSIS, P.IMPLEMENTATION], 8),
    (
        ClosureOutcome.NONE,
        [
            ClosureReason.PERSON_WITHDREW,
            ClosureReason.LOST_CONTACT,
            ClosureReason.LOST_CONTACT,
            ClosureReason.MOVED_AWAY,
        ],
        [P.ENGAGEMENT, P.ENGAGEMENT, P.ANALYSIS, P.PLAN, P.IMPLEMENTATION],
        32,
    ),
    (ClosureOutcome.NONE, [ClosureReason.NOT_ELIGIBLE], [P.ENGAGEMENT, P.ANALYSIS], 5),
    (ClosureOutcome.UNKNOWN, [ClosureReason.OTHER], [P.ANALYSIS], 3),
]
SOURCES = [
    (Source.SELF_REFERRAL, 30),
    (Source.INBOUND_SIGNAL, 25),
    (Source.COMMUNITY, 20),
    (Source.OUTREACH, 15),
    (Source.HELPLINE, 6),
    (Source.OTHER, 4),
]
SITUATIONS = [
    (WorkSituation.UNEMPLOYED_AT_RISK, 18),
    (WorkSituation.GREY_WORK, 24),
    (WorkSituation.UNDECLARED_WORK, 28),
    (WorkSituation.EXPLOITATION, 22),
    (WorkSituation.SEVERE_EXPLOITATION, 8),
]
LOGIC: dict[str, str] = {
    WorkSituation.UNEMPLOYED_AT_RISK: InterventionLogic.PREVENTION,
    WorkSituation.GREY_WORK: InterventionLogic.BUFFERING,
    WorkSituation.UNDECLARED_WORK: InterventionLogic.BUFFERING,
    WorkSituation.EXPLOITATION: InterventionLogic.CONTRAST,
    WorkSituation.SEVERE_EXPLOITATION: InterventionLogic.CONTRAST,
}
NEEDS = [
    (Area.LEGAL, 10),
    (Area.LABOUR_DISPUTES, 7),
    (Area.JOB_PLACEMENT, 9),
    (Area.WORK_GUIDANCE, 6),
    (Area.ITALIAN_LANGUAGE, 7),
    (Area.HOUSING_EMERGENCY, 5),
    (Area.HOUSING_TEMPORARY, 4),
    (Area.HEALTH, 5),
    (Area.BASIC_NEEDS, 4),
    (Area.TRAINING, 4),
    (Area.MEDIATION, 3),
    (Area.ECONOMIC_SUPPORT, 3),
    (Area.ANTI_TRAFFICKING, 1),
]
VULNERABILITIES = [v.value for v in Vulnerability]
# The street unit's "other" (neither female nor male as seen) is HTCDS "non-conforming".
_CONTACT_GENDER = {"female": Gender.FEMALE, "male": Gender.MALE, "other": Gender.NON_CONFORMING}


@dataclass
class Story:
    """One case's path, drawn before any row is written."""

    case: Case
    person: Person
    manager_id: int | None
    steps: list[tuple[str, str, dt.date]] = field(default_factory=list)  # from, to, day
    needs: list[str] = field(default_factory=list)  # areas

    def entered(self, phase: str) -> dt.date | None:
        """The first day the case entered `phase` (None if it never did)."""
        return next((day for _f, to, day in self.steps if to == phase), None)

    def reached(self, phase: str) -> bool:
        return self.entered(phase) is not None


@dataclass
class Staff:
    """Who works where, by lead organisation: case managers and specialists."""

    managers: dict[int, list[int]] = field(default_factory=dict)
    specialists: dict[int, list[int]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, ctx: Context) -> Staff:
        staff = cls(labels={u.pk: u.full_name for u in ctx.users})
        for m in ctx.memberships:
            if m.role in (Role.CASE_MANAGER, Role.COORDINATOR):
                staff.managers.setdefault(m.organization_id, []).append(m.user_id)
            elif m.role == Role.SPECIALIST:
                staff.specialists.setdefault(m.organization_id, []).append(m.user_id)
        return staff


def expected_rows(scale_name: str) -> int:
    return PEOPLE.get(scale_name, 0) * 29  # about 29 rows per person, all parts counted


def delete_previous() -> None:
    """The previous run's cases (their parts cascade); the people go in people.synthetic."""
    cases = Case.objects.filter(source_label__startswith=SOURCE_PREFIX)
    pools.delete_protected(cases)
    cases.delete()


def _draw_path(
    rng: random.Random, target: str, start: str
) -> tuple[list[tuple[str, str]], str, str]:
    """The moves from `start` to `target`, with the closure's outcome and reason if closed."""
    outcome = reason = ""
    reached = target
    if target == P.CLOSED:
        outcome_row = rng.choices(CLOSURES, weights=[c[3] for c in CLOSURES])[0]
        outcome, reason = outcome_row[0], rng.choice(outcome_row[1])
        reached = rng.choice(outcome_row[2])
    elif target == P.SUSPENDED:
        reached = rng.choice([P.ENGAGEMENT, P.ANALYSIS, P.ANALYSIS, P.IMPLEMENTATION])
    if FORWARD.index(reached) < FORWARD.index(start):
        start = reached
    moves: list[tuple[str, str]] = []
    here = start
    for phase in FORWARD[FORWARD.index(start) + 1 : FORWARD.index(reached) + 1]:
        moves.append((here, phase))
        here = phase
        # Now and then a step back (DOMAIN.md: the path has returns), then on again.
        if phase == P.ANALYSIS and reached != P.ANALYSIS and rng.random() < 0.05:
            moves += [(P.ANALYSIS, P.ENGAGEMENT), (P.ENGAGEMENT, P.ANALYSIS)]
    if target in (P.CLOSED, P.SUSPENDED):
        moves.append((here, target))
    return moves, outcome, reason


def _story(
    ctx: Context,
    staff: Staff,
    today: dt.date,
    person: Person,
    access_point_id: int,
    lead_id: int,
    contact: dict[str, Any] | None,
) -> Story:
    rng = ctx.rng
    target = people.weighted(rng, PHASES)
    start: str = (
        P.CONTACT if target == P.CONTACT or (contact and rng.random() < 0.4) else P.ENGAGEMENT
    )
    moves, outcome, reason = _draw_path(rng, target, start)
    start = moves[0][0] if moves else target
    durations = []
    for _before, after in moves:
        low, high = DAYS_TO.get(after, (5, 30))
        durations.append(rng.randint(low, high))
    tail = rng.randrange(0, 150)
    if contact is not None:
        engaged = contact["engaged_at"]
        # The street unit may date the engagement a week after the meeting: never after today.
        opened = min(timezone.localtime(engaged).date(), today) if engaged else today
        available = max(0, (today - opened).days)
        total = sum(durations)
        if total > available:  # an engaged contact is recent: the story is squeezed to fit
            durations = [d * available // max(total, 1) for d in durations]
    else:
        opened = today - dt.timedelta(days=min(sum(durations) + tail, 4 * 365))
        durations = [min(d, (today - opened).days) for d in durations]
    managers = staff.managers.get(lead_id, [])
    manager = rng.choice(managers) if managers and rng.random() < 0.9 else None
    situation = WorkSituation.NOT_ASSESSED
    analysed = any(after == P.ANALYSIS for _b, after in moves)
    if analysed or rng.random() < 0.2:
        situation = people.weighted(rng, SITUATIONS)
    case = Case(
        public_id=contact["case_ref"] if contact else people.new_uuid(rng),
        person=person,
        access_point_id=access_point_id,
        case_manager_id=manager,
        source=Source.OUTREACH if contact else people.weighted(rng, SOURCES),
        source_contact_id=contact["pk"] if contact else None,
        opened_on=opened,
        phase=start,
        work_situation=situation,
        intervention_logic=LOGIC.get(situation, "") if analysed else "",
        follow_up_every_days=rng.choice([30, 30, 45, 60, 90]),
        source_label=ctx.source,
    )
    story = Story(case=case, person=person, manager_id=manager)
    story.steps.append(("", start, opened))
    day = opened
    for (before, after), days in zip(moves, durations, strict=True):
        day = min(today, day + dt.timedelta(days=days))
        story.steps.append((before, after, day))
    last_from, last_to, last_day = story.steps[-1]
    case.phase = last_to
    case.phase_since = pools.at(last_day, len(story.steps))
    if last_to == P.SUSPENDED:
        case.phase_before_suspension = last_from
    if last_to == P.CLOSED:
        case.closed_on = last_day
        case.closure_outcome = outcome
        case.closure_reason = reason
    return story


def _events(story: Story, staff: Staff) -> list[CaseEvent]:
    label = staff.labels.get(story.manager_id or 0, "")
    rows = []
    for position, (before, after, day) in enumerate(story.steps):
        kind = EventKind.PHASE
        summary, reason = "", ""
        if not before:
            kind = EventKind.OPENED
        elif after == P.CLOSED:
            kind = EventKind.CLOSED
            summary = f"{story.case.closure_reason} / {story.case.closure_outcome}"
        elif after == P.SUSPENDED or FORWARD.index(after) < FORWARD.index(before):
            # The service asks why for a pause or a step back; the why is short and fictitious.
            reason = "Motivo sintetico (fittizio)"
        rows.append(
            CaseEvent(
                case=story.case,
                at=pools.at(day, position),
                actor_id=story.manager_id,
                actor_label=label,
                kind=kind,
                from_phase=before,
                to_phase=after,
                summary=summary,
                reason=reason,
            )
        )
    return rows


def _needs(rng: random.Random, story: Story, today: dt.date) -> list[CaseNeed]:
    areas = sorted({people.weighted(rng, NEEDS) for _ in range(rng.choice([1, 1, 2, 2, 3]))})
    closed_positive = story.case.closure_outcome == ClosureOutcome.POSITIVE
    rows = []
    for area in areas:
        recorded = story.entered(P.ANALYSIS) or story.case.opened_on
        met = None
        if closed_positive or (story.reached(P.FOLLOW_UP) and rng.random() < 0.5):
            met = min(today, recorded + dt.timedelta(days=rng.randint(30, 240)))
        rows.append(CaseNeed(case=story.case, area=area, recorded_on=recorded, met_on=met))
    return rows


def _slots(ctx: Context) -> list[tuple[Any, dict[str, Any] | None]]:
    """(access point, engaged outreach contact or None) for every person to make."""
    rng = ctx.rng
    access_points = [ap for ap in ctx.access_points if ap.pk]
    if not access_points:
        return []
    contacts: dict[int, list[dict[str, Any]]] = {}
    engaged = Contact.objects.filter(source=ctx.source, case_ref__isnull=False).order_by("pk")
    for row in engaged.values(
        "pk", "access_point_id", "case_ref", "engaged_at", "gender", "nationality", "languages"
    ):
        contacts.setdefault(row["access_point_id"], []).append(dict(row))
    weights = [rng.uniform(0.4, 1.6) for _ in access_points]
    total = PEOPLE[ctx.scale_name]
    slots: list[tuple[Any, dict[str, Any] | None]] = []
    for ap, weight in zip(access_points, weights, strict=True):
        mine = contacts.get(ap.pk, [])
        count = max(len(mine), round(total * weight / sum(weights)))
        slots += [(ap, c) for c in mine] + [(ap, None)] * (count - len(mine))
    return slots


def make_cases(ctx: Context) -> None:
    rng, today, staff = ctx.rng, timezone.localdate(), Staff.of(ctx)
    evaluation_rng = random.Random(f"{ctx.seed}-evaluation")  # noqa: S311 - fictitious data  # nosec B311
    pool = pools.Pools.of(ctx)
    slots = _slots(ctx)
    for start in range(0, len(slots), BATCH_PEOPLE):
        stories = []
        for ap, contact in slots[start : start + BATCH_PEOPLE]:
            person = people.make_person(
                rng,
                organization_id=ap.lead_organization_id,
                source=ctx.source,
                today=today,
                gender=_CONTACT_GENDER.get(contact["gender"]) if contact else None,
                citizenship=(contact["nationality"] or None) if contact else None,
                languages=contact["languages"] if contact else None,
            )
            stories.append(
                _story(ctx, staff, today, person, ap.pk, ap.lead_organization_id, contact)
            )
        saved = save_all(ctx, Person, [s.person for s in stories], "people")
        consents = []
        for story, person in zip(stories, saved, strict=True):
            story.case.person = person
            consents.append(
                people.make_consent(rng, person, story.case.opened_on, story.manager_id)
            )
            # Most people also agree to the anonymous use of their data for evaluation. Its own
            # generator, so adding it left every other generated value as it was.
            if evaluation_rng.random() < EVALUATION_CONSENT_SHARE:
                consents.append(
                    people.make_consent(
                        evaluation_rng,
                        person,
                        story.case.opened_on,
                        story.manager_id,
                        purpose=Consent.Purpose.EVALUATION,
                    )
                )
        save_all(ctx, Consent, consents, "consents")
        save_all(ctx, Case, [s.case for s in stories], "cases")
        events, needs, vulnerabilities = [], [], []
        for story in stories:
            events += _events(story, staff)
            story_needs = _needs(rng, story, today)
            story.needs = [n.area for n in story_needs]
            needs += story_needs
            codes = sorted(set(rng.sample(VULNERABILITIES, rng.choice([0, 1, 1, 2, 2, 3]))))
            vulnerabilities += [CaseVulnerability(case=story.case, code=c) for c in codes]
        save_all(ctx, CaseEvent, events, "case events")
        save_all(ctx, CaseNeed, needs, "case needs")
        save_all(ctx, CaseVulnerability, vulnerabilities, "case vulnerabilities")
        sections.make_sections(ctx, stories, staff, pool, today)


SYNTHETIC_STEPS = [make_cases]
