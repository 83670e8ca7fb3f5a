"""Server-side cache of the public showcase, for visitors who are not signed in.

Every key holds a *generation*: a counter kept in the cache that any change to what the
showcase shows moves on (receivers in vitrine.signals: organisations, offers, domains met,
completed assessments, reference data). A new generation makes every older entry unreachable
at once: a suspended organisation leaves every cached page, feed and export on the next
request, without anyone listing the pages it appeared on. The old entries expire by
themselves after VITRINE_CACHE_TIMEOUT seconds, which also bounds how long a change that
sends no signal (`QuerySet.update()`, `bulk_create()`, raw SQL: the geocoding task, bulk
repairs) can stay unseen.

Never cached: requests of signed-in users or with messages waiting, responses other than
200, responses that set a cookie or that showed messages. The CSRF token of the forms (the
language switch of every page) is put back per request: a stored page would otherwise hand
every visitor the token of the first one.

Streamed responses (the open-data exports) are stored in parts as they are sent, so that
neither the first download nor the cached ones ever hold the whole file in memory.
"""

import functools
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Concatenate

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

GENERATION_KEY = "vitrine:generation"
# In every key: moved on when what is stored changes shape (a field added to FilterPanel, to
# Entry), so that a new release never reads the pickles of the one before it.
FORMAT = 3
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{32,64}"')
CSRF_PLACEHOLDER = b'name="csrfmiddlewaretoken" value="@csrf@"'

type Response = HttpResponse | StreamingHttpResponse  # with a body, or streamed

# Whether this process stored an entry since it last moved the generation on (see changed()).
_stored_since_bump = True


def timeout() -> int:
    """Seconds an entry lives; 0 turns the cache off."""
    return settings.VITRINE_CACHE_TIMEOUT


# The generation read at the start of the request being served (see cached_for_visitors):
# what the request stores under it, it read no earlier, and one cache read is saved.
_request_generation: ContextVar[int | None] = ContextVar("vitrine_request_generation", default=None)


def generation() -> int:
    if (value := _request_generation.get()) is not None:
        return value
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A lost counter (eviction, restart) starts again from the clock, never from a
        # number that older entries may still carry.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def bump() -> None:
    """Moves the generation on: every entry stored before becomes unreachable."""
    global _stored_since_bump
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no counter yet, or evicted
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    _stored_since_bump = False


def _bump_after_commit() -> None:
    try:
        bump()
    except Exception:
        logger.exception("The showcase cache generation could not be moved on.")


def changed(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Signal receiver: something the showcase shows changed.

    Inside a transaction, the generation moves on after the commit, so that a page cached
    meanwhile by another request from the data before the commit is dropped too; and at
    once, so that this very transaction reads its own change, unless this process stored
    nothing since its last bump (a bulk delete of 50,000 rows then costs one bump, not
    50,000). A failure of the cache never fails the change: it is logged, and the entries
    expire by themselves."""
    try:
        connection = transaction.get_connection(using)
        if not connection.in_atomic_block:
            bump()
            return
        if _stored_since_bump:
            bump()
        # One callback per transaction (or savepoint), however many rows it changes.
        if not on_commit_pending(_bump_after_commit, using):
            transaction.on_commit(_bump_after_commit, using=using)
    except Exception:
        logger.exception("The showcase cache generation could not be moved on.")


def on_commit_pending(callback: Callable[[], object], using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether `callback` is already registered with transaction.on_commit() in the current
    transaction or savepoint of the connection `using`: a bulk delete of 50,000 rows then
    registers one callback, not 50,000 that each bump the generation.

    Django has no public way to ask this. It reads the connection's private list
    `run_on_commit`, which holds a tuple (savepoint ids, callback, robust) per registration,
    the savepoint ids being those active when it was made (a rolled-back savepoint drops its
    own). Checked against Django 6.1.3 (django/db/backends/base/base.py,
    BaseDatabaseWrapper.on_commit); tests/vitrine/test_cache.py fails if that changes."""
    connection = transaction.get_connection(using)
    savepoints = set(connection.savepoint_ids)
    return any(
        registered is callback and ids == savepoints for ids, registered, _robust in connection.run_on_commit
    )


# --- Values ----------------------------------------------------------------------------


def remember[T](name: str, parts: Iterable[str], compute: Callable[[], T]) -> T:
    """`compute()`, kept in the cache under `name` and `parts` until what the showcase shows
    changes: for what several pages share (the filter panel of a selection serves all its
    pages and its map, and signed-in users, whose pages are not cached)."""
    global _stored_since_bump
    if not timeout():
        return compute()
    try:
        raw = "\n".join([get_language() or "", *parts])
        key = f"vitrine:{name}:{FORMAT}:{generation()}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"
        value = cache.get(key)
    except Exception:
        logger.exception("The showcase cache cannot be read; computing without it.")
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout())
            _stored_since_bump = True
        except Exception:
            logger.exception("The showcase cache cannot be written.")
    return value


