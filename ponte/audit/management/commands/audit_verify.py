from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ponte.audit.chain import first_break
from ponte.audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Verify the HMAC chain of the audit trail; exit 1 naming the first broken row. "
        "With --anchor FILE, also check that the head recorded by the previous run is still "
        "there (rows removed from the end are otherwise invisible), then record the new head."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--anchor",
            type=Path,
            help="a file outside the database and its backups (or a mounted remote) "
            "holding the last verified head",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
        broken = first_break(events)
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at row id={broken.pk} seq={broken.seq}: {broken.reason}"
            )
        anchor: Path | None = options.get("anchor")
        if anchor is not None:
            self._check_anchor(anchor)
        total = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {total} rows verified."))

    def _check_anchor(self, anchor: Path) -> None:
        if anchor.exists():
            try:
                head = json.loads(anchor.read_text())
                seq, digest = int(head["seq"]), str(head["hmac"])
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"Anchor file {anchor} is unreadable") from exc
            if not AuditEvent.objects.filter(seq=seq, hmac=digest).exists():
                raise CommandError(
                    f"Audit chain does not reach the anchored head seq={seq}: "
                    "rows were removed from the end or the chain was rewritten"
                )
        last = AuditEvent.objects.order_by("-seq").values("seq", "hmac").first()
        if last is not None:
            anchor.write_text(json.dumps({"seq": last["seq"], "hmac": last["hmac"]}))
