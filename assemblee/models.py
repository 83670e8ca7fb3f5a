"""The multi-stakeholder assembly: colleges and mandates, applications, sessions,
agenda, recusals, ballots and decisions (DESIGN §5)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from referentiel.models import Assessment
from solidaire.lib.storage import private_storage
from solidaire.models import Organisation, ReminderBase


class College(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    name_en = models.CharField(_("nom en anglais"), max_length=120, blank=True)
    weight = models.DecimalField(
        _("poids (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Les poids des collèges de l'assemblée font 100 en tout."),
    )  # fmt: skip
    seats = models.PositiveSmallIntegerField(_("sièges"))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("collège")
        verbose_name_plural = _("collèges")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class MandateQuerySet(models.QuerySet["Mandate"]):
    def current(self, on: date | None = None) -> "MandateQuerySet":
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Mandate(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandates")
    college = models.ForeignKey(
        College, on_delete=models.PROTECT, related_name="mandates", verbose_name=_("collège")
    )
    starts_on = models.DateField(_("début du mandat"))
    ends_on = models.DateField(_("fin du mandat"))

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandat")
        verbose_name_plural = _("mandats")
        ordering = ["college__position", "user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="mandate_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.college} ({self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y})"

    @property
    def is_current(self) -> bool:
        return self.starts_on <= timezone.localdate() <= self.ends_on


# --- Applications ----------------------------------------------------------------------------


class ApplicationQuerySet(models.QuerySet["Application"]):
    def awaiting_agenda(self) -> "ApplicationQuerySet":
        """Submitted, or on an agenda whose sessions all closed without a decision on it."""
        pending = AgendaItem.objects.filter(application=models.OuterRef("pk")).exclude(
            session__status=Session.Status.CLOSED
        )
        return self.filter(
            Q(status=Application.Status.SUBMITTED)
            | (Q(status=Application.Status.ON_AGENDA) & ~models.Exists(pending))
        )


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        SUBMITTED = "submitted", _("soumise")
        ON_AGENDA = "on_agenda", _("inscrite à l'ordre du jour")
        ADMITTED = "admitted", _("admise")
        PROGRESS_PLAN = "progress_plan", _("démarche de progrès proposée")
        REFUSED = "refused", _("refusée")
        WITHDRAWN = "withdrawn", _("retirée")

    DECIDED = (Status.ADMITTED, Status.PROGRESS_PLAN, Status.REFUSED)
    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.ON_AGENDA)

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="applications")
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("candidature précédente"),
    )  # fmt: skip
    current_step = models.PositiveSmallIntegerField(default=1, editable=False)
    staff_message = models.TextField(_("message de la Région"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    evidence_purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-created_at"]
        constraints = [
            # One application in progress per organisation at a time.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=["draft", "submitted", "on_agenda"]),
                name="one_open_application_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return _("Candidature de %(organisation)s") % {"organisation": self.organisation}

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def is_draft(self) -> bool:
        """Written by the organisation, which may change it: never submitted, or sent back."""
        return self.status == self.Status.DRAFT

    @property
    def is_sent_back(self) -> bool:
        """Found incomplete by staff: a draft again, with their message."""
        return self.is_draft and bool(self.staff_message)

    @property
    def can_be_sent_back(self) -> bool:
        """Staff check a submitted application before it goes on an agenda."""
        return self.status == self.Status.SUBMITTED

    @property
    def is_on_agenda(self) -> bool:
        return self.status == self.Status.ON_AGENDA

    @property
    def is_withdrawn(self) -> bool:
        """Withdrawn by the organisation: it is no longer put to the vote."""
        return self.status == self.Status.WITHDRAWN

    @property
    def is_admitted(self) -> bool:
        return self.status == self.Status.ADMITTED


# --- Sessions ------------------------------------------------------------------------------


class Session(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("en préparation")
        PUBLISHED = "published", _("convoquée")
        CLOSED = "closed", _("close")

    title = models.CharField(_("titre"), max_length=200)
    place = models.CharField(
        _("lieu"), max_length=250, blank=True, help_text=_("Adresse, ou vide si en ligne.")
    )
    online_url = models.URLField(_("lien de la réunion en ligne"), blank=True)
    opens_at = models.DateTimeField(_("ouverture du vote"))
    closes_at = models.DateTimeField(_("clôture du vote"))
    quorum_members = models.DecimalField(
        _("quorum des membres"), max_digits=3, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Part des membres appelés à voter qui doivent voter (0,5 = la moitié)."),
    )  # fmt: skip
    quorum_colleges = models.DecimalField(
        _("quorum des collèges"), max_digits=3, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Part des collèges qui doivent être représentés."),
    )  # fmt: skip
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    minutes = models.FileField(upload_to="minutes/", storage=private_storage, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="session_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        """In preparation: its details and agenda still change, nobody is convened yet."""
        return self.status == self.Status.DRAFT

    @property
    def is_under_way(self) -> bool:
        """Published and not yet closed: members are convened and may change their ballot
        while the vote is open (is_open_for_votes)."""
        return self.status == self.Status.PUBLISHED

    @property
    def is_closed(self) -> bool:
        """Tallied and decided: its results and minutes can be read."""
        return self.status == self.Status.CLOSED

    @property
    def is_open_for_votes(self) -> bool:
        now = timezone.now()
        return self.status == self.Status.PUBLISHED and self.opens_at <= now < self.closes_at

    # The thresholds the tally applies: never below the settings' minimum, even for a session
    # saved before it was raised.
    @property
    def applied_quorum_members(self) -> Decimal:
        return max(self.quorum_members, settings.ASSEMBLY_MIN_QUORUM_MEMBERS)

    @property
    def applied_quorum_colleges(self) -> Decimal:
        return max(self.quorum_colleges, settings.ASSEMBLY_MIN_QUORUM_COLLEGES)

    @property
    def is_due_to_close(self) -> bool:
        """Its vote has ended: the closing job (or staff) may tally it now."""
        return self.status == self.Status.PUBLISHED and self.closes_at <= timezone.now()


class Seat(models.Model):
    """A member convened to a session, in the college of their mandate at publication."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seats")
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("siège")
        verbose_name_plural = _("sièges")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_seat_per_member")]

    def __str__(self) -> str:
        return f"{self.user} ({self.college})"


