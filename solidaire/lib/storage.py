"""The private storage (evidence, reports, minutes): files that no URL serves.

File fields resolve their storage once, when the model class is created. A lazy object
that looks `storages["private"]` up when first used, and again after the STORAGES
setting changes (tests move it to a temporary folder), keeps every field on the
configured storage."""

from typing import Any, cast

from django.core.files.storage import Storage, storages
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    _wrapped: object  # the storage, or `empty` until it is looked up

    def _setup(self) -> None:
        self._wrapped = storages["private"]


_private = PrivateStorage()


def private_storage() -> Storage:
    """The `storage` callable of private file fields (a callable keeps migrations stable)."""
    # The lazy object stands for the storage it wraps: it forwards every attribute to it.
    return cast(Storage, _private)


def reset_private_storage(setting: str, **kwargs: Any) -> None:
    """Receiver of `setting_changed` (solidaire.signals)."""
    if setting == "STORAGES":
        _private._wrapped = empty
