"""Verification of the audit chain (see AuditEntry)."""

from dataclasses import dataclass

from solidaire.models import AUDIT_GENESIS, AuditEntry


@dataclass(frozen=True)
class Break:
    entry_id: int
    reason: str


def verify_chain(batch_size: int = 2000) -> tuple[int, Break | None]:
    """Walks the chain in order; returns how many entries were checked and the first break."""
    previous, checked = AUDIT_GENESIS, 0
    for entry in (
        AuditEntry.objects.select_related("target_type").order_by("pk").iterator(chunk_size=batch_size)
    ):
        if entry.prev_hash != previous:
            return checked, Break(entry.pk, "the previous entry was changed or removed")
        if entry.compute_hash() != entry.hash:
            return checked, Break(entry.pk, "its content was changed")
        previous = entry.hash
        checked += 1
    return checked, None
