"""Demo referrals (fictitious) around the Milano demo PUA, added by `load_demo` through the
network's plug-in point, after the demo cases (INSTALLED_APPS order).

Every step goes through the referral services, as the operators would take it, and is then
dated in the past (the services stamp "now"). The stories:
- Imran → the demo Centro per l'Impiego (the one demo person with a sharing consent to it):
  a registration completed with an outcome, a traineeship declined with a reason, a job
  placement accepted and in progress with messages, a course sent with the answer due in two
  days (the partner demo account sees the two open ones in its inbox);
- Olena → a patronato that does not use Ponte: the answer recorded by the PUA;
- a signal from the CPI to the PUA waiting for triage ("Tariq"), and one already taken into a
  new case ("Nadia").

Each referral carries a demo source label with its story's key: a story already loaded is
skipped, so loading twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from ponte.accounts.models import User
from ponte.cases.demo.builder import CASE_MANAGER
from ponte.cases.models import Case, CaseEvent, Source
from ponte.cases.services.core import Intake
from ponte.catalog.models import Service
from ponte.catalog.taxonomy import Area
from ponte.network.demo import DEMO_SOURCE, EMAIL_DOMAIN, network_data
from ponte.network.models import AccessPoint, Organization
from ponte.people.models import Consent, Person
from ponte.people.services import ConsentInput, record_consent
from ponte.referrals import services
from ponte.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralMessage,
    Section,
    SenderKind,
    Status,
    Urgency,
)

PARTNER_OPERATOR = f"partner.cpi@{EMAIL_DOMAIN}"
OUTSIDE_PONTE = "Patronato Lavoro e Diritti (demo)"
_TIMESTAMPS = ("created_at", "sent_at", "received_at", "answered_at", "closed_at")


def source_of(key: str) -> str:
    return f"{DEMO_SOURCE} · {key}"


class _Stories:
    def __init__(self, access_point: AccessPoint, manager: User, cpi: Organization) -> None:
        self.access_point, self.manager, self.cpi = access_point, manager, cpi
        self.partner = User.objects.filter(email=PARTNER_OPERATOR).first()
        self.today = timezone.localdate()
        self.hour = 9

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def moment(self, days: int) -> dt.datetime:
        self.hour = 9 + (self.hour - 8) % 9  # distinct times for steps on the same day
        return timezone.make_aware(dt.datetime.combine(self.ago(days), dt.time(self.hour, 0)))

    def loaded(self, key: str) -> bool:
        return Referral.objects.filter(source=source_of(key)).exists()

    def case_of(self, name: str) -> Case | None:
        person = Person.objects.filter(
            organization=self.access_point.lead_organization, given_name=name, source=DEMO_SOURCE
        ).first()
        if person is None:
            return None
        return Case.objects.filter(person=person, access_point=self.access_point).first()

    def step(self, days: int, call: Callable[[], Any]) -> Any:
        """Run a service call, then date what it wrote `days` ago: the referral's timestamps
        set by this call, its timeline events and its messages."""
        started = timezone.now()
        last = ReferralEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        result = call()
        at = self.moment(days)
        ReferralEvent.objects.filter(id__gt=last).update(at=at)
        ReferralMessage.objects.filter(created_at__gte=started).update(created_at=at)
        for referral in Referral.objects.filter(updated_at__gte=started):
            fields = {
                name: at
                for name in _TIMESTAMPS
                if getattr(referral, name) is not None and getattr(referral, name) >= started
            }
            Referral.objects.filter(pk=referral.pk).update(updated_at=at, **fields)
        return result

    def share(self, case: Case, days: int, recipient: Organization) -> None:
        """The person's sharing consent to `recipient`, unless already in force."""
        if (
            Consent.objects.active()
            .filter(person=case.person, purpose=Consent.Purpose.SHARING, recipient=recipient)
            .exists()
        ):
            return
        consent = ConsentInput(
            purpose=Consent.Purpose.SHARING,
            method=Consent.Method.WRITTEN,
            witness="",
            language="it",
            given_on=self.ago(days),
            recipient=recipient,
        )
        record_consent(case.person, actor=self.manager, consent=consent)

    def refer(
        self,
        key: str,
        name: str,
        days: int,
        *,
        receiver: Organization,
        need: str,
        sections: list[str],
        message: str,
        due_in: int,
        outside_ponte: bool = False,
        urgency: str = Urgency.ROUTINE,
    ) -> Referral | None:
        """Create and send a referral `days` ago, the answer due `due_in` days after."""
        case = self.case_of(name)
        if case is None or self.loaded(key):
            return None
        self.share(case, days + 1, receiver)
        service = (
            Service.objects.filter(organization=receiver, topics__area=need)
            .order_by("name")
            .first()
        )
        referral: Referral = self.step(
            days,
            lambda: services.create_referral(
                case,
                actor=self.manager,
                receiver=receiver,
                need=need,
                sections=sections,
                service=service,
                urgency=urgency,
                message=message,
                outside_ponte=outside_ponte,
            ),
        )
        Referral.objects.filter(pk=referral.pk).update(source=source_of(key))
        self.step(days, lambda: services.send(referral, actor=self.manager))
        # Set after sending: the service refuses a due date already past on the day it runs.
        Referral.objects.filter(pk=referral.pk).update(answer_due_on=self.ago(days - due_in))
        return referral

    def move(
        self,
        referral: Referral,
        days: int,
        to: str,
        actor: User,
        reason: str = "",
        outcome: str = "",
    ) -> None:
        referral.refresh_from_db()
        self.step(
            days,
            lambda: services.transition(
                referral, to=to, actor=actor, reason=reason, outcome=outcome
            ),
        )

    def say(self, referral: Referral, days: int, actor: User, body: str) -> None:
        referral.refresh_from_db()
        self.step(days, lambda: services.post_message(referral, actor=actor, body=body))


