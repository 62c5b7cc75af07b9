"""Plug-in points through which the apps above people react to a person's choices.

The layers contract forbids `ponte.people` from importing the apps that use its consents
(referrals), yet withdrawing a sharing consent must end what was shared under it. The upper app
registers a handler in its `AppConfig.ready()`; `people.services.withdraw_consent` calls every
handler inside its own transaction, so the withdrawal and its consequences commit or fail
together. With nothing registered, withdrawing a consent simply touches nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (the consent just withdrawn, actor) -> None; runs inside the withdrawal's transaction and may
# raise to refuse it. Handlers defer their notifications with transaction.on_commit.
ConsentWithdrawalHandler = Callable[..., None]

_consent_withdrawal_handlers: list[ConsentWithdrawalHandler] = []


def register_consent_withdrawal_handler(handler: ConsentWithdrawalHandler) -> None:
    if handler not in _consent_withdrawal_handlers:
        _consent_withdrawal_handlers.append(handler)


def consent_withdrawn(consent: Any, *, actor: Any) -> None:
    for handler in _consent_withdrawal_handlers:
        handler(consent, actor=actor)
