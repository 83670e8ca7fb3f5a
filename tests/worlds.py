"""Data built once for a whole test module (a "world" of organisations, sessions, grants...),
for the tests that walk every URL or every text: building it for each of their thousands
of tests would take hours. It lives in a transaction rolled back at the end of the module,
with its files in a folder of its own."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction
from django.test import override_settings
from django.utils import translation

from solidaire.celery import app as celery_app

# Hashing with production strength costs a third of a second per user.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def storage_settings(root: Path) -> dict:
    """The media settings that keep a test's files (public and private) under `root`."""
    return {
        "MEDIA_ROOT": root / "media",
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": root / "private", "base_url": None},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }


@contextmanager
def world_of(build: Callable[[], object], django_db_blocker, root: Path) -> Iterator:
    """`build()`, for a module-scoped fixture: its data in a transaction rolled back at the
    end, its files under `root`, tasks run eagerly, no network. Its `storage` attribute
    holds the media settings, which `use_world_files` gives back to each test."""
    storage = storage_settings(root)
    celery_app.conf.task_always_eager = True
    with (
        override_settings(**storage, BAN_API_URL="", PASSWORD_HASHERS=FAST_HASHERS),
        translation.override("fr"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        world = build()
        world.storage = storage
        yield world
        transaction.set_rollback(True)


def use_world_files(settings, world) -> None:
    """conftest's _isolated gives each test empty media folders: the world's files are elsewhere."""
    for name, value in world.storage.items():
        setattr(settings, name, value)


def body_text(response) -> str:
    """The text of a response, streamed (the exports) or not."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")
