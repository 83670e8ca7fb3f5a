"""Programmes (dispositifs), grants, their instalments and indicators, reports, report
reminders and the Region's equity stakes in SCICs (DESIGN §7)."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referentiel.models import MAX_LEVEL, PERCENT, Criterion, Translated
from solidaire.lib.storage import private_storage
from solidaire.models import Organisation, ReminderBase, User
from subventions.periods import STEP_MONTHS, Period, periods

POSITIVE_AMOUNT = [MinValueValidator(Decimal("0.01"))]
# The SCDL schema limits a grant's `objet` to 256 characters (subventions.scdl).
PURPOSE_MAX_LENGTH = 256
# The Region may hold at most this share (in %) of a SCIC's capital (DESIGN §7).
MAX_SCIC_STAKE = Decimal(20)


class Periodicity(models.TextChoices):
    MONTHLY = "monthly", _("mensuelle")
    QUARTERLY = "quarterly", _("trimestrielle")
    HALF_YEARLY = "half_yearly", _("semestrielle")
    YEARLY = "yearly", _("annuelle")

    @property
    def months(self) -> int:
        return STEP_MONTHS[self.value]


# --- Indicators catalogue -------------------------------------------------------------


class Indicator(Translated, models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    name_en = models.CharField(_("nom en anglais"), max_length=200, blank=True)
    description = models.TextField(_("définition"), blank=True)
    unit = models.CharField(_("unité"), max_length=40)
    direction = models.CharField(
        _("sens"), max_length=10, choices=Criterion.Direction.choices, default=Criterion.Direction.HIGHER
    )
    cumulative = models.BooleanField(
        _("les valeurs s'additionnent"),
        default=False,
        help_text=_(
            "Oui pour un flux (appareils réparés, heures de formation) : la cible est annuelle et se "
            "répartit entre les périodes. Non pour un niveau (part, ratio, effectif) : la cible vaut "
            "pour chaque période."
        ),
    )
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("critère du référentiel lié"),
    )

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.translated('name')} ({self.unit})"


# --- Programmes ----------------------------------------------------------------------


class Programme(models.Model):
    class StatusRule(models.TextChoices):
        LISTED = "listed", _("référencée")
        LISTED_OR_PROGRESS = "listed_or_progress", _("référencée ou en démarche de progrès")
        ANY = "any", _("sans condition de statut")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(_("présentation"), blank=True)
    budget = models.DecimalField(_("budget (€)"), max_digits=14, decimal_places=2, validators=POSITIVE_AMOUNT)
    status_rule = models.CharField(
        _("statut exigé de l'organisation"),
        max_length=20,
        choices=StatusRule.choices,
        default=StatusRule.LISTED_OR_PROGRESS,
    )
    min_overall = models.DecimalField(
        _("score global minimal"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT,
        help_text=_("En %, dans la dernière auto-évaluation terminée. Vide : pas de minimum."),
    )  # fmt: skip
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="programmes", verbose_name=_("indicateurs exigés")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dispositif")
        verbose_name_plural = _("dispositifs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CriterionRule(models.Model):
    """An eligibility rule of a programme on one criterion of the référentiel. The
    criterion is matched by its code in the organisation's latest completed assessment,
    whichever version of the référentiel that assessment was made against."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="criterion_rules")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("critère")
    )
    minimum = models.DecimalField(
        _("niveau minimal"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("Niveau de 0 à 4, ou valeur pour un nombre. Vide : le critère doit être satisfait."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("règle sur un critère")
        verbose_name_plural = _("règles sur les critères")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "criterion"], name="one_rule_per_programme_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} ≥ {self.minimum}" if self.minimum is not None else self.criterion.code

    def clean(self) -> None:
        if self.criterion_id is None:
            return  # the form reports the missing criterion
        kind, minimum = self.criterion.kind, self.minimum
        if kind == Criterion.Kind.TEXT:
            raise ValidationError({"criterion": _("Une réponse en texte libre ne peut pas être exigée.")})
        if kind == Criterion.Kind.LEVEL and minimum is not None and not 0 <= minimum <= MAX_LEVEL:
            raise ValidationError({"minimum": _("Le niveau minimal est compris entre 0 et 4.")})
        if kind == Criterion.Kind.YES_NO and minimum not in (None, 1):
            raise ValidationError({"minimum": _("Un critère oui / non s'exige sans niveau : laissez vide.")})


# --- Grants --------------------------------------------------------------------------

PURPOSE_TOO_LONG = _(
    "L'objet compte au plus %(limit_value)d caractères, la limite du format SCDL des données ouvertes "
    "(il en compte %(show_value)d)."
)
# Décret n° 2017-779: every convention is published with its date (subventions.scdl).
CONVENTION_DATE_REQUIRED = _(
    "Indiquez la date de la convention : une subvention attribuée est publiée en données ouvertes "
    "avec la date de sa convention (décret n° 2017-779)."
)


class Grant(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("en préparation")
        AWARDED = "awarded", _("attribuée")
        CLOSED = "closed", _("soldée")

    # What members, the dashboard and open data see: the grants awarded, and closed.
    SHOWN_STATUSES = (Status.AWARDED, Status.CLOSED)

    class Nature(models.TextChoices):
        CASH = "cash", _("aide en numéraire")
        IN_KIND = "in_kind", _("aide en nature")

    class PaymentConditions(models.TextChoices):
        SINGLE = "single", _("versement unique")
        INSTALMENTS = "instalments", _("versement échelonné")
        OTHER = "other", _("autre")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="grants", verbose_name=_("organisation")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="grants", verbose_name=_("dispositif")
    )
    purpose = models.CharField(
        _("objet"),
        max_length=PURPOSE_MAX_LENGTH,
        help_text=_("256 caractères au plus : la limite du format SCDL des données ouvertes."),
        error_messages={"max_length": PURPOSE_TOO_LONG},
    )
    amount = models.DecimalField(
        _("montant (€)"), max_digits=12, decimal_places=2, validators=POSITIVE_AMOUNT
    )
    decision_reference = models.CharField(_("référence de la décision"), max_length=120, blank=True)
    decision_date = models.DateField(_("date de la décision"), null=True, blank=True)
    convention_date = models.DateField(_("date de la convention"), null=True, blank=True)
    start = models.DateField(_("début de la période"))
    end = models.DateField(_("fin de la période"))
    nature = models.CharField(_("nature"), max_length=10, choices=Nature.choices, default=Nature.CASH)
    payment_conditions = models.CharField(
        _("conditions de versement"),
        max_length=12,
        choices=PaymentConditions.choices,
        default=PaymentConditions.INSTALMENTS,
    )
    rae_id = models.CharField(
        _("identifiant RAE"),
        max_length=5,
        blank=True,
        help_text=_("Numéro de l'aide au Répertoire des aides aux entreprises, s'il y en a un."),
    )
    eu_notified = models.BooleanField(_("aide notifiée à la Commission européenne"), default=False)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    awarded_at = models.DateTimeField(_("attribuée le"), null=True, blank=True)
    # The beneficiary as it was when the grant was awarded: what the SCDL file publishes,
    # whatever the organisation's members change afterwards.
    beneficiary_name = models.CharField(
        _("bénéficiaire à l'attribution"), max_length=200, blank=True, editable=False
    )
    beneficiary_siret = models.CharField(
        _("SIRET à l'attribution"), max_length=14, blank=True, editable=False
    )
    beneficiary_rna = models.CharField(_("RNA à l'attribution"), max_length=10, blank=True, editable=False)

    class Meta:
        verbose_name = _("subvention")
        verbose_name_plural = _("subventions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="grant_period_in_order"),
        ]
        indexes = [models.Index(fields=["status", "convention_date"], name="grant_status_convention")]

    def __str__(self) -> str:
        return _("%(programme)s — %(organisation)s (%(amount)s €)") % {
            "programme": self.programme.name,
            "organisation": self.organisation.name,
            "amount": self.amount,
        }

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("La période se termine avant de commencer.")})
        if not self.is_draft and self.convention_date is None:
            raise ValidationError({"convention_date": CONVENTION_DATE_REQUIRED})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    BENEFICIARY_FIELDS = ["beneficiary_name", "beneficiary_siret", "beneficiary_rna"]

    def snapshot_beneficiary(self) -> None:
        """Keeps the beneficiary's name and identifiers as they are at the award."""
        organisation = self.organisation
        self.beneficiary_name = organisation.legal_name
        self.beneficiary_siret = organisation.siret
        self.beneficiary_rna = organisation.rna

    @property
    def is_awarded(self) -> bool:
        """Awarded and not closed: its reports are expected and its instalments paid."""
        return self.status == self.Status.AWARDED


