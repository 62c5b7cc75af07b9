"""The referral lifecycle as a state machine, driven by hypothesis.

Random sequences of actions (send, every status as a target, the expiry job, the person
withdrawing and giving again their sharing consent) by random actors (the sender's case manager
and specialist, the receiver's operator, an operator of another organisation, outsiders). After
every step:
- a move happened only if it is in TRANSITIONS, made by the side named there, with the
  capability and the reason or outcome it needs; anything else was refused;
- a refused action left the referral as it was (status, timestamps, version, timeline) and
  added no audit row; an accepted one added exactly one timeline line and one audit row;
- withdrawing the consent withdraws the referral if it was open;
- the receiver sees the referral exactly while it is open and the consent is in force; the
  sender always sees it; nobody else ever does;
- an inbound signal beside it is never accepted (nor declined) without its triage, whoever
  tries: it only ever gets received or withdrawn by its sender, and never gets a case.

Each example runs inside a savepoint rolled back at its end, so examples share the personas
(`world`) and nothing else.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.catalog.taxonomy import Area
from ponte.network.factories import MembershipFactory, UserFactory
from ponte.network.roles import Role
from ponte.people.models import Consent
from ponte.people.services import ConsentInput, record_consent, withdraw_consent
from ponte.referrals import services
from ponte.referrals.models import (
    NEEDS_REASON,
    OPEN_STATUSES,
    TRANSITIONS,
    Referral,
    ReferralEvent,
    Status,
)

ACTORS = ("sender_manager", "sender_specialist", "receiver", "other_receiver", "outsider", "nobody")
TARGETS = ("send", "expire", *Status.values)
REACHED: set[str] = set()
_ACCEPT = ("send", Status.ACCEPTED)
START_PATHS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (),
    Status.SENT: ("send",),
    Status.RECEIVED: ("send", Status.RECEIVED),
    Status.ACCEPTED: _ACCEPT,
    Status.IN_PROGRESS: (*_ACCEPT, Status.IN_PROGRESS),
    Status.DECLINED: ("send", Status.DECLINED),
    Status.COMPLETED: (*_ACCEPT, Status.COMPLETED),
    Status.NOT_COMPLETED: (*_ACCEPT, Status.IN_PROGRESS, Status.NOT_COMPLETED),
    Status.WITHDRAWN: ("send", Status.WITHDRAWN),
    Status.EXPIRED: ("send", "expire"),
}  # statuses the run walked through, checked at the end


def _snapshot(pk: int) -> tuple[Any, ...]:
    """Everything a move changes; the audit rows about the referral last, the timeline before."""
    r = Referral.objects.get(pk=pk)
    return (
        r.status,
        r.sent_at,
        r.received_at,
        r.answered_at,
        r.closed_at,
        r.version,
        r.reason,
        r.outcome,
        ReferralEvent.objects.filter(referral_id=pk).count(),
        AuditEvent.objects.filter(target_id=str(r.public_id)).count(),
    )


SIGNAL_TARGETS = (Status.RECEIVED, Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN)


def _signal_expected(status: str, target: str, actor: str, explained: bool) -> str | None:
    """A signal from the partner to the own PUA, moved through `transition`: acknowledged by the
    PUA's case manager, withdrawn by the partner; accepting or declining it is the triage's."""
    if target == Status.RECEIVED:
        return target if status == Status.SENT and actor == "sender_manager" else None
    if target == Status.WITHDRAWN:
        ok = status in (Status.SENT, Status.RECEIVED) and actor == "receiver" and explained
        return target if ok else None
    return None


def _expected(status: str, target: str, actor: str, consent: bool, explained: bool) -> str | None:
    """The status the action must lead to, or None when it must be refused."""
    if target == "expire":
        return Status.EXPIRED if status in (Status.SENT, Status.RECEIVED) else None
    if target in ("send", Status.SENT):
        ok = status == Status.DRAFT and actor == "sender_manager" and consent
        return Status.SENT if ok else None
    side = TRANSITIONS.get(status, {}).get(target)
    if side == "sender" and actor != "sender_manager":
        return None
    if side == "receiver" and not (actor == "receiver" and consent):
        return None
    if side not in ("sender", "receiver"):
        return None
    if (target in NEEDS_REASON or target == Status.COMPLETED) and not explained:
        return None
    return target


def build_machine(world: Any) -> type[RuleBasedStateMachine]:
    other_receiver = MembershipFactory(
        organization=world.foreign, role=Role.PARTNER_OPERATOR, user=UserFactory()
    ).user
    users = {
        "sender_manager": world.users["case_manager"],
        "sender_specialist": world.users["specialist"],
        "receiver": world.users["partner_operator@partner"],
        "other_receiver": other_receiver,
        "outsider": world.users["coordinator@foreign"],
        "nobody": world.users["no_membership"],
    }
    manager = users["sender_manager"]

    class ReferralMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.savepoint = transaction.savepoint()
            case = CaseFactory(access_point=world.own_access_point, case_manager=manager)
            self.person = case.person
            self.consent = True
            self._give_consent()
            referral = services.create_referral(
                case,
                actor=manager,
                receiver=world.partner,
                need=Area.WORK_GUIDANCE,
                sections=["profile"],
                answer_due_on=timezone.localdate(),
            )
            self.pk = referral.pk
            self.status: str = Status.DRAFT
            self.days = 0
            # Due far beyond the run, so the daily job (days += 3 per call) never touches it.
            signal = services.send_signal(
                actor=users["receiver"],
                sender=world.partner,
                access_point=world.own_access_point,
                sender_kind="employment_centre",
                need=Area.WORK_GUIDANCE,
                answer_due_on=timezone.localdate() + datetime.timedelta(days=365),
            )
            self.signal_pk = signal.pk
            self.signal_status: str = Status.SENT

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def _give_consent(self) -> None:
            record_consent(
                self.person,
                actor=manager,
                consent=ConsentInput(
                    purpose=Consent.Purpose.SHARING,
                    method=Consent.Method.WRITTEN,
                    language="it",
                    given_on=timezone.localdate(),
                    recipient=world.partner,
                ),
            )

        @rule(
            actor=st.sampled_from(ACTORS),
            move=st.sampled_from(TARGETS),
            explained=st.booleans(),
        )
        def act(self, actor: str, move: str, explained: bool) -> None:
            if move in SIGNAL_TARGETS:
                self.move_signal(actor, move, explained)
            target = move
            before = _snapshot(self.pk)
            expected = _expected(self.status, target, actor, self.consent, explained)
            referral = Referral.objects.get(pk=self.pk)
            text = "Motivo fittizio" if explained else " "
            try:
                if target == "expire":
                    # The job runs days after the due date; it is nobody's action.
                    self.days += 3
                    now = timezone.now() + datetime.timedelta(days=self.days)
                    services.expire_and_remind(now=now)
                elif target == "send":
                    services.send(referral, actor=users[actor])
                else:
                    services.transition(
                        referral, to=target, actor=users[actor], reason=text, outcome=text
                    )
            except (ValidationError, PermissionDenied):
                assert expected is None, (self.status, target, actor, self.consent, explained)
                assert _snapshot(self.pk) == before  # audit rows included
                return
            after = _snapshot(self.pk)
            if target == "expire" and expected is None:
                assert after == before  # the job had nothing to do with this referral
                return
            assert expected is not None, (self.status, target, actor, self.consent, explained)
            assert after[0] == expected
            assert after[5] == before[5] + 1  # version
            assert after[-2] == before[-2] + 1  # one timeline event
            assert after[-1] == before[-1] + 1  # one audit row
            event = ReferralEvent.objects.filter(referral_id=self.pk).last()
            assert event is not None
            assert (event.from_status, event.to_status) == (self.status, expected)
            assert event.actor == (None if target == "expire" else users[actor])
            self.status = expected
            REACHED.add(expected)

        @initialize(start=st.sampled_from(list(START_PATHS)))
        def start_somewhere(self, start: str) -> None:
            """Each example begins at a random point of the lifecycle, reached by legal moves
            (themselves checked like any step), then wanders at random from there."""
            for move in START_PATHS[start]:
                actor = "sender_manager" if move in ("send", Status.WITHDRAWN) else "receiver"
                self.act(actor=actor, move=move, explained=True)
            assert self.status == start

        @rule(pick=st.integers(min_value=0, max_value=99))
        def legal_move(self, pick: int) -> None:
            """A move of the table by the side it names, with its reason: random actions alone
            seldom walk far down the lifecycle. It is still refused while the consent is off."""
            moves = [
                (to, "sender_manager" if side == "sender" else "receiver")
                for to, side in TRANSITIONS.get(self.status, {}).items()
                if side != "system"
            ]
            if not moves:
                return
            to, actor = moves[pick % len(moves)]
            self.act(actor=actor, move="send" if to == Status.SENT else to, explained=True)

        @rule()
        def withdraw_consent(self) -> None:
            """The person's choice ends the referral if it is open: one more move, by the
            sender's side, with its line and its audit row."""
            if not self.consent:
                return
            consent = Consent.objects.active().get(
                person=self.person, purpose=Consent.Purpose.SHARING, recipient=world.partner
            )
            before = _snapshot(self.pk)
            withdraw_consent(consent, actor=manager)
            self.consent = False
            after = _snapshot(self.pk)
            if self.status not in OPEN_STATUSES:
                assert after == before
                return
            assert after[0] == Status.WITHDRAWN
            grown = (after[5] - before[5], after[-2] - before[-2], after[-1] - before[-1])
            assert grown == (1, 1, 1)  # version, timeline line, audit row
            event = ReferralEvent.objects.filter(referral_id=self.pk).last()
            assert event is not None
            assert (event.from_status, event.to_status, event.actor) == (
                self.status,
                Status.WITHDRAWN,
                manager,
            )
            self.status = Status.WITHDRAWN
            REACHED.add(Status.WITHDRAWN)

        def move_signal(self, actor: str, to: str, explained: bool) -> None:
            """The same actor tries the same move on the signal, outside its triage: only an
            acknowledgement by the PUA or a withdrawal by its sender may happen."""
            before = _snapshot(self.signal_pk)
            expected = _signal_expected(self.signal_status, to, actor, explained)
            signal = Referral.objects.get(pk=self.signal_pk)
            text = "Motivo fittizio" if explained else " "
            try:
                services.transition(signal, to=to, actor=users[actor], reason=text)
            except (ValidationError, PermissionDenied):
                assert expected is None, (self.signal_status, to, actor, explained)
                assert _snapshot(self.signal_pk) == before
                return
            assert expected is not None, (self.signal_status, to, actor, explained)
            after = _snapshot(self.signal_pk)
            assert after[0] == expected
            assert (after[-2], after[-1]) == (before[-2] + 1, before[-1] + 1)
            self.signal_status = expected

        @rule()
        def give_consent_again(self) -> None:
            if self.consent:
                with pytest.raises(ValidationError):
                    self._give_consent()  # one active consent per recipient
                return
            self._give_consent()
            self.consent = True

        @invariant()
        def status_matches_the_model(self) -> None:
            referral = Referral.objects.get(pk=self.pk)
            assert referral.status == self.status
            # The timeline only ever holds moves of the table.
            for from_status, to_status in ReferralEvent.objects.filter(
                referral_id=self.pk
            ).values_list("from_status", "to_status"):
                assert (from_status == "" and to_status == Status.DRAFT) or (
                    to_status in TRANSITIONS[from_status]
                )

        @invariant()
        def signal_is_never_answered_without_triage(self) -> None:
            signal = Referral.objects.get(pk=self.signal_pk)
            assert signal.status == self.signal_status
            assert signal.status not in (Status.ACCEPTED, Status.DECLINED)
            assert signal.case_id is None and signal.answered_at is None

        @invariant()
        def access_matches_consent_and_state(self) -> None:
            def sees(name: str) -> bool:
                return Referral.objects.visible_to(users[name]).filter(pk=self.pk).exists()

            assert sees("receiver") == (self.status in OPEN_STATUSES and self.consent)
            assert sees("sender_manager")
            assert sees("sender_specialist")
            for name in ("other_receiver", "outsider", "nobody"):
                assert not sees(name), name

    return ReferralMachine


def test_referral_lifecycle_state_machine(world):
    machine = build_machine(world)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=14,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The run did explore: every status was reached at least once.
    assert set(Status.values) - {Status.DRAFT} <= REACHED, REACHED
