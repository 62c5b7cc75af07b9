"""What referrals add to the case file: "my work" and the home page's overdue count, the person's
export and the person's erasure (through ponte.cases.extensions)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import verified_client
from ponte.audit.models import AuditEvent
from ponte.cases import queries_tasks
from ponte.cases.factories import CaseFactory
from ponte.cases.models import Case, Phase
from ponte.cases.services.rights import anonymise_person, collect_person_data
from ponte.catalog.taxonomy import Area
from ponte.common.fields import EncryptedTextField
from ponte.people.factories import ConsentFactory
from ponte.people.models import Consent
from ponte.referrals import services
from ponte.referrals.case_file import person_referrals
from ponte.referrals.factories import InboundSignalFactory
from ponte.referrals.models import Notification, Referral, ReferralEvent, ReferralMessage, Status

pytestmark = pytest.mark.usefixtures("english")

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n%fittizio\n"
SECRET = "Quintiliano"  # a fictitious name written everywhere a referral holds free text


def _case(world: Any, manager: Any) -> Case:
    case = CaseFactory(access_point=world.own_access_point, case_manager=manager)
    ConsentFactory(person=case.person, purpose=Consent.Purpose.SHARING, recipient=world.partner)
    return case


def _sent(world: Any, case: Case, *, due_on: datetime.date | None) -> Referral:
    draft = services.create_referral(
        case,
        actor=world.users["case_manager"],
        receiver=world.partner,
        need=Area.INTERNSHIPS,
        sections=["profile"],
        message="Messaggio fittizio",
    )
    referral = services.send(draft, actor=world.users["case_manager"])
    # Due dates in the past cannot be chosen: move them as time would have.
    Referral.objects.filter(pk=referral.pk).update(answer_due_on=due_on)
    referral.answer_due_on = due_on
    return referral


# ---- my work ------------------------------------------------------------------------------------


def test_referrals_waiting_for_an_answer_are_tasks(world: Any) -> None:
    manager = world.users["case_manager"]
    case = _case(world, manager)
    late = _sent(world, case, due_on=TODAY - 2 * DAY)
    received = _sent(world, case, due_on=TODAY + 3 * DAY)
    Referral.objects.filter(pk=received.pk).update(status=Status.RECEIVED)
    answered = _sent(world, case, due_on=TODAY - DAY)
    Referral.objects.filter(pk=answered.pk).update(status=Status.ACCEPTED)
    _sent(world, case, due_on=None)  # no date: nothing to remind
    _sent(world, case, due_on=TODAY + 90 * DAY)  # beyond the horizon
    # An inbound signal linked to the case is the PUA's to answer, not a wait.
    InboundSignalFactory(access_point=world.own_access_point, case=case, answer_due_on=TODAY - DAY)
    # Someone else's case: not the manager's work.
    _sent(world, _case(world, world.users["coordinator"]), due_on=TODAY - DAY)

    tasks = [t for t in queries_tasks.tasks_for(manager) if t.kind == "referral"]
    assert [(t.due_on, t.bucket) for t in tasks] == [
        (TODAY - 2 * DAY, queries_tasks.OVERDUE),
        (TODAY + 3 * DAY, queries_tasks.SOON),
    ]
    assert tasks[0].href == reverse("referrals:detail", args=[late.public_id])
    assert world.partner.name in tasks[0].label
    assert queries_tasks.overdue_count(manager) == 1
    # Answered: it is no longer waiting, neither in the list nor in the count.
    Referral.objects.filter(pk=late.pk).update(status=Status.DECLINED)
    assert queries_tasks.overdue_count(manager) == 0


def test_my_work_page_shows_the_referral(world: Any) -> None:
    manager = world.users["case_manager"]
    referral = _sent(world, _case(world, manager), due_on=TODAY - 4 * DAY)
    page = verified_client(manager).get(reverse("cases:my_work")).content.decode()
    assert reverse("referrals:detail", args=[referral.public_id]) in page
    assert "4 days late" in page


def test_overdue_count_and_my_work_queries_do_not_grow_with_referrals(world: Any) -> None:
    manager = world.users["case_manager"]
    client = verified_client(manager)
    counts, page_counts = [], []
    for n in (2, 8):
        while Referral.objects.count() < n:
            _sent(world, _case(world, manager), due_on=TODAY - DAY)
        with CaptureQueriesContext(connection) as ctx:
            assert queries_tasks.overdue_count(manager) == n
        counts.append(len(ctx.captured_queries))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("cases:my_work"))
        assert response.content.decode().count("list-group-item") == n
        page_counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert page_counts[0] == page_counts[1], page_counts


# ---- export and erasure -------------------------------------------------------------------------


def _person_with_referrals(world: Any) -> tuple[Case, list[Referral]]:
    manager = world.users["case_manager"]
    case = _case(world, manager)
    outbound = _sent(world, case, due_on=TODAY + DAY)
    Referral.objects.filter(pk=outbound.pk).update(
        message=f"Per {SECRET}",
        person_alias=SECRET,
        person_contact=f"{SECRET} 333 000 0000",
        first_evaluation=f"{SECRET} è in pericolo",
    )
    services.post_message(
        outbound,
        actor=world.users["partner_operator@partner"],
        body=f"Abbiamo incontrato {SECRET}",
        attachment=SimpleUploadedFile(f"{SECRET}.pdf", PDF, content_type="application/pdf"),
    )
    services.post_message(outbound, actor=manager, body=f"Grazie per {SECRET}")
    declined = services.transition(
        Referral.objects.get(pk=outbound.pk),
        to=Status.DECLINED,
        actor=world.users["partner_operator@partner"],
        reason=f"{SECRET} non rientra nei requisiti",
    )
    signal = InboundSignalFactory(
        access_point=world.own_access_point,
        case=case,
        person_alias=SECRET,
        person_contact=f"Chiamare {SECRET}",
        first_evaluation=f"{SECRET} lavora senza contratto",
        message=f"Segnalazione su {SECRET}",
        outcome=f"Presa in carico di {SECRET}",
    )
    ReferralEvent.objects.create(
        referral=signal, at=timezone.now(), to_status=Status.ACCEPTED, reason=f"Per {SECRET}"
    )
    return case, [declined, signal]


def test_export_holds_the_referrals_with_events_messages_and_answers(world: Any) -> None:
    case, (outbound, signal) = _person_with_referrals(world)
    # Someone else's referral stays out of this person's export.
    _sent(world, _case(world, world.users["case_manager"]), due_on=None)
    data = json.loads(json.dumps(collect_person_data(case.person)))
    by_id = {r["public_id"]: r for r in data["referrals"]}
    assert set(by_id) == {str(outbound.public_id), str(signal.public_id)}
    sent = by_id[str(outbound.public_id)]
    assert sent["status"]["code"] == Status.DECLINED
    assert sent["reason"] == f"{SECRET} non rientra nei requisiti"
    assert sent["receiver"]["label"] == world.partner.name
    assert sent["case"] == str(case.public_id)
    assert [e["to_status"]["code"] for e in sent["events"]] == ["draft", "sent", "declined"]
    assert [m["body"] for m in sent["messages"]] == [
        f"Abbiamo incontrato {SECRET}",
        f"Grazie per {SECRET}",
    ]
    assert sent["messages"][0]["attachment"] == f"{SECRET}.pdf"
    assert sent["messages"][1]["attachment"] == ""
    inbound = by_id[str(signal.public_id)]
    assert inbound["person_alias"] == SECRET and inbound["outcome"].startswith("Presa")


def _free_text(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField | models.TextField | models.FileField)
        or (isinstance(f, models.CharField) and not f.choices and f.name not in _CODED)
    ]


# Plain CharFields that hold codes or staff labels, never text about the person.
_CODED = {"shared_sections", "language", "source", "actor_label"}


def test_erasure_blanks_every_free_text_of_the_referrals(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case, referrals = _person_with_referrals(world)
    other = _sent(world, _case(world, world.users["case_manager"]), due_on=None)
    stored = ReferralMessage.objects.exclude(attachment="").get().attachment.name
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        anonymise_person(case.person, actor=world.users["coordinator"], reason="request")

    rows: list[models.Model] = [
        *Referral.objects.filter(pk__in=[r.pk for r in referrals]),
        *ReferralEvent.objects.filter(referral__in=referrals),
        *ReferralMessage.objects.filter(referral__in=referrals),
    ]
    assert len(rows) == 2 + 4 + 2
    for obj in rows:
        for name in _free_text(type(obj)):
            assert not getattr(obj, name), (type(obj).__name__, name)
    assert not default_storage.exists(stored)
    # The coded facts stay for the closed-loop figures.
    assert Referral.objects.get(pk=referrals[0].pk).status == Status.DECLINED
    assert ReferralEvent.objects.filter(referral=referrals[0]).count() == 3
    # Nothing of it is left in the export, nor anywhere in the stored rows.
    assert SECRET not in json.dumps(collect_person_data(case.person))
    with connection.cursor() as cursor:
        for table in ("referrals_referral", "referrals_referralmessage"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert SECRET not in repr(cursor.fetchall())
    # Another person's referral is untouched.
    assert Referral.objects.get(pk=other.pk).message == "Messaggio fittizio"


def test_erasure_of_a_person_without_referrals_touches_no_referral(world: Any) -> None:
    other = _sent(world, _case(world, world.users["case_manager"]), due_on=None)
    case = CaseFactory(access_point=world.own_access_point, phase=Phase.ENGAGEMENT)
    anonymise_person(case.person, actor=world.users["coordinator"], reason="request")
    assert Referral.objects.get(pk=other.pk).message == "Messaggio fittizio"
    assert collect_person_data(case.person)["referrals"] == []


def test_erasure_withdraws_the_open_referrals_and_tells_the_receiver(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = _case(world, world.users["case_manager"])
    waiting = _sent(world, case, due_on=TODAY + DAY)
    other = _sent(world, _case(world, world.users["case_manager"]), due_on=TODAY + DAY)
    receiver = world.users["partner_operator@partner"]
    assert Referral.objects.visible_to(receiver).filter(pk=waiting.pk).exists()

    coordinator = world.users["coordinator"]
    with django_capture_on_commit_callbacks(execute=True):
        anonymise_person(case.person, actor=coordinator, reason="request")

    closed = Referral.objects.get(pk=waiting.pk)
    # Who erased is who withdrew, in the audit trail; they are not notified of their own act.
    audit_row = AuditEvent.objects.get(action="referrals.withdrawn_erasure")
    assert audit_row.actor_id == coordinator.pk
    assert not Notification.objects.filter(user=coordinator, referral=closed).exists()
    assert closed.status == Status.WITHDRAWN and not closed.reason
    last = ReferralEvent.objects.filter(referral=closed).order_by("at", "pk").last()
    assert last is not None and last.to_status == Status.WITHDRAWN
    assert Notification.objects.filter(
        user=receiver, referral=closed, kind=Notification.Kind.WITHDRAWN
    ).exists()
    assert not Referral.objects.visible_to(receiver).filter(pk=waiting.pk).exists()
    # Another person's referral keeps waiting for its answer.
    assert Referral.objects.get(pk=other.pk).status == Status.SENT


def test_export_queries_do_not_grow_with_referrals_events_and_messages(world: Any) -> None:
    manager = world.users["case_manager"]
    case = _case(world, manager)

    def add_referral() -> None:
        referral = _sent(world, case, due_on=TODAY + DAY)
        services.post_message(referral, actor=manager, body="Messaggio fittizio")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            person_referrals(case.person)
        return len(queries)

    add_referral()
    one = count()
    for _ in range(3):
        add_referral()
    assert count() == one
    assert len(person_referrals(case.person)["referrals"]) == 4
