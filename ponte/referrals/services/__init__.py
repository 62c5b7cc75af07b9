"""Referral services: `from ponte.referrals.services import send_signal, transition, ...`."""

from ponte.referrals.services.lifecycle import (
    create_referral,
    expire_and_remind,
    record_external_answer,
    send,
    transition,
)
from ponte.referrals.services.messages import MAX_ATTACHMENT_BYTES, post_message
from ponte.referrals.services.signals import TRIAGE_DECISIONS, send_signal, triage_signal

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "TRIAGE_DECISIONS",
    "create_referral",
    "expire_and_remind",
    "post_message",
    "record_external_answer",
    "send",
    "send_signal",
    "transition",
    "triage_signal",
]
