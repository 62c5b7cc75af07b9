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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ponte.cases.extensions import (
    register_htcds_referral_provider,
    register_person_data_headings,
    register_person_data_provider,
    register_person_eraser,
    register_task_provider,
)
from ponte.cases.queries_tasks import Task
from ponte.cases.services.rights import row
from ponte.catalog.taxonomy import Area
from ponte.common.fields import EncryptedTextField
from ponte.people.models import Person
from ponte.referrals.models import Direction, Referral, ReferralEvent, ReferralMessage, Status
from ponte.referrals.services.consent import withdraw_open_referrals

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
        del data["attachment_name"]  # carried once, under "attachment"
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


def erase_person_referrals(person: Person, actor: Any) -> None:
    """Blank what was written in or about the person's referrals; keep the coded facts (who sent
    what to whom, statuses, dates) so the closed-loop figures stay right. Runs inside
    `anonymise_person`'s transaction, so a failure undoes the whole erasure."""
    # Nothing stays open on an erased person: the receivers stop waiting (and are told), and
    # the loop's figures count these referrals as withdrawn. The reason names nobody; the
    # referral's own copy is blanked below with the rest, the case timeline keeps it.
    withdraw_open_referrals(
        _of_person(person).filter(direction=Direction.OUTBOUND),
        actor=actor,
        reason=str(_("The person's data was erased.")),
        verb="withdrawn_erasure",
    )
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


def _field_labels(*models: type[Any]) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for model in reversed(models):  # the first model naming a field wins
        labels |= {f.name: f.verbose_name for f in model._meta.concrete_fields}
    return labels


def person_referrals_headings() -> dict[str, tuple[Any, dict[str, Any]]]:
    """How the readable export (page and PDF) titles `person_referrals`' sections and names
    their fields. The events go under cases' "Timeline" title with the referral's labels."""
    message_labels = _field_labels(ReferralMessage) | {
        # `person_referrals` puts the original name here, not the stored file.
        "attachment": gettext_lazy("attachment"),
    }
    return {
        "referrals": (gettext_lazy("Referrals"), _field_labels(Referral, ReferralEvent)),
        "messages": (gettext_lazy("Messages"), message_labels),
    }


# ---- the HTCDS export ---------------------------------------------------------------------------

# cas_ReasonForOutgoingReferral (picklist AdditionalServicesRequired, MigrationOrChangeOfLocation,
# Other) by the referral's need. Every referral from a case asks the receiver for a service the
# person needs; none moves the person's case to another place (reception and housing are
# services too), so all are "AdditionalServicesRequired". Every Area is decided here (a test
# checks it), so a new need cannot reach the file unmapped.
OUTGOING_REFERRAL_REASON: dict[str, str] = dict.fromkeys(Area.values, "AdditionalServicesRequired")


def htcds_referral_columns(case_ids: Any) -> dict[int, dict[str, str]]:
    """The HTCDS referral columns of these cases, from the referrals they sent (drafts never
    left the team): one query for the whole export.

    cas_ReferredOrganisation is a lookup to an organisation: the receivers' public ids, in the
    order they were first referred to. The reasons are picklist values; the date is the month of
    the first referral (the export carries no exact dates). No free text: only codes and ids."""
    sent = (
        Referral.objects.filter(
            direction=Direction.OUTBOUND, case_id__in=case_ids, sent_at__isnull=False
        )
        .exclude(status=Status.DRAFT)
        .order_by("sent_at", "pk")
        .values_list("case_id", "receiver__public_id", "need", "sent_at")
    )
    receivers: dict[int, list[str]] = {}
    reasons: dict[int, set[str]] = {}
    first_sent: dict[int, datetime.datetime] = {}
    for case_id, receiver, need, sent_at in sent:
        if sent_at is None:  # filtered out above; for the type checker
            continue
        names = receivers.setdefault(case_id, [])
        if str(receiver) not in names:
            names.append(str(receiver))
        reasons.setdefault(case_id, set()).add(OUTGOING_REFERRAL_REASON.get(need, "Other"))
        first_sent.setdefault(case_id, sent_at)
    return {
        case_id: {
            "cas_ReferredOrganisation": ";".join(names),
            "cas_ReasonForOutgoingReferral": ";".join(sorted(reasons[case_id])),
            "cas_OutgoingReferralDate": f"{timezone.localtime(first_sent[case_id]):%Y-%m}",
        }
        for case_id, names in receivers.items()
    }


def register() -> None:
    register_task_provider(answer_tasks)
    register_person_data_provider(person_referrals)
    register_person_eraser(erase_person_referrals)
    register_person_data_headings(person_referrals_headings)
    register_htcds_referral_provider(htcds_referral_columns)