class Instalment(models.Model):
    """A planned payment of a grant. It depends on the reports of the grant that are due
    on or before its planned date: it is blocked while one of them is late."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="instalments")
    planned_on = models.DateField(_("date prévue"))
    amount = models.DecimalField(
        _("montant (€)"), max_digits=12, decimal_places=2, validators=POSITIVE_AMOUNT
    )
    paid_on = models.DateField(_("versé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("versement")
        verbose_name_plural = _("versements")
        ordering = ["planned_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive")]

    def __str__(self) -> str:
        return _("Versement du %(date)s : %(amount)s €") % {"date": self.planned_on, "amount": self.amount}


class GrantIndicator(models.Model):
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="grant_indicators", verbose_name=_("indicateur")
    )
    baseline = models.DecimalField(_("valeur de départ"), max_digits=14, decimal_places=2)
    target = models.DecimalField(
        _("cible"), max_digits=14, decimal_places=2,
        help_text=_("Par an pour un indicateur dont les valeurs s'additionnent ; sinon, le niveau visé."),
    )  # fmt: skip
    periodicity = models.CharField(_("périodicité"), max_length=12, choices=Periodicity.choices)
    first_due = models.DateField(_("première échéance"))

    class Meta:
        verbose_name = _("indicateur suivi")
        verbose_name_plural = _("indicateurs suivis")
        ordering = ["grant", "indicator__name"]
        constraints = [models.UniqueConstraint(fields=["grant", "indicator"], name="one_indicator_per_grant")]

    def __str__(self) -> str:
        return f"{self.indicator} — {self.get_periodicity_display()}"

    def clean(self) -> None:
        grant = self.grant
        if self.first_due and grant.start and grant.end and not grant.start <= self.first_due <= grant.end:
            raise ValidationError(
                {"first_due": _("La première échéance doit tomber pendant la période de la subvention.")}
            )

    def periods(self) -> list[Period]:
        return periods(self.first_due, self.periodicity, self.grant.end)

    @property
    def period_target(self) -> Decimal:
        """The target of one period: a share of the yearly target for a flow, the level otherwise."""
        return self._per_period(self.target)

    @property
    def period_baseline(self) -> Decimal:
        """The baseline of one period, to set beside the period's target."""
        return self._per_period(self.baseline)

    def _per_period(self, yearly: Decimal) -> Decimal:
        if not self.indicator.cumulative:
            return yearly
        return (yearly * Periodicity(self.periodicity).months / 12).quantize(Decimal("0.01"))


