"""What referrals add to the case file, through `ponte.cases.extensions`.

Cases may not import referrals (layers contract), yet "my work" must list the referrals that
wait for an answer, and the person's rights (export, erasure) must reach what was written in
or about a referral. `register()` plugs the three functions below into cases; it runs from
`ReferralsConfig.ready()`.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from ponte.cases.extensions import (
    register_person_data_provider,
    register_person_eraser,
    register_task_provider,
)
from ponte.cases.queries_tasks import Task
from ponte.cases.services.rights import row
from ponte.common.fields import EncryptedTextField
from ponte.people.models import Person
from ponte.referrals.models import Direction, Referral, ReferralEvent, ReferralMessage, Status

# The sender waits for the receiver's first answer (accept or decline) in these states.
WAITING_FOR_ANSWER = (Status.SENT, Status.RECEIVED)

# ---- my work ------------------------------------------------------------------------------------


def answer_tasks(
    user: Any, case_ids: Any, until: datetime.date, today: datetime.date
) -> list[Task]:
    """Outbound referrals of the user's cases still waiting for an answer due by `until`: one
    query, whatever the number of cases or referrals."""
    rows = (
        Referral.objects.visible_to(user)
        .filter(
            direction=Direction.OUTBOUND,
            case_id__in=case_ids,
            status__in=WAITING_FOR_ANSWER,
            answer_due_on__isnull=False,
            answer_due_on__lte=until,
        )
        .select_related("case__person", "receiver")
        .order_by("answer_due_on", "pk")
    )
    return [
        Task(
            kind="referral",
            label=_("Answer to the referral to %(org)s") % {"org": r.receiver.name},
            due_on=r.answer_due_on,
            case=r.case,
            href=reverse("referrals:detail", args=[r.public_id]),
            today=today,
        )
        for r in rows
        if r.answer_due_on is not None and r.case is not None
    ]


# ---- the person's rights ------------------------------------------------------------------------


def _of_person(person: Person) -> QuerySet[Referral]:
    """Outbound referrals from the person's cases and inbound signals linked to one of them (a
    signal is linked to a case when the PUA takes it in charge)."""
    return Referral.objects.filter(case__person=person)


def person_referrals(person: Person) -> dict[str, Any]:
    """The referrals section of the person's export: each referral with its answer fields,
    its timeline and its messages (text and the attachment's original name, not the file)."""
    referrals = list(
        _of_person(person)
        .select_related("sender", "receiver", "access_point", "service", "case", "created_by")
        .order_by("created_at", "pk")
    )
    ids = [r.pk for r in referrals]
    events: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for event in ReferralEvent.objects.filter(referral_id__in=ids).select_related(
        "actor", "organization"
    ):
        events[event.referral_id].append(row(event))
    messages: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for message in ReferralMessage.objects.filter(referral_id__in=ids).select_related(
        "author", "organization"
    ):
        data = row(message)
        # The stored file has a random name; what the person recognises is the original name.
        data["attachment"] = message.attachment_name if message.attachment else ""
        messages[message.referral_id].append(data)
    return {
        "referrals": [
            row(
                r,
                case=str(r.case.public_id) if r.case else None,
                events=events[r.pk],
                messages=messages[r.pk],
            )
            for r in referrals
        ]
    }


# Free text kept in plain fields (the encrypted ones are found by their type).
_PLAIN_TEXT: dict[type[Any], list[str]] = {ReferralMessage: ["attachment_name"]}


def _blank(model: type[Any]) -> dict[str, str]:
    encrypted = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    return {name: "" for name in encrypted + _PLAIN_TEXT.get(model, [])}


def _delete_files(files: list[Any]) -> None:
    for stored in files:
        stored.storage.delete(stored.name)


def erase_person_referrals(person: Person) -> None:
    """Blank what was written in or about the person's referrals; keep the coded facts (who sent
    what to whom, statuses, dates) so the closed-loop figures stay right. Runs inside
    `anonymise_person`'s transaction, so a failure undoes the whole erasure."""
    referral_ids = _of_person(person).values("pk")
    messages = ReferralMessage.objects.filter(referral_id__in=referral_ids)
    # The files may name the person: deleted, not only unlinked. Only once the erasure is
    # committed: a rolled-back erasure must not leave rows pointing at missing files.
    stored = [m.attachment for m in messages.exclude(attachment="")]
    if stored:
        transaction.on_commit(partial(_delete_files, stored))
    messages.update(attachment="", **_blank(ReferralMessage))
    ReferralEvent.objects.filter(referral_id__in=referral_ids).update(**_blank(ReferralEvent))
    Referral.objects.filter(pk__in=referral_ids).update(**_blank(Referral))


def register() -> None:
    register_task_provider(answer_tasks)
    register_person_data_provider(person_referrals)
    register_person_eraser(erase_person_referrals)
