"""System checks of the production settings (`manage.py check --deploy`)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_anchor_email(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if settings.AUDIT_ANCHOR_EMAIL:
        return []
    return [
        Warning(
            "AUDIT_ANCHOR_EMAIL is empty: no daily copy of the audit trail's head leaves the platform, "
            "so removing its last entries would go unseen until the next minutes.",
            hint="Set AUDIT_ANCHOR_EMAIL to an address outside the platform's administration.",
            id="solidaire.W001",
        )
    ]