class AgendaItem(models.Model):
    class Outcome(models.TextChoices):
        ADMIT = "admit", _("admission")
        PROGRESS_PLAN = "progress_plan", _("démarche de progrès")
        REFUSE = "refuse", _("refus")
        NONE = "none", _("pas de décision")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(_("décision"), max_length=16, choices=Outcome.choices, blank=True)
    tally = models.JSONField(_("dépouillement"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    reference = models.CharField(_("référence"), max_length=40, blank=True, editable=False)
    certificate = models.FileField(
        upload_to="certificates/", storage=private_storage, blank=True, editable=False
    )
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("point de l'ordre du jour")
        verbose_name_plural = _("points de l'ordre du jour")
        ordering = ["session", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "application"], name="once_per_agenda")]

    def __str__(self) -> str:
        return f"{self.session} — {self.application.organisation}"

    @property
    def is_admission(self) -> bool:
        """The assembly admitted the organisation: this item has an admission certificate."""
        return self.outcome == self.Outcome.ADMIT

    @property
    def is_left_undecided(self) -> bool:
        """Tallied without a decision (no majority or no quorum), or withdrawn meanwhile."""
        return self.outcome == self.Outcome.NONE


class Recusal(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    automatic = models.BooleanField(default=False)
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("déport")
        verbose_name_plural = _("déports")
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="one_recusal_per_item")]

    def __str__(self) -> str:
        return f"{self.user} — {self.item}"

    @property
    def display_reason(self) -> str:
        if not self.automatic:
            return self.reason
        if not self.reason:
            return str(_("Membre de l'organisation candidate"))
        return _("Conflit d'intérêts déclaré : %(reason)s") % {"reason": self.reason}


class Choice(models.TextChoices):
    ADMIT = "admit", _("admettre")
    PROGRESS_PLAN = "progress_plan", _("proposer une démarche de progrès")
    REFUSE = "refuse", _("refuser")
    ABSTAIN = "abstain", _("s'abstenir")


class Ballot(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballots")
    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=16, choices=Choice.choices)
    comment = models.TextField(_("commentaire"), blank=True, max_length=2000)
    cast_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="one_ballot_per_member_and_item")
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.item}: {self.choice}"


class BallotChange(models.Model):
    """Every version of a ballot, in order: nothing a member casts is lost."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="ballot_changes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=16, choices=Choice.choices)
    comment = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("historique de bulletin")
        verbose_name_plural = _("historique des bulletins")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.member} — {self.choice} ({self.changed_at:%Y-%m-%d %H:%M})"


class SessionReminder(ReminderBase):
    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", _("la veille de la clôture")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DAY_BEFORE)

    class Meta(ReminderBase.Meta):
        verbose_name = _("rappel de vote")
        verbose_name_plural = _("rappels de vote")
        constraints = [
            models.UniqueConstraint(fields=["session", "member", "kind"], name="one_vote_reminder_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.session} — {self.member}"
