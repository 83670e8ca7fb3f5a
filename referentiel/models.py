"""The référentiel (versions, domains, criteria), assessments, evidence, peer
reviews and démarches de progrès (DESIGN §4)."""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from referentiel.scoring import AnswerValue
from solidaire.lib.storage import private_storage
from solidaire.models import Organisation, ReminderBase, User

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
MAX_LEVEL = 4


class ISO26000(models.TextChoices):
    """The seven core subjects of ISO 26000."""

    GOVERNANCE = "governance", _("gouvernance de l'organisation")
    HUMAN_RIGHTS = "human_rights", _("droits de l'Homme")
    LABOUR = "labour_practices", _("relations et conditions de travail")
    ENVIRONMENT = "environment", _("environnement")
    FAIR_OPERATING = "fair_operating_practices", _("loyauté des pratiques")
    CONSUMERS = "consumer_issues", _("questions relatives aux consommateurs")
    COMMUNITY = "community_involvement", _("communautés et développement local")


class Translated:
    """`name`, `question`… in the reader's language when an English text exists."""

    def translated(self, field: str) -> str:
        english: str = getattr(self, f"{field}_en", "") if get_language() == "en" else ""
        return english or getattr(self, field)

    # For templates, which cannot pass arguments.
    @property
    def display_name(self) -> str:
        return self.translated("name")

    @property
    def display_description(self) -> str:
        return self.translated("description")

    @property
    def display_question(self) -> str:
        return self.translated("question")

    @property
    def display_guidance(self) -> str:
        return self.translated("guidance")

    @property
    def display_title(self) -> str:
        return self.translated("title")

    @property
    def display_evidence_hint(self) -> str:
        return self.translated("evidence_hint")


class ReferentielQuerySet(models.QuerySet["Referentiel"]):
    def published(self) -> "ReferentielQuerySet":
        return self.exclude(published_at=None)

    def current(self) -> "Referentiel | None":
        return self.published().order_by("-version").first()