# --- Reports -------------------------------------------------------------------------


class ReportState(models.TextChoices):
    """What a report shows. "late" is never stored: it is a due report past its due date,
    derived from the date whenever it is read (ReportQuerySet.with_state, Report.state)."""

    DUE = "due", _("à remettre")
    LATE = "late", _("en retard")
    SUBMITTED = "submitted", _("remis")
    VALIDATED = "validated", _("validé")
    CORRECTION_REQUESTED = "correction", _("correction demandée")


STORED_STATES = [(value, label) for value, label in ReportState.choices if value != ReportState.LATE]
# The organisation owes the value of a report in these states (late ones are stored as due).
AWAITED_STATES = (ReportState.DUE, ReportState.CORRECTION_REQUESTED)
# What a report is shown with: its indicator, its grant, and the grant's organisation and programme.
REPORT_RELATED = [
    "grant_indicator__indicator",
    "grant_indicator__grant__organisation",
    "grant_indicator__grant__programme",
]


class ReportQuerySet(models.QuerySet["Report"]):
    def awaited(self) -> "ReportQuerySet":
        """The reports whose value the organisation owes (Report.is_awaited)."""
        return self.filter(status__in=AWAITED_STATES)

    def late(self, today: date | None = None) -> "ReportQuerySet":
        return self.filter(status=ReportState.DUE, due_date__lt=today or timezone.localdate())

    def with_state(self, today: date | None = None) -> "ReportQuerySet":
        """Annotates `current_state`, late included, so that lists can filter and sort on it
        (not `state`: that is the property of a report)."""
        late = When(
            status=ReportState.DUE,
            due_date__lt=today or timezone.localdate(),
            then=Value(ReportState.LATE.value),
        )
        return self.annotate(current_state=Case(late, default=F("status"), output_field=models.CharField()))

    def in_state(self, state: str, today: date | None = None) -> "ReportQuerySet":
        """Reports in `state`, late included (derived from the due date, never stored)."""
        today = today or timezone.localdate()
        if state == ReportState.LATE:
            return self.late(today)
        if state == ReportState.DUE:
            return self.filter(status=ReportState.DUE, due_date__gte=today)
        return self.filter(status=state)

    def late_first(self, *then: str, today: date | None = None) -> "ReportQuerySet":
        late = When(status=ReportState.DUE, due_date__lt=today or timezone.localdate(), then=Value(0))
        return self.order_by(Case(late, default=Value(1)), *then)

    def for_user(self, user: User | AnonymousUser) -> "ReportQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(grant_indicator__grant__organisation__memberships__user=user)


