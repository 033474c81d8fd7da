"""What other apps do, inside ``consent_withdraw``'s transaction, when a consent is withdrawn.

Consent sits below the apps that rest on a consent (the testimonials register), so it cannot call
them; each registers a function here from its ``AppConfig.ready``, as the engagements app does with
``confidentiality.rotation``. A hook runs in the same transaction: if it fails, nothing is withdrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Called as hook(actor=…, consents=[ConsentRecord, …]) with the records just withdrawn.
ON_WITHDRAWAL: list[Callable[..., Any]] = []
