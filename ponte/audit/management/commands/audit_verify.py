from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ponte.audit.chain import first_break
from ponte.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the HMAC chain of the audit trail; exit 1 naming the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
        broken = first_break(events)
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at row id={broken.pk} seq={broken.seq}: {broken.reason}"
            )
        total = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {total} rows verified."))
