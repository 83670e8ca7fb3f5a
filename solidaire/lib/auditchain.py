"""The digests of the audit trail's hash chain, as pure functions (the model and the
migrations share them).

An entry's digest covers its content and the previous entry's digest. Entries written
since the chain is keyed carry the id of the key that signs them: HMAC-SHA256 with a
secret of `settings.AUDIT_KEYS`, held outside the database, so that whoever can write
to the database cannot recompute a digest. Entries written before carry the key id ""
(legacy): a plain SHA-256 of the same content without the key id, still verified."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from django.conf import settings

LEGACY_KEY_ID = ""


def content(
    *,
    created_at: datetime,
    actor_ref: str,
    action: str,
    target: str,
    data: object,
    prev_hash: str,
    key_id: str,
) -> dict:
    """What the digest covers: no personal data (the author is a pseudonymous reference),
    so that erasing an account keeps the chain verifiable."""
    covered = {
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_ref,
        "action": action,
        "target": target,
        "data": data,
        "prev": prev_hash,
    }
    if key_id != LEGACY_KEY_ID:
        covered["key"] = key_id
    return covered


def digest(covered: dict, key_id: str, keys: dict[str, str] | None = None) -> str | None:
    """The hex digest of `covered` under the key `key_id`; None for a key that is not
    (or no longer) configured."""
    canonical = json.dumps(covered, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    if key_id == LEGACY_KEY_ID:
        return hashlib.sha256(canonical).hexdigest()
    secret = (settings.AUDIT_KEYS if keys is None else keys).get(key_id)
    if secret is None:
        return None
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


def signing_key_id() -> str:
    """The newest key of AUDIT_KEYS: the one that signs new entries."""
    return next(reversed(settings.AUDIT_KEYS))
