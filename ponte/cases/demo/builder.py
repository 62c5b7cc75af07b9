"""The demo's writer: each step of a story goes through the real service, as an operator
would do it, and is then dated in the past (the services stamp their timeline events "now",
so each step's events are moved to the day the story says it happened).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Max
from django.utils import timezone

from ponte.accounts.models import User
from ponte.cases.models import Case, CaseEvent, FollowUp, Phase, Source
from ponte.cases.services import assessment, core, plan, work, work_outcomes
from ponte.catalog.models import Service
from ponte.network.demo import DEMO_SOURCE, EMAIL_DOMAIN
from ponte.network.models import AccessPoint, Organization
from ponte.outreach.models import Contact
from ponte.people.models import Consent, Person
from ponte.people.services import ConsentInput, record_consent, register_person

T = TypeVar("T")
CASE_MANAGER = f"case.manager@{EMAIL_DOMAIN}"


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class DemoBuilder:
    """Writes one PUA's demo cases as `actor`, dating each step `days` ago."""

    def __init__(self, access_point: AccessPoint, actor: User) -> None:
        self.access_point, self.actor = access_point, actor
        self.today = timezone.localdate()
        self.case: Case | None = None
        self.hour = 9

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def on(self, days: int, call: Callable[[], T]) -> T:
        """Run a service call, then date the timeline events it wrote `days` ago."""
        case = self.current
        last = CaseEvent.objects.filter(case=case).aggregate(m=Max("id"))["m"] or 0
        result = call()
        self.hour = 9 + (self.hour - 8) % 9  # distinct times for steps on the same day
        CaseEvent.objects.filter(case=case, id__gt=last).update(
            at=_moment(self.ago(days), self.hour)
        )
        return result

    @property
    def current(self) -> Case:
        assert self.case is not None  # noqa: S101 - every step follows an intake  # nosec B101
        self.case.refresh_from_db()
        return self.case

    # ---- opening -----------------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return Person.objects.filter(
            organization=self.access_point.lead_organization, given_name=name, source=DEMO_SOURCE
        ).exists()

    def consent(self, days: int, language: str = "it", **extra: Any) -> ConsentInput:
        return ConsentInput(
            purpose=extra.pop("purpose", Consent.Purpose.TAKING_IN_CHARGE),
            method=extra.pop("method", Consent.Method.ORAL_WITH_INTERPRETER),
            witness=extra.pop("witness", "Mediatore del PUA (demo)"),
            language=language,
            given_on=self.ago(days),
            **extra,
        )

    def intake(
        self,
        days: int,
        person: dict[str, Any],
        *,
        source: str = Source.SELF_REFERRAL,
        phase: str = Phase.ENGAGEMENT,
        manager: User | None = None,
    ) -> Case:
        lead = self.access_point.lead_organization
        data = {"is_alias": True, **person}
        registered = register_person(organization=lead, actor=self.actor, data=data)
        record_consent(registered, actor=self.actor, consent=self.consent(days))
        Person.objects.filter(pk=registered.pk).update(source=DEMO_SOURCE)
        opened = core.open_case(
            person=registered,
            access_point=self.access_point,
            actor=self.actor,
            source=source,
            opened_on=self.ago(days),
            case_manager=manager,
            phase=phase,
        )
        self.case = opened
        self._redate_all(days)
        Case.objects.filter(pk=opened.pk).update(source_label=DEMO_SOURCE)
        return opened

    def from_contact(self, contact: Contact, person: dict[str, Any]) -> Case:
        self.case = core.open_case_from_contact(
            contact, actor=self.actor, consent=self.consent(0), person_data=person
        )
        Person.objects.filter(pk=self.case.person_id).update(source=DEMO_SOURCE)
        Case.objects.filter(pk=self.case.pk).update(source_label=DEMO_SOURCE)
        # Opened this morning, before any step the story dates today (whatever the clock says).
        CaseEvent.objects.filter(case=self.case).update(at=_moment(self.today, 8))
        return self.case

    def _redate_all(self, days: int) -> None:
        CaseEvent.objects.filter(case=self.case).update(at=_moment(self.ago(days), 9))

    # ---- the path ----------------------------------------------------------------------------

    def move(self, days: int, to: str, reason: str = "") -> None:
        self.on(
            days, lambda: core.change_phase(self.current, to=to, actor=self.actor, reason=reason)
        )
        Case.objects.filter(pk=self.current.pk).update(phase_since=_moment(self.ago(days)))

    def path(self, *steps: tuple[int, str]) -> None:
        for days, to in steps:
            self.move(days, to)

    def close(self, days: int, reason: str, outcome: str, note: str = "") -> None:
        self.on(
            days,
            lambda: core.close_case(
                self.current,
                actor=self.actor,
                reason=reason,
                outcome=outcome,
                closed_on=self.ago(days),
                note=note,
            ),
        )
        Case.objects.filter(pk=self.current.pk).update(phase_since=_moment(self.ago(days)))

    # ---- the sections ------------------------------------------------------------------------

    def listening(self, days: int, needs: list[str], rights: list[str], language: str) -> None:
        data = {
            "held_on": self.ago(days),
            "narrative": "Racconto fittizio (demo): lavora senza contratto, paga a giornata.",
            "language": language,
            "mediator_present": language != "it",
        }
        self.on(
            days,
            lambda: assessment.record_first_listening(
                self.current,
                actor=self.actor,
                data=data,
                immediate_needs=needs,
                rights_information=rights,
                expected_version=None,
            ),
        )

    def assess(
        self, days: int, observed: list[tuple[str, str]], decision: tuple[str, str] | None = None
    ) -> None:
        observations = [
            assessment.ObservationInput(fw, code, "account", self.ago(days))
            for fw, code in observed
        ]
        row = self.on(
            days,
            lambda: assessment.record_assessment(
                self.current,
                actor=self.actor,
                assessed_on=self.ago(days),
                observations=observations,
                notes="Valutazione fittizia (demo).",
                expected_version=None,
            ),
        )
        if decision:
            status, decided_by = decision
            justification = "Motivazione fittizia (demo): indicatori forti e racconto coerente."
            self.on(
                days - 1,
                lambda: assessment.record_decision(
                    row,
                    actor=self.actor,
                    status=status,
                    decided_by=decided_by,
                    justification=justification,
                ),
            )

    def safety(self, days: int, risk: str, **flags: Any) -> None:
        data = {"assessed_on": self.ago(days), "risk": risk, **flags}
        self.on(
            days,
            lambda: assessment.record_safety_assessment(
                self.current, actor=self.actor, data=data, expected_version=None
            ),
        )

    def skills(self, days: int, education: str, experiences: list[dict[str, Any]]) -> None:
        language = (self.current.person.languages or "it").split(",")[0]
        languages = [{"language": language, "level": "native"}]
        if language != "it":
            languages.append({"language": "it", "level": "A2"})
        data = {"education": education, "wish": "change", "driving_licence": "B"}
        self.on(
            days,
            lambda: assessment.save_skills_profile(
                self.current,
                actor=self.actor,
                data=data,
                experiences=experiences,
                languages=languages,
                expected_version=None,
            ),
        )

    def agree_plan(self, days: int, goals: list[plan.GoalInput], areas: list[str]) -> None:
        """Draft and agree the plan, with one demo catalog service of the province per area."""
        province = self.access_point.lead_organization.territory
        found = []
        for area in areas:
            service = (
                Service.objects.filter(
                    organization__is_demo=True,
                    organization__territory=province,
                    topics__area=area,
                )
                .order_by("name")
                .first()
            )
            if service is not None:
                found.append(plan.ServiceInput(service=service, when="Entro un mese (demo)"))
        texts = {
            "why_here": "Voglio un lavoro in regola (demo).",
            "fears": "Perdere il posto letto (demo).",
            "work_goal": "Lavorare in magazzino con contratto (demo).",
            "end_goal": "Un contratto e una casa (demo).",
        }
        self.on(
            days,
            lambda: plan.save_plan_draft(
                self.current,
                actor=self.actor,
                texts=texts,
                services=found,
                goals=goals,
                expected_version=None,
            ),
        )
        self.on(
            days,
            lambda: plan.agree_plan(
                self.current, actor=self.actor, agreed_on=self.ago(days), language="it"
            ),
        )

    def activity(self, days: int, kind: str, minutes: int = 60) -> None:
        self.on(
            days,
            lambda: work.record_activity(
                self.current, actor=self.actor, kind=kind, done_on=self.ago(days), minutes=minutes
            ),
        )

    def budget(self, days: int, lines: dict[str, tuple[int, int]]) -> None:
        scores = {"autonomy": 2, "decisions": 3, "territory": 2, "social_network": 1}
        autonomy = self.on(
            days,
            lambda: work.record_autonomy(
                self.current,
                actor=self.actor,
                assessed_on=self.ago(days),
                scores={**scores, "initiative": 4},
            ),
        )
        data = work.SupportInput(
            kind="budget",
            autonomy_assessment=autonomy,
            granted_on=self.ago(days),
            starts_on=self.ago(days),
            ends_on=self.ago(days) + dt.timedelta(days=180),
            lines={
                k: work.Amounts(Decimal(planned), Decimal(spent))
                for k, (planned, spent) in lines.items()
            },
            note="Budget di integrazione fittizio (demo).",
        )
        self.on(days, lambda: work.record_support(self.current, actor=self.actor, data=data))

    def follow_ups(self, first: int, results: list[tuple[str, int | None]]) -> None:
        """Follow-ups at the case's cadence from `first` days ago: (status, overall score) each;
        "planned" ones are left as they are (overdue when their day has passed)."""
        created = self.on(
            first,
            lambda: work.schedule_follow_ups(
                self.current, actor=self.actor, count=len(results), start=self.ago(first)
            ),
        )
        for row, (status, score) in zip(created, results, strict=True):
            if status == "planned":
                continue
            days = (self.today - row.due_on).days
            answers: dict[str, int | None] | None = None
            if score:
                answers = {"trust": min(5, score + 1), "wellbeing_general": score}
                answers |= {"wellbeing_work": score, "wellbeing_safety": min(5, score + 1)}
            self.on(days, self._record(row, status, answers))

    def _record(
        self, row: FollowUp, status: str, answers: dict[str, int | None] | None
    ) -> Callable[[], work.FollowUpResult]:
        def call() -> work.FollowUpResult:
            return work.record_follow_up(
                row,
                actor=self.actor,
                status=status,
                done_on=row.due_on if status == "done" else None,
                channel="in_person" if status == "done" else "",
                answers=answers,
            )

        return call

    def outcome(self, days: int, kind: str, data: dict[str, Any]) -> None:
        self.on(
            days,
            lambda: work_outcomes.record_outcome(
                self.current, actor=self.actor, kind=kind, achieved_on=self.ago(days), data=data
            ),
        )

    def note(self, days: int, body: str) -> None:
        self.on(days, lambda: work_outcomes.add_note(self.current, actor=self.actor, body=body))

    def share_with(self, days: int, recipient: Organization) -> None:
        consent = self.consent(
            days, purpose=Consent.Purpose.SHARING, recipient=recipient, method="written", witness=""
        )
        record_consent(self.current.person, actor=self.actor, consent=consent)


def samir_contact(access_point: AccessPoint) -> Contact | None:
    """The demo outreach contact who asked for a PUA appointment (at the latest meeting)."""
    contacts = Contact.objects.filter(access_point=access_point).order_by("-met_at")
    mine = [c for c in contacts if c.alias == "Samir"]  # the alias is encrypted: compared here
    if not mine or any(c.case_ref for c in mine):
        return None
    return mine[0]