def _to_the_cpi(s: _Stories, partner: User) -> None:
    """Imran's referrals to the CPI over his plan: he is the one demo person who agreed to share
    his data with the CPI, so the partner demo account sees one person, as the cases demo says."""
    cpi, imran = s.cpi, "Imran (demo)"
    if r := s.refer(
        "imran-cpi-did",
        imran,
        39,
        receiver=cpi,
        need=Area.JOB_PLACEMENT,
        sections=[Section.PROFILE],
        message="Iscrizione come disoccupato e patto di servizio (demo).",
        due_in=7,
    ):
        s.move(r, 38, Status.ACCEPTED, partner)
        outcome = "DID resa e patto di servizio firmato; profilato per il percorso GOL (demo)."
        s.move(r, 36, Status.COMPLETED, partner, outcome=outcome)
    if r := s.refer(
        "imran-cpi-tirocinio",
        imran,
        37,
        receiver=cpi,
        need=Area.TRAINING,
        sections=[Section.PROFILE, Section.SKILLS],
        message="Chiede un tirocinio in logistica (demo).",
        due_in=10,
    ):
        reason = "I tirocini in logistica di questo bando sono esauriti; riproporre a marzo."
        s.move(r, 33, Status.DECLINED, partner, reason=f"{reason} (demo)")
    if r := s.refer(
        "imran-cpi",
        imran,
        35,
        receiver=cpi,
        need=Area.JOB_PLACEMENT,
        sections=[Section.PROFILE, Section.SKILLS, Section.PLAN],
        message="Cerca lavoro in magazzino; parla urdu, un po' di italiano (demo).",
        due_in=7,
    ):
        s.move(r, 34, Status.RECEIVED, partner)
        s.say(r, 33, partner, "Possiamo fissare il colloquio martedì alle 10? (demo)")
        s.say(r, 33, s.manager, "Sì, lo accompagna il mediatore del PUA (demo).")
        s.move(r, 31, Status.ACCEPTED, partner)
        s.move(r, 24, Status.IN_PROGRESS, partner)
        s.say(r, 10, partner, "Primi due colloqui con agenzie del settore fatti (demo).")
    s.refer(
        "imran-cpi-corso",
        imran,
        5,
        receiver=cpi,
        need=Area.TRAINING,
        sections=[Section.PROFILE, Section.SKILLS],
        message="Corso per carrellista (patentino del muletto), richiesto dai magazzini (demo).",
        due_in=7,
        urgency=Urgency.SOON,
    )


