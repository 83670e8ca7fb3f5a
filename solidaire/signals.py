"""Receivers of the core, connected in SolidaireConfig.ready()."""

from typing import Any

from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save

from solidaire.lib.storage import reset_private_storage
from solidaire.models import SEARCHED_FIELDS, Offer, Organisation, refresh_search_vectors


def organisation_saved(
    sender: type[Organisation],
    instance: Organisation,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    # Status changes save only their own fields: nothing to recompute.
    if update_fields is None or SEARCHED_FIELDS & set(update_fields):
        refresh_search_vectors([instance.pk])


def offer_changed(sender: type[Offer], instance: Offer, **kwargs: Any) -> None:
    refresh_search_vectors([instance.organisation_id])


def connect() -> None:
    post_save.connect(organisation_saved, sender=Organisation, dispatch_uid="organisation_search")
    for signal in (post_save, post_delete):
        signal.connect(offer_changed, sender=Offer, dispatch_uid="offer_search")
    # Tests move the storages to temporary folders.
    setting_changed.connect(reset_private_storage, dispatch_uid="private_storage_reset")