def report_evidence_path(instance: "Report", filename: str) -> str:
    # The stored name never comes from the person who uploaded it.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    organisation_id = instance.grant_indicator.grant.organisation_id
    return f"indicator-reports/{organisation_id}/{uuid.uuid4().hex}.{extension[:8]}"


class Report(models.Model):
    """The value of one indicator for one reporting period."""

    grant_indicator = models.ForeignKey(GrantIndicator, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    due_date = models.DateField(_("échéance"))
    status = models.CharField(_("statut"), max_length=12, choices=STORED_STATES, default=ReportState.DUE)
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("commentaire"), max_length=3000, blank=True)
    evidence = models.FileField(
        _("justificatif"), upload_to=report_evidence_path, storage=private_storage, blank=True
    )
    evidence_name = models.CharField(_("nom du justificatif"), max_length=255, blank=True)
    evidence_type = models.CharField(max_length=120, blank=True)
    evidence_size = models.PositiveBigIntegerField(null=True, blank=True)
    staff_message = models.TextField(_("message de la Région"), blank=True)
    submitted_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("rapport d'indicateur")
        verbose_name_plural = _("rapports d'indicateurs")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grant_indicator", "due_date"], name="one_report_per_due_date"),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _label in STORED_STATES]),
                name="report_status_is_stored_state",
            ),
        ]
        # Late reports are those due before today and not yet submitted.
        indexes = [models.Index(fields=["status", "due_date"], name="report_status_due")]

    def __str__(self) -> str:
        return _("%(indicator)s, période du %(start)s au %(end)s") % {
            "indicator": self.grant_indicator.indicator.name,
            "start": self.period_start,
            "end": self.period_end,
        }

    @property
    def state(self) -> str:
        if self.status == ReportState.DUE and self.due_date < timezone.localdate():
            return ReportState.LATE
        return self.status

    def get_state_display(self) -> str:
        return str(ReportState(self.state).label)

    @property
    def is_late(self) -> bool:
        return self.state == ReportState.LATE

    @property
    def is_awaited(self) -> bool:
        """The organisation owes its value: due (late included), or sent back for correction."""
        return self.status in AWAITED_STATES

    @property
    def needs_correction(self) -> bool:
        return self.status == ReportState.CORRECTION_REQUESTED

    @property
    def awaits_review(self) -> bool:
        """Submitted: staff validate it or ask for a correction."""
        return self.status == ReportState.SUBMITTED

    @property
    def is_validated(self) -> bool:
        return self.status == ReportState.VALIDATED

    @property
    def has_begun(self) -> bool:
        """Its period has started: a value for it can be reported."""
        return self.period_start <= timezone.localdate()

    @property
    def can_be_reported(self) -> bool:
        """May the organisation file this report now: its value is awaited, the grant is
        awarded (not closed) and the period has begun."""
        return self.is_awaited and self.grant_indicator.grant.is_awarded and self.has_begun


