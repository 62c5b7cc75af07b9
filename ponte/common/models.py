from __future__ import annotations

import uuid

from django.db import models


class TimeStampedModel(models.Model):
    """Base for domain rows: an opaque public id for URLs, never a sequential number."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
