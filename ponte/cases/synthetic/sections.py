"""The sections of synthetic case files, written from each case's story (see `__init__`).

What a case has depends on how far it went: a first listening once engaged; an exploitation
assessment for most cases that reached the joint assessment (screening positive for about one
in eight, a decision recorded on some); safety and skills; an agreed plan with goals, actions
and catalog services from the "patto" on; activities; direct support for some; follow-ups at
the case's cadence once in implementation, with trust and well-being answers that improve over
time; outcomes for cases closed with a result. Each part also leaves its timeline event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ponte.cases.models import (
    Activity,
    Assessment,
    AutonomyAssessment,
    BudgetLine,
    CaseEvent,
    CaseNote,
    ClosureOutcome,
    EventKind,
    Experience,
    FirstListening,
    FollowUp,
    Goal,
    LanguageSkill,
    Observation,
    Outcome,
    Phase,
    Plan,
    PlanAction,
    PlanService,
    SafetyAssessment,
    SkillsProfile,
    SupportMeasure,
    WorkSituation,
)
from ponte.cases.synthetic.pools import (
    ACTIONS,
    ACTIVITY_KINDS,
    GOALS,
    JOBS,
    OUTCOME_KINDS,
    SECTORS,
    SUPPORT_KINDS,
    Pools,
    at,
)
from ponte.network.management.synthetic import Context, save_all

if TYPE_CHECKING:
    from ponte.cases.synthetic import Staff, Story

P = Phase
# Information on rights given at the first listening (RightsInfo codes), most common first.
RIGHTS = ["labour_rights", "labour_rights,helpline", "contract,legal_aid", "residence", ""]


class Writer:
    """Collects the rows of a batch of stories, then saves them parents first."""

    def __init__(self, ctx: Context, staff: Staff, pools: Pools, today: dt.date) -> None:
        self.ctx, self.rng, self.staff, self.pools, self.today = ctx, ctx.rng, staff, pools, today
        self.rows: dict[type, list[Any]] = {}

    def add(self, row: Any) -> Any:
        self.rows.setdefault(type(row), []).append(row)
        return row

    def event(self, story: Story, kind: str, day: dt.date, summary: str = "") -> None:
        self.add(
            CaseEvent(
                case=story.case,
                at=at(day, 8 + len(self.rows.get(CaseEvent, [])) % 50),
                actor_id=story.manager_id,
                actor_label=self.staff.labels.get(story.manager_id or 0, ""),
                kind=kind,
                summary=summary,
            )
        )

    def day(self, story: Story, start: dt.date, low: int, high: int) -> dt.date:
        """A day `low`-`high` days after `start`, never after the case's end or today."""
        end = story.case.closed_on or self.today
        return max(start, min(end, start + dt.timedelta(days=self.rng.randint(low, high))))

    def save(self) -> None:
        order = [FirstListening, Assessment, Observation, SafetyAssessment, SkillsProfile]
        order += [LanguageSkill, Experience, Plan, Goal, PlanAction, PlanService, Activity]
        order += [AutonomyAssessment, SupportMeasure, BudgetLine, FollowUp, Outcome, CaseNote]
        order += [CaseEvent]
        for model in order:
            save_all(
                self.ctx, model, self.rows.get(model, []), str(model._meta.verbose_name_plural)
            )

    # ---- the parts ---------------------------------------------------------------------------

    def listening(self, story: Story) -> None:
        engaged = story.entered(P.ENGAGEMENT)
        if engaged is None or self.rng.random() > 0.85:
            return
        held = self.day(story, engaged, 0, 7)
        self.add(
            FirstListening(
                case=story.case,
                held_on=held,
                immediate_needs=",".join(story.needs),
                rights_information=self.rng.choice(RIGHTS),
                language=(story.person.languages or "it").split(",")[0],
                mediator_present=story.person.needs_interpreter,
                recorded_by_id=story.manager_id,
            )
        )
        self.event(story, EventKind.LISTENING, held)

    def assessment(self, story: Story) -> None:
        rng, analysed = self.rng, story.entered(P.ANALYSIS)
        if analysed is None or rng.random() > (0.8 if story.reached(P.PLAN) else 0.6):
            return
        situation = story.case.work_situation
        chance: dict[str, float] = {
            WorkSituation.SEVERE_EXPLOITATION: 0.6,
            WorkSituation.EXPLOITATION: 0.25,
        }
        positive = rng.random() < chance.get(situation, 0.06)
        template = rng.choice(self.pools.positive if positive else self.pools.negative)
        assessed = self.day(story, analysed, 0, 10)
        row = self.add(
            Assessment(
                case=story.case,
                assessed_on=assessed,
                assessed_by_id=story.manager_id,
                screening=template.snapshot,
                screening_positive=template.positive,
            )
        )
        sources = ["account", "account", "documents", "observation", "third_party"]
        for framework, code in template.observed:
            self.add(
                Observation(
                    assessment=row,
                    framework=framework,
                    code=code,
                    source=rng.choice(sources),
                    observed_on=assessed,
                )
            )
        self.event(story, EventKind.ASSESSMENT, assessed)
        if rng.random() < (0.7 if template.positive else 0.15):
            row.status = (
                rng.choice(["possible_victim"] * 4 + ["actual_victim"])
                if template.positive
                else "not_a_victim"
            )
            row.status_decided_by = rng.choice(["case_worker"] * 3 + ["anti_trafficking"])
            row.decided_by_user_id = story.manager_id
            decided = self.day(story, assessed, 0, 14)
            row.decided_at = at(decided, 3)
            row.justification = "Motivazione sintetica (fittizio)"
            self.event(story, EventKind.DECISION, decided, row.status)
        if template.positive or rng.random() < 0.2:
            risk = (
                "high"
                if template.positive and rng.random() < 0.5
                else rng.choice(["low", "medium"])
            )
            self.add(
                SafetyAssessment(
                    case=story.case,
                    assessed_on=assessed,
                    threats=template.positive and rng.random() < 0.6,
                    debt=rng.random() < (0.5 if template.positive else 0.1),
                    fear_of_retaliation=rng.random() < 0.4,
                    documents_held_by=rng.choice(["person", "person", "employer", "unknown"]),
                    phone_controlled=template.positive and rng.random() < 0.2,
                    risk=risk,
                    assessed_by_id=story.manager_id,
                )
            )
            self.event(story, EventKind.SAFETY, assessed)

    def skills(self, story: Story) -> None:
        rng, analysed = self.rng, story.entered(P.ANALYSIS)
        if analysed is None or rng.random() > (0.75 if story.reached(P.PLAN) else 0.25):
            return
        profile = self.add(
            SkillsProfile(
                case=story.case,
                education=rng.choice(["none", "1", "2", "2", "3", "3", "4", "6", "unknown"]),
                driving_licence=rng.choice(["", "", "", "B", "B (estera)"]),
                wish=rng.choice(["change", "change", "develop", "keep", "reduce"]),
                has_transport=rng.random() < 0.3,
                childcare_constraints=rng.random() < 0.15,
            )
        )
        first = (story.person.languages or "it").split(",")[0]
        self.add(LanguageSkill(profile=profile, language=first, level="native"))
        if first != "it":
            level = rng.choice(["A1", "A1", "A2", "A2", "B1", "B2"])
            self.add(LanguageSkill(profile=profile, language="it", level=level))
        for _ in range(rng.choice([0, 1, 1, 2])):
            sector = rng.choice(SECTORS)
            months = rng.randint(2, 60)
            self.add(Experience(profile=profile, what=JOBS[sector], sector=sector, months=months))
        self.event(story, EventKind.SKILLS, self.day(story, analysed, 3, 20))

    def plan(self, story: Story) -> None:
        rng, agreed = self.rng, story.entered(P.PLAN)
        if agreed is None:
            if story.case.phase == P.ANALYSIS and rng.random() < 0.25:
                self.add(Plan(case=story.case, written_by_id=story.manager_id))
            return
        language = story.person.preferred_language
        revisions = [agreed]
        if story.reached(P.IMPLEMENTATION) and rng.random() < 0.12:
            revisions.append(self.day(story, agreed, 45, 120))
        plan = None
        for number, day in enumerate(revisions, start=1):
            last = number == len(revisions)
            plan = self.add(
                Plan(
                    case=story.case,
                    revision=number,
                    status=Plan.Status.AGREED if last else Plan.Status.SUPERSEDED,
                    agreed_on=day,
                    review_on=day + dt.timedelta(days=90),
                    language=language,
                    written_by_id=story.manager_id,
                )
            )
            self.event(story, EventKind.PLAN, day, f"revision {number}")
        assert plan is not None  # noqa: S101 - revisions is never empty  # nosec B101
        outcome = story.case.closure_outcome
        done = outcome == ClosureOutcome.POSITIVE
        for text in rng.sample(GOALS, rng.randint(1, 3)):
            status = "reached" if done else "partly" if outcome == "partial" else "open"
            goal = self.add(Goal(plan=plan, text=text, status=status))
            for action_text in rng.sample(ACTIONS, rng.randint(1, 2)):
                due = plan.agreed_on + dt.timedelta(days=rng.randint(7, 90))  # type: ignore[operator]
                finished = done or (story.reached(P.IMPLEMENTATION) and rng.random() < 0.6)
                self.add(
                    PlanAction(
                        goal=goal,
                        text=action_text,
                        owner=rng.choice(["person", "case_manager", "team", "partner"]),
                        due_on=due,
                        status="done" if finished else rng.choice(["todo", "doing"]),
                        done_on=min(due, story.case.closed_on or self.today) if finished else None,
                    )
                )
        if self.pools.services:
            for service in rng.sample(self.pools.services, min(2, len(self.pools.services))):
                if rng.random() < 0.7:
                    self.add(PlanService(plan=plan, service_id=service))

    def activities(self, story: Story) -> None:
        rng, agreed = self.rng, story.entered(P.PLAN)
        if agreed is None:
            return
        helpers = [story.manager_id] if story.manager_id else []
        helpers += self.staff.specialists.get(story.person.organization_id, [])
        count = rng.randint(1, 3) + (3 if story.reached(P.FOLLOW_UP) else 0)
        for _ in range(count):
            kind = rng.choices([k for k, _w in ACTIVITY_KINDS], [w for _k, w in ACTIVITY_KINDS])[0]
            day = self.day(story, agreed, 0, 200)
            self.add(
                Activity(
                    case=story.case,
                    kind=kind,
                    done_on=day,
                    minutes=rng.choice([30, 45, 60, 60, 90, 120, 180]),
                    done_by_id=rng.choice(helpers) if helpers else None,
                )
            )
            self.event(story, EventKind.ACTIVITY, day, kind)

    def support(self, story: Story) -> None:
        rng, started = self.rng, story.entered(P.IMPLEMENTATION)
        if started is None or rng.random() > 0.2:
            return
        day = self.day(story, started, 0, 20)
        autonomy = self.add(
            AutonomyAssessment(
                case=story.case,
                assessed_on=day,
                autonomy=rng.randint(1, 4),
                decisions=rng.randint(1, 4),
                territory=rng.randint(1, 4),
                social_network=rng.randint(1, 3),
                initiative=rng.randint(2, 5),
                assessed_by_id=story.manager_id,
            )
        )
        kind = rng.choices([k for k, _w in SUPPORT_KINDS], [w for _k, w in SUPPORT_KINDS])[0]
        lines = []
        if kind == "budget":
            for line in rng.sample(["housing", "health", "work"], rng.randint(2, 3)):
                planned = Decimal(rng.randrange(300, 2000, 50))
                spent = (planned * Decimal(rng.randint(0, 100)) / 100).quantize(Decimal("1"))
                lines.append(BudgetLine(line=line, planned_amount=planned, spent_amount=spent))
            planned = sum((b.planned_amount for b in lines), Decimal(0))
            spent = sum((b.spent_amount for b in lines), Decimal(0))
        else:
            planned = Decimal(rng.randrange(500, 4000, 100))
            spent = (planned * Decimal(rng.randint(20, 100)) / 100).quantize(Decimal("1"))
        measure = self.add(
            SupportMeasure(
                case=story.case,
                kind=kind,
                autonomy_assessment=autonomy,
                granted_on=day,
                starts_on=day,
                ends_on=day + dt.timedelta(days=rng.choice([90, 180, 180, 365])),
                planned_amount=planned,
                spent_amount=spent,
                granted_by_id=story.manager_id,
            )
        )
        for line_row in lines:
            line_row.measure = measure
            self.add(line_row)
        self.event(story, EventKind.SUPPORT, day, kind)

    def follow_ups(self, story: Story) -> None:
        rng, started = self.rng, story.entered(P.IMPLEMENTATION)
        if started is None:
            return
        every = dt.timedelta(days=story.case.follow_up_every_days)
        end = story.case.closed_on or self.today
        due, number = started + every, 0
        while due <= end and number < 12:
            number += 1
            missed = rng.random() < 0.15
            # Trust and well-being grow along the path (with noise): what the evaluation shows.
            base = 2 + min(number, 8) / 4

            def score() -> int:
                return max(1, min(5, round(base + rng.uniform(-1, 1))))  # noqa: B023

            if missed:
                self.add(FollowUp(case=story.case, due_on=due, status=FollowUp.Status.MISSED))
            else:
                done_on = min(end, due + dt.timedelta(days=rng.randint(0, 5)))
                self.add(
                    FollowUp(
                        case=story.case,
                        due_on=due,
                        status=FollowUp.Status.DONE,
                        done_on=done_on,
                        channel=rng.choice(["in_person", "in_person", "phone", "message"]),
                        trust=score(),
                        wellbeing_general=score(),
                        wellbeing_work=score(),
                        wellbeing_housing=score(),
                        wellbeing_safety=score(),
                        done_by_id=story.manager_id,
                    )
                )
                self.event(story, EventKind.FOLLOW_UP, done_on)
            due += every
        closed = story.case.closed_on
        if closed is None:  # the next one: overdue for some, ahead for most
            self.add(FollowUp(case=story.case, due_on=due, status=FollowUp.Status.PLANNED))
        elif story.case.closure_outcome == ClosureOutcome.POSITIVE:
            self.add(
                FollowUp(
                    case=story.case,
                    due_on=closed + dt.timedelta(days=180),
                    status=FollowUp.Status.PLANNED,
                    after_closure=True,
                )
            )

    def outcomes(self, story: Story) -> None:
        rng, outcome = self.rng, story.case.closure_outcome
        chances: dict[str, float] = {ClosureOutcome.POSITIVE: 1.0, ClosureOutcome.PARTIAL: 0.5}
        chance = chances.get(outcome, 0.0)
        if story.case.phase == P.FOLLOW_UP:
            chance = 0.4
        if rng.random() >= chance:
            return
        start = story.entered(P.IMPLEMENTATION) or story.case.opened_on
        weights = [w for _k, w in OUTCOME_KINDS]
        kinds = {rng.choices([k for k, _w in OUTCOME_KINDS], weights)[0] for _ in range(2)}
        for kind in sorted(kinds):
            day = self.day(story, start, 20, 300)
            row = Outcome(case=story.case, kind=kind, achieved_on=day)
            if kind == "job":
                row.sector = rng.choice(SECTORS)
                row.contract_type = rng.choice(
                    ["permanent", "fixed_term", "fixed_term", "seasonal"]
                )
                row.starts_on = day
                row.duration_months = (
                    None if row.contract_type == "permanent" else rng.randint(3, 12)
                )
            elif kind == "dispute":
                row.dispute_settled = rng.random() < 0.7
                if row.dispute_settled:
                    row.amount_recovered = Decimal(rng.randrange(800, 15000, 50))
            elif kind == "permit" and self.pools.legal_bases:
                row.legal_basis_id = rng.choice(self.pools.legal_bases)
            self.add(row)
            self.event(story, EventKind.OUTCOME, day, kind)


def make_sections(
    ctx: Context, stories: list[Story], staff: Staff, pools: Pools, today: dt.date
) -> None:
    writer = Writer(ctx, staff, pools, today)
    for story in stories:
        writer.listening(story)
        writer.assessment(story)
        writer.skills(story)
        writer.plan(story)
        writer.activities(story)
        writer.support(story)
        writer.follow_ups(story)
        writer.outcomes(story)
        if ctx.rng.random() < 0.03:
            writer.add(
                CaseNote(
                    case=story.case, body="Nota sintetica (fittizio).", author_id=story.manager_id
                )
            )
            writer.event(story, EventKind.NOTE, writer.day(story, story.case.opened_on, 0, 60))
    writer.save()
