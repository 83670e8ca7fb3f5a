"""Verification of the audit chain (see AuditEntry) and the copies of its head.

What `verify_chain` finds, and how:

- an entry whose hashed content changed, or whose actor column no longer matches its
  hashed author reference: its digest, or the reference, disagrees;
- an entry removed from the middle: the next one's `prev_hash` names a missing digest;
- entries rewritten from one on with recomputed digests: without the key of AUDIT_KEYS the
  digests cannot be signed, and unsigned ("legacy") entries are accepted only before the
  first signed one, which covers their last digest (migration 0011 added that seal);
- entries removed from the end: only a copy of the head held elsewhere shows it (`head()`
  is written into the minutes, the SCDL page and a daily email): given as `anchor`, that
  entry must still be in the chain, at its place.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from solidaire.lib.auditchain import LEGACY_KEY_ID
from solidaire.models import AUDIT_GENESIS, AuditAnchor, AuditEntry, User


@dataclass(frozen=True)
class Break:
    entry_id: int | None  # None: the anchored entry is missing
    reason: str


@dataclass(frozen=True)
class Anchor:
    """The digest of an entry and its position in the chain (1 for the first entry)."""

    hash: str
    position: int | None = None

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """`POSITION:HASH` as the anchors are written, or the digest alone."""
        position, _colon, digest = text.strip().rpartition(":")
        digest = digest.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(
                _("Une ancre s'écrit « numéro:empreinte », l'empreinte en 64 caractères hexadécimaux.")
            )
        if position and not position.isdigit():
            raise ValueError(_("Une ancre s'écrit « numéro:empreinte », le numéro en chiffres."))
        return cls(digest, int(position) if position else None)


def head() -> Anchor | None:
    """The last entry of the chain and its position; None while the chain is empty."""
    last = AuditEntry.objects.order_by("-pk").values_list("pk", "hash").first()
    if last is None:
        return None
    return Anchor(last[1], AuditEntry.objects.filter(pk__lte=last[0]).count())


def _author_mismatch(entry: AuditEntry) -> bool:
    """The actor column names someone other than the hashed reference. A reference to an
    account that no longer exists (deleted from the admin) may have lost its column."""
    if entry.actor_id is not None:
        return entry.actor_ref != f"user:{entry.actor_id}"
    named = entry.author_id_in_ref
    return named is not None and User.objects.filter(pk=named).exists()


def _problem(entry: AuditEntry, previous: str, signed_seen: bool) -> str | None:
    if entry.prev_hash != previous:
        return str(_("l'entrée précédente a été modifiée ou retirée"))
    if entry.key_id == LEGACY_KEY_ID and signed_seen:
        return str(_("entrée non signée après des entrées signées : la chaîne a été réécrite sans la clé"))
    digest = entry.compute_hash()
    if digest is None:
        return str(
            _("signée d'une clé inconnue (« %(key)s ») : absente de AUDIT_KEYS") % {"key": entry.key_id}
        )
    if digest != entry.hash:
        return str(_("son contenu a été modifié, ou son empreinte recalculée sans la clé"))
    if _author_mismatch(entry):
        return str(_("son auteur a été modifié"))
    return None


def verify_chain(anchor: Anchor | None = None, batch_size: int = 2000) -> tuple[int, Break | None]:
    """Walks the chain in order; returns how many entries were checked and the first break."""
    previous, checked, signed_seen, first_unsigned, anchored = AUDIT_GENESIS, 0, False, None, False
    entries = AuditEntry.objects.select_related("target_type").order_by("pk").iterator(chunk_size=batch_size)
    for entry in entries:
        problem = _problem(entry, previous, signed_seen)
        if problem:
            return checked, Break(entry.pk, problem)
        checked += 1
        if anchor is not None and (entry.hash == anchor.hash or checked == anchor.position):
            if entry.hash != anchor.hash or anchor.position not in (None, checked):
                reason = _("l'entrée ancrée n'est plus à sa place : la chaîne a été réécrite")
                return checked - 1, Break(entry.pk, str(reason))
            anchored = True
        if entry.key_id == LEGACY_KEY_ID:
            first_unsigned = first_unsigned or entry.pk
        signed_seen = signed_seen or entry.key_id != LEGACY_KEY_ID
        previous = entry.hash
    if first_unsigned is not None and not signed_seen:
        reason = _("aucune entrée signée ne suit ces entrées non signées : chaîne réécrite sans la clé")
        return 0, Break(first_unsigned, str(reason))
    if anchor is not None and not anchored:
        reason = _("l'entrée ancrée est absente : dernières entrées retirées ou chaîne reconstruite")
        return checked, Break(None, str(reason))
    return checked, None


def anchor_of_the_day() -> AuditAnchor | None:
    """Today's copy of the head, made by the first run of the day (None while the chain is
    empty): later runs find it and send it if it was not sent yet."""
    today = timezone.localdate()
    existing = AuditAnchor.objects.filter(day=today).first()
    if existing is not None:
        return existing
    current = head()
    if current is None or current.position is None:  # empty; head() always gives the position
        return None
    anchor, _created = AuditAnchor.objects.get_or_create(
        day=today, defaults={"position": current.position, "hash": current.hash, "due_at": timezone.now()}
    )
    return anchor
