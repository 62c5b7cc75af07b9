"""Daily: remind receivers of answers due soon, expire unanswered referrals past due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ponte.referrals.services import expire_and_remind


class Command(BaseCommand):
    help = "Send due-soon reminders and expire referrals not answered by their due date."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded, expired = expire_and_remind()
        self.stdout.write(f"reminded={reminded} expired={expired}")
