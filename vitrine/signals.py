"""What moves the showcase cache on (vitrine.cache): every save or delete of something a
public page, feed or export shows. Status transitions save with `update_fields`, which sends
`post_save` like any other save."""

from typing import Any

from django.db.models.signals import post_delete, post_save

from referentiel.models import Assessment, Domain, Referentiel
from solidaire.models import (
    Commune,
    Departement,
    DomainMet,
    LegalForm,
    Offer,
    OfferCategory,
    Organisation,
    Region,
    Sector,
)
from vitrine.cache import changed

SHOWN = [
    Organisation,
    Offer,
    DomainMet,
    Sector,
    LegalForm,
    OfferCategory,
    Region,
    Departement,
    Commune,
    Domain,
    Referentiel,
]


def _assessment_saved(sender: type[Assessment], instance: Assessment, using: str, **kwargs: Any) -> None:
    # A completed assessment draws the radar of the organisation's page; drafts show nowhere.
    if instance.status == Assessment.Status.COMPLETED:
        changed(using=using)


def connect() -> None:
    for model in SHOWN:
        post_save.connect(changed, sender=model, dispatch_uid=f"vitrine_cache_{model._meta.label}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"vitrine_cache_{model._meta.label}")
    post_save.connect(_assessment_saved, sender=Assessment, dispatch_uid="vitrine_cache_assessment")
