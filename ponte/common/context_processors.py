from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def ponte(request: HttpRequest) -> dict[str, Any]:
    return {
        "PONTE_DEMO": settings.DEMO,
        "OPERATOR_LANGUAGES": [
            (code, name)
            for code, name in settings.LANGUAGES
            if code in settings.PONTE_OPERATOR_LANGUAGES
        ],
    }
