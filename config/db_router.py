"""Send explicitly marked read-only work to the replica when one is configured.

Normal request traffic stays on the primary (read-your-writes). Dashboards and
exports opt in with `using(read_replica())`, so a lagging replica can never
surprise a user who just saved something.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def read_replica() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
