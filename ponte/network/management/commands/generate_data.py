from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from ponte.audit.services import record_now
from ponte.network.management.synthetic import SCALES, generate


class Command(BaseCommand):
    help = (
        "Generate a fictitious network (organisations, PUAs, sites, users, agreements), plus "
        "what the apps built on it add (catalog services and opportunities), for load tests. "
        "The same scale and seed always give the same data; a new run replaces the records "
        "an earlier run generated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help=(
                "small: 1 region, 200 organisations, 300 services; regional: 2,000 "
                "organisations, 10,000 services; national: 20 regions, 20,000 "
                "organisations, 100,000 services."
            ),
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        counts = generate(options["scale"], options["seed"], progress=not options["no_progress"])
        record_now(
            "synthetic.generated",
            actor=None,
            data={"scale": options["scale"], "seed": options["seed"], **counts},
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Synthetic data (scale %(scale)s, seed %(seed)d) in %(seconds).1f s: %(counts)s")
                % {
                    "scale": options["scale"],
                    "seed": options["seed"],
                    "seconds": time.monotonic() - started,
                    "counts": ", ".join(f"{name} {count}" for name, count in counts.items()),
                }
            )
        )
