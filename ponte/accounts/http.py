from __future__ import annotations

from django.http import HttpRequest

from ponte.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind LoginRequiredMiddleware: `user` is a real User, for the type checker."""

    user: User
