"""Referral services: `from ponte.referrals.services import send_signal, transition, ...`."""

from ponte.referrals.services.lifecycle import (
    create_referral,
    record_external_answer,
    record_opened,
    send,
    transition,
)
from ponte.referrals.services.messages import MAX_ATTACHMENT_BYTES, post_message
from ponte.referrals.services.reminders import expire_and_remind
from ponte.referrals.services.signals import (
    TRIAGE_DECISIONS,
    redirect_targets,
    send_signal,
    triage_signal,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "TRIAGE_DECISIONS",
    "create_referral",
    "expire_and_remind",
    "post_message",
    "record_external_answer",
    "record_opened",
    "redirect_targets",
    "send",
    "send_signal",
    "transition",
    "triage_signal",
]