# --- Entries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What a response needs to be sent again: plain values, so that pickling it stays
    cheap and independent of Django's response classes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    parts: int = 0  # a streamed response: the number of parts stored under "<key>:<n>"
    csrf: bool = False

    def response(self, request: HttpRequest, key: str) -> Response:
        response: Response
        if self.parts:
            response = StreamingHttpResponse(_stored_parts(key, self.parts), status=self.status)
        else:
            body = self.body
            if self.csrf:
                token = f'name="csrfmiddlewaretoken" value="{get_token(request)}"'.encode()
                body = body.replace(CSRF_PLACEHOLDER, token)
            response = HttpResponse(body, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response


def page_key(request: HttpRequest, generation_value: int) -> str:
    # The host and scheme: sitemaps and feeds may write absolute addresses from them.
    raw = "\n".join([request.scheme or "", request.get_host(), get_language() or "", request.get_full_path()])
    digest = hashlib.sha256(raw.encode()).hexdigest()[:40]
    return f"vitrine:page:{FORMAT}:{generation_value}:{digest}"


def _stored_parts(key: str, parts: int) -> Iterator[bytes]:
    for index in range(parts):
        part = cache.get(f"{key}:{index}")
        if part is None:
            # Evicted under memory pressure: drop the entry so that the next request builds
            # the file again, and end this one with an error rather than a truncated file.
            cache.delete(key)
            raise RuntimeError(f"Part {index} of the cached response {key} is missing.")
        yield part


def _store_stream(key: str, chunks: Iterable[bytes], entry: Entry) -> Iterator[bytes]:
    """Yields `chunks` and stores them as they go; the entry that points to them is stored
    last, so that a download interrupted half-way leaves nothing that could be served."""
    global _stored_since_bump
    parts, pending, size = 0, [], 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= 256 * 1024:
            cache.set(f"{key}:{parts}", b"".join(pending), timeout())
            parts, pending, size = parts + 1, [], 0
        yield chunk
    if pending:
        cache.set(f"{key}:{parts}", b"".join(pending), timeout())
        parts += 1
    cache.set(key, Entry(entry.status, entry.headers, parts=parts), timeout())
    _stored_since_bump = True


# --- The decorator -----------------------------------------------------------------------


def _visitor_without_messages(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not timeout():
        return False
    if request.user.is_authenticated:
        return False
    # Messages waiting for this visitor (after signing out, say) are shown by the next page.
    return len(get_messages(request)) == 0


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        response.status_code == 200
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and len(get_messages(request)) == 0
    )


def cached_for_visitors[**P](
    view: Callable[Concatenate[HttpRequest, P], Response],
) -> Callable[Concatenate[HttpRequest, P], Response]:
    """Serves a GET from the cache to visitors who are not signed in, and stores what the
    view answers them. Costs two cache reads on a hit (the generation, the entry), no SQL."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> Response:
        if not _visitor_without_messages(request):
            return view(request, *args, **kwargs)
        try:
            current = generation()
            key = page_key(request, current)
            entry = cache.get(key)
        except Exception:
            logger.exception("The showcase cache cannot be read; serving without it.")
            return view(request, *args, **kwargs)
        if entry is not None:
            return entry.response(request, key)
        token = _request_generation.set(current)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _request_generation.reset(token)
        try:
            _store(request, response, key)
        except Exception:
            logger.exception("The showcase cache cannot be written.")
        return response

    return wrapper


def _store(request: HttpRequest, response: Response, key: str) -> None:
    global _stored_since_bump
    if not _storable(request, response):
        return
    headers = tuple(response.items())
    if isinstance(response, StreamingHttpResponse):
        content = response.streaming_content
        if isinstance(content, Iterator):  # the stream of a view that is not async
            response.streaming_content = _store_stream(key, content, Entry(response.status_code, headers))
        return
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response.render()  # a TemplateResponse (the sitemaps)
    body, tokens = CSRF_INPUT.subn(CSRF_PLACEHOLDER, response.content)
    cache.set(key, Entry(response.status_code, headers, body=body, csrf=bool(tokens)), timeout())
    _stored_since_bump = True
