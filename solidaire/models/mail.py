"""Every email the platform sends, one row per email and recipient (solidaire/outbox.py)."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidaire.models.organisations import Organisation


class OutgoingMailQuerySet(models.QuerySet["OutgoingMail"]):
    def due(self, now: datetime) -> "OutgoingMailQuerySet":
        """To send now: queued, its next attempt has come, and no run holds it (or the run that
        held it has not renewed its claim within the lease: it died)."""
        lease = now - OutgoingMail.lease()
        return self.filter(status=OutgoingMail.Status.QUEUED, next_attempt_at__lte=now).filter(
            Q(claimed_at=None) | Q(claimed_at__lt=lease)
        )

    def failed(self) -> "OutgoingMailQuerySet":
        return self.filter(status=OutgoingMail.Status.FAILED)

    def retryable(self) -> "OutgoingMailQuerySet":
        return self.failed().filter(sensitive=False)


class OutgoingMail(models.Model):
    """One email to one recipient, rendered (subject, text, HTML, in the recipient's language)
    in the transaction of the event that causes it, then sent by a task that claims it.

    A run claims a row by writing `claimed_at` (now) and its `claim_token`, renews the claim
    before each email it sends, and checks its token in every update: a run that outlived its
    lease, or died, never overwrites what another run did."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("à envoyer")
        SENT = "sent", _("envoyé")
        FAILED = "failed", _("échec")
        CANCELLED = "cancelled", _("sans objet")

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    template = models.CharField(_("modèle"), max_length=60)
    to = models.EmailField(_("destinataire"), max_length=254)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,  # a deleted account takes its emails with it (RGPD)
        null=True,
        blank=True,
        related_name="outgoing_mail",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="outgoing_mail"
    )
    language = models.CharField(max_length=8)
    subject = models.CharField(_("objet"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    # [{"name", "mimetype", "content" (text)} or {"name", "mimetype", "storage", "path"}]: a
    # stored file is read when the email is sent, not copied into the row.
    attachments = models.JSONField(default=list, blank=True)
    # Not sent after this moment: a reminder of a vote that has closed would mislead.
    expires_at = models.DateTimeField(_("sans objet après le"), null=True, blank=True)
    # A link or a code that opens the account (sign-up, password reset): its text is erased
    # once the email is sent or given up, and staff never send it again elsewhere.
    sensitive = models.BooleanField(default=False)

    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    failed_at = models.DateTimeField(_("abandonné le"), null=True, blank=True)
    error = models.TextField(_("dernière erreur"), blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(status="queued"), name="outgoingmail_due"
            ),
            models.Index(fields=["claim_token"], name="outgoingmail_claim"),
            models.Index(fields=["status", "created_at"], name="outgoingmail_status"),
        ]

    def __str__(self) -> str:
        # No address: the audit trail names its targets by this.
        return f"#{self.pk} {self.template}"

    @staticmethod
    def lease() -> timedelta:
        return timedelta(seconds=settings.MAIL_LEASE_SECONDS)

    @property
    def can_be_retried(self) -> bool:
        return self.status == self.Status.FAILED and not self.sensitive