class ReportReminder(ReminderBase):
    class Kind(models.TextChoices):
        BEFORE_15 = "before_15", _("15 jours avant l'échéance")
        BEFORE_3 = "before_3", _("3 jours avant l'échéance")
        AFTER_1 = "after_1", _("le lendemain de l'échéance manquée")
        ESCALATION_15 = "escalation_15", _("alerte à la Région 15 jours après l'échéance")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta(ReminderBase.Meta):
        verbose_name = _("rappel de rapport")
        verbose_name_plural = _("rappels de rapports")
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="one_reminder_per_report_kind")
        ]

    def __str__(self) -> str:
        return f"{self.report} — {self.get_kind_display()}"


# Days from the due date to each reminder.
REMINDER_OFFSETS = {
    ReportReminder.Kind.BEFORE_15: -15,
    ReportReminder.Kind.BEFORE_3: -3,
    ReportReminder.Kind.AFTER_1: 1,
    ReportReminder.Kind.ESCALATION_15: 15,
}


# --- Equity stakes ---------------------------------------------------------------------

# "%%": validators and constraints format their message with parameters.
STAKE_LIMIT_MESSAGE = _("La Région ne peut pas détenir plus de 20 %% du capital d'une SCIC.")


class EquityStake(models.Model):
    """The share of a SCIC's capital that the Region holds."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="region_stake", verbose_name=_("SCIC")
    )
    share = models.DecimalField(
        _("part du capital (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("20 % au plus."),
        validators=[
            MinValueValidator(Decimal("0.01"), _("La part détenue doit être positive.")),
            MaxValueValidator(MAX_SCIC_STAKE, STAKE_LIMIT_MESSAGE),
        ],
    )
    amount = models.DecimalField(
        _("montant souscrit (€)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01"), _("Le montant souscrit doit être positif."))],
    )  # fmt: skip
    acquired_on = models.DateField(_("date d'entrée au capital"))
    decision_reference = models.CharField(_("référence de la décision"), max_length=120, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("participation au capital d'une SCIC")
        verbose_name_plural = _("participations au capital de SCIC")
        ordering = ["organisation__legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=MAX_SCIC_STAKE),
                name="region_stake_at_most_20_percent",
                violation_error_message=STAKE_LIMIT_MESSAGE,
            )
        ]

    def __str__(self) -> str:
        return _("%(share)s %% de %(organisation)s") % {
            "share": self.share,
            "organisation": self.organisation,
        }

    def clean(self) -> None:
        if self.organisation_id and self.organisation.legal_form.code != "scic":
            raise ValidationError({"organisation": _("La Région n'entre qu'au capital des SCIC.")})
