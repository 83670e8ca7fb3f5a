"""The base of every reminder, and the reminder of a listing's renewal."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from solidaire.models.organisations import Organisation


class ReminderBase(models.Model):
    """A reminder to send once, from `due_at` on (see solidaire.lib.reminders).

    A run claims due reminders with a conditional update and a token, stores their
    emails in the outbox and marks them sent, in one transaction; a reminder whose
    emails could not be made keeps the error for staff, and a later run tries again."""

    due_at = models.DateTimeField(_("à envoyer à partir du"))
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True, editable=False)
    skipped = models.BooleanField(
        _("sans objet"), default=False, editable=False, help_text=_("Plus nécessaire au moment de l'envoi.")
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0, editable=False)
    last_error = models.TextField(_("dernière erreur"), blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["due_at"]
        indexes = [
            # With the id, selecting the due ones reads the index alone (see bench/reminders.py).
            models.Index(fields=["due_at", "id"], condition=models.Q(sent_at=None), name="%(class)s_due"),
            models.Index(fields=["claim_token"], name="%(class)s_claim"),
        ]

    @property
    def failed(self) -> bool:
        return self.sent_at is None and bool(self.last_error)


class ListingReminder(ReminderBase):
    """The renewal of a listing is reminded three months before it expires."""

    class Kind(models.TextChoices):
        RENEWAL = "renewal_3m", _("trois mois avant la fin du référencement")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="listing_reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RENEWAL)
    listed_until = models.DateField(help_text="The end of the listing this reminder is about.")

    class Meta(ReminderBase.Meta):
        verbose_name = _("rappel de renouvellement")
        verbose_name_plural = _("rappels de renouvellement")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "listed_until"], name="one_renewal_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.listed_until}"