def _outside_ponte(s: _Stories) -> None:
    patronato = Organization.objects.filter(name=OUTSIDE_PONTE, is_demo=True).first()
    if patronato is None:
        return
    if r := s.refer(
        "olena-patronato",
        "Olena (demo)",
        9,
        receiver=patronato,
        need=Area.LEGAL,
        sections=[Section.PROFILE],
        message="Rinnovo del permesso di soggiorno; consegnato il riepilogo stampato (demo).",
        due_in=7,
        outside_ponte=True,
    ):
        r.refresh_from_db()
        s.step(
            6,
            lambda: services.record_external_answer(r, actor=s.manager, to=Status.ACCEPTED),
        )


def _signals(s: _Stories, partner: User) -> None:
    def signal(key: str, days: int, alias: str, need: str, evaluation: str) -> Referral | None:
        if s.loaded(key):
            return None
        referral: Referral = s.step(
            days,
            lambda: services.send_signal(
                actor=partner,
                sender=s.cpi,
                access_point=s.access_point,
                sender_kind=SenderKind.EMPLOYMENT_CENTRE,
                need=need,
                urgency=Urgency.SOON,
                person_alias=alias,
                person_contact="Solo messaggi, dopo le 18 (demo)",
                first_evaluation=evaluation,
                language="en",
                message="Incontrato allo sportello del CPI (demo).",
            ),
        )
        Referral.objects.filter(pk=referral.pk).update(
            source=source_of(key), answer_due_on=s.ago(days - 7)
        )
        return referral

    signal(
        "tariq-signal",
        1,
        "Tariq (demo)",
        Area.LABOUR_DISPUTES,
        "Lavora nei campi a giornata, paga in contanti, documenti trattenuti (demo).",
    )
    if r := signal(
        "nadia-signal",
        20,
        "Nadia (demo)",
        Area.JOB_PLACEMENT,
        "Pulizie senza contratto, 12 ore al giorno (demo).",
    ):
        intake = Intake(
            access_point=s.access_point,
            person_data={"given_name": "Nadia (demo)", "is_alias": True, "languages": "en"},
            consent=ConsentInput(
                purpose=Consent.Purpose.TAKING_IN_CHARGE,
                method=Consent.Method.ORAL_WITH_INTERPRETER,
                witness="Mediatore del PUA (demo)",
                language="en",
                given_on=s.ago(18),
            ),
            source=Source.INBOUND_SIGNAL,
            opened_on=s.ago(18),
            case_manager=s.manager,
        )
        s.step(
            18,
            lambda: services.triage_signal(r, actor=s.manager, decision="new_case", intake=intake),
        )
        r.refresh_from_db()
        if r.case_id is not None:  # marked as the other demo people and cases are
            case = Case.objects.get(pk=r.case_id)
            Person.objects.filter(pk=case.person_id).update(source=DEMO_SOURCE)
            Case.objects.filter(pk=case.pk).update(source_label=DEMO_SOURCE)
            # The case's timeline starts on the day it was opened, like the other demo cases.
            CaseEvent.objects.filter(case=case).update(at=s.moment(18))


def extend_demo() -> dict[str, int]:
    manager = User.objects.filter(email=CASE_MANAGER).first()
    cpi = Organization.objects.filter(name=network_data()["partner_cpi"], is_demo=True).first()
    partner = User.objects.filter(email=PARTNER_OPERATOR).first()
    if manager is None or cpi is None or partner is None:
        return {}
    access_point = AccessPoint.objects.filter(
        lead_organization__memberships__user=manager, is_demo=True
    ).first()
    if access_point is None:
        return {}
    stories = _Stories(access_point, manager, cpi)
    _to_the_cpi(stories, partner)
    _outside_ponte(stories)
    _signals(stories, partner)
    return {"demo_referrals": Referral.objects.filter(source__startswith=DEMO_SOURCE).count()}