class Referentiel(Translated, models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    title_en = models.CharField(_("titre en anglais"), max_length=200, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    description_en = models.TextField(_("présentation en anglais"), blank=True)
    min_overall = models.DecimalField(
        _("score global minimal"), max_digits=5, decimal_places=2, default=Decimal(50), validators=PERCENT,
        help_text=_("En %, pour satisfaire au référentiel."),
    )  # fmt: skip
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReferentielQuerySet.as_manager()

    class Meta:
        verbose_name = _("version du référentiel")
        verbose_name_plural = _("versions du référentiel")
        ordering = ["-version"]

    def __str__(self) -> str:
        return _("Référentiel v%(version)s") % {"version": self.version}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Referentiel.objects.filter(pk=self.pk).exclude(published_at=None).exists():
            # Publishing itself goes through services.publish, which uses update().
            raise ValidationError(_("Une version publiée ne se modifie plus : créez une nouvelle version."))
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class FrozenWhenPublished(models.Model):
    """Domains and criteria of a published version cannot change."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._check_editable()
        return super().delete(*args, **kwargs)

    def _referentiel_id(self) -> int:
        raise NotImplementedError

    def _check_editable(self) -> None:
        if Referentiel.objects.filter(pk=self._referentiel_id()).exclude(published_at=None).exists():
            raise ValidationError(_("Une version publiée ne se modifie plus : créez une nouvelle version."))


class Domain(Translated, FrozenWhenPublished):
    referentiel = models.ForeignKey(Referentiel, on_delete=models.CASCADE, related_name="domains")
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    name = models.CharField(_("nom"), max_length=200)
    name_en = models.CharField(_("nom en anglais"), max_length=200, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    description_en = models.TextField(_("présentation en anglais"), blank=True)
    min_score = models.DecimalField(
        _("score minimal"), max_digits=5, decimal_places=2, default=Decimal(40), validators=PERCENT,
        help_text=_("En %, pour que le domaine soit satisfait."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")
        ordering = ["referentiel", "position"]
        constraints = [
            models.UniqueConstraint(fields=["referentiel", "code"], name="domain_code_per_version")
        ]

    def __str__(self) -> str:
        return self.translated("name")

    def _referentiel_id(self) -> int:
        return self.referentiel_id


class Criterion(Translated, FrozenWhenPublished):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("oui / non")
        LEVEL = "level", _("niveau de 0 à 4")
        NUMBER = "number", _("nombre")
        TEXT = "text", _("texte libre")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("plus c'est haut, mieux c'est")
        LOWER = "lower", _("plus c'est bas, mieux c'est")

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    question = models.TextField(_("question"))
    question_en = models.TextField(_("question en anglais"), blank=True)
    guidance = models.TextField(_("aide"), blank=True)
    guidance_en = models.TextField(_("aide en anglais"), blank=True)
    kind = models.CharField(_("type de réponse"), max_length=10, choices=Kind.choices)
    weight = models.DecimalField(
        _("poids"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    meets = models.DecimalField(
        _("seuil satisfaisant"), max_digits=12, decimal_places=2, null=True, blank=True,
        help_text=_("Oui/non : 1. Niveau : de 0 à 4. Nombre : la valeur à atteindre. Texte : vide."),
    )  # fmt: skip
    direction = models.CharField(
        _("sens"), max_length=10, choices=Direction.choices, default=Direction.HIGHER, blank=True
    )
    unit = models.CharField(_("unité"), max_length=40, blank=True)
    evidence_required = models.BooleanField(_("preuve obligatoire"), default=False)
    evidence_hint = models.CharField(_("preuve attendue"), max_length=300, blank=True)
    evidence_hint_en = models.CharField(_("preuve attendue en anglais"), max_length=300, blank=True)
    iso26000 = models.JSONField(_("questions centrales ISO 26000"), default=list, blank=True)

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["domain__position", "position"]
        constraints = [models.UniqueConstraint(fields=["domain", "code"], name="criterion_code_per_domain")]

    def __str__(self) -> str:
        return f"{self.code} — {self.translated('question')[:80]}"

    def _referentiel_id(self) -> int:
        return self.domain.referentiel_id

    def clean(self) -> None:
        unknown = set(self.iso26000 or []) - set(ISO26000.values)
        if unknown:
            raise ValidationError({"iso26000": _("Questions centrales inconnues : %(codes)s") % {
                "codes": ", ".join(sorted(unknown))}})  # fmt: skip
        if self.kind == self.Kind.LEVEL and self.meets is not None and not 0 <= self.meets <= MAX_LEVEL:
            raise ValidationError({"meets": _("Le niveau satisfaisant est compris entre 0 et 4.")})
        if self.kind == self.Kind.NUMBER and self.meets is None:
            raise ValidationError({"meets": _("Indiquez la valeur à atteindre.")})


# --- Assessments -----------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def for_user(self, user: User) -> "AssessmentQuerySet":
        return self.filter(organisation__memberships__user=user)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("en cours")
        COMPLETED = "completed", _("terminée")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assessments")
    referentiel = models.ForeignKey(Referentiel, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    current_position = models.PositiveSmallIntegerField(default=1, editable=False)
    result = models.JSONField(_("résultat"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("auto-évaluation")
        verbose_name_plural = _("auto-évaluations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Auto-évaluation de %(organisation)s (%(referentiel)s)") % {
            "organisation": self.organisation,
            "referentiel": self.referentiel,
        }

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    value_bool = models.BooleanField(null=True, blank=True)
    value_level = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_LEVEL)]
    )
    value_number = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value_text = models.TextField(blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="one_answer_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.value}"

    @property
    def value(self) -> AnswerValue:
        values: dict[str, AnswerValue] = {
            Criterion.Kind.YES_NO: self.value_bool,
            Criterion.Kind.LEVEL: self.value_level,
            Criterion.Kind.NUMBER: self.value_number,
            Criterion.Kind.TEXT: self.value_text or None,
        }
        return values[self.criterion.kind]


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name never comes from the person who uploaded it.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.assessment.organisation_id}/{uuid.uuid4().hex}.{extension[:8]}"


class Evidence(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    file = models.FileField(_("fichier"), upload_to=evidence_path, storage=private_storage)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


# --- Peer review -------------------------------------------------------------------------


class PeerReview(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("à faire")
        SUBMITTED = "submitted", _("rendue")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="peer_reviews"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    summary = models.TextField(_("synthèse"), blank=True)
    submitted_at = models.DateTimeField(_("rendue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("relecture par les pairs")
        verbose_name_plural = _("relectures par les pairs")
        ordering = ["assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "reviewer"], name="one_review_per_reviewer")
        ]

    def __str__(self) -> str:
        return _("Relecture de %(assessment)s par %(reviewer)s") % {
            "assessment": self.assessment,
            "reviewer": self.reviewer,
        }

    @property
    def is_submitted(self) -> bool:
        """Handed in: the reviewer's opinions no longer change."""
        return self.status == self.Status.SUBMITTED


class ReviewComment(models.Model):
    review = models.ForeignKey(PeerReview, on_delete=models.CASCADE, related_name="comments")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    agrees = models.BooleanField(_("d'accord avec la réponse"), null=True)
    comment = models.TextField(_("commentaire"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("avis sur un critère")
        verbose_name_plural = _("avis sur les critères")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_comment_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.agrees}"


class ReviewReply(models.Model):
    """The organisation's answer to a reviewer's comment; the exchange is kept whole."""

    comment = models.ForeignKey(ReviewComment, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("réponse"), max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réponse de l'organisation")
        verbose_name_plural = _("réponses de l'organisation")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


# --- Démarche de progrès --------------------------------------------------------------


class ProgressPlan(models.Model):
    class Origin(models.TextChoices):
        ASSEMBLY = "assembly", _("décision de l'assemblée")
        STAFF = "staff", _("proposée par la Région")

    class Status(models.TextChoices):
        DRAFT = "draft", _("en préparation")
        OPEN = "open", _("en cours")
        COMPLETED = "completed", _("achevée")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="progress_plans")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(_("origine"), max_length=10, choices=Origin.choices)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reference = models.CharField(_("référence de la décision"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("démarche de progrès")
        verbose_name_plural = _("démarches de progrès")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Démarche de progrès de %(organisation)s") % {"organisation": self.organisation}

    @property
    def is_draft(self) -> bool:
        """Staff still write its commitments; the organisation does not follow it yet."""
        return self.status == self.Status.DRAFT

    @property
    def is_completed(self) -> bool:
        """Every commitment is done: the organisation may apply again."""
        return self.status == self.Status.COMPLETED


class Commitment(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("à faire")
        IN_PROGRESS = "in_progress", _("en cours")
        DONE = "done", _("réalisé")

    plan = models.ForeignKey(ProgressPlan, on_delete=models.CASCADE, related_name="commitments")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("critère")
    )
    action = models.TextField(_("action"), max_length=2000)
    deadline = models.DateField(_("échéance"))
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.action[:80]

    @property
    def is_late(self) -> bool:
        return self.status != self.Status.DONE and self.deadline < timezone.localdate()


class CommitmentNote(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note d'avancement"), max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note d'avancement")
        verbose_name_plural = _("notes d'avancement")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class CommitmentReminder(ReminderBase):
    class Kind(models.TextChoices):
        BEFORE = "before_15", _("15 jours avant l'échéance")
        OVERDUE = "after_1", _("le lendemain de l'échéance manquée")

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)

    class Meta(ReminderBase.Meta):
        verbose_name = _("rappel d'engagement")
        verbose_name_plural = _("rappels d'engagement")
        constraints = [
            models.UniqueConstraint(fields=["commitment", "kind"], name="one_reminder_per_commitment_kind")
        ]

    def __str__(self) -> str:
        return f"{self.commitment} — {self.get_kind_display()}"
