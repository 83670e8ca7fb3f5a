"""Forms of the applications, of the staff (completeness, agenda, colleges, mandates,
sessions) and of the assembly members (the ballot and the declaration of a conflict of interest)."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from assemblee.models import Application, Choice, College, Mandate, Seat, Session
from assemblee.services import WEIGHT_TOTAL
from referentiel.models import Criterion
from solidaire.forms import Form, ModelForm
from solidaire.lib.documents import CheckedDocument, DocumentUploadField
from solidaire.models import User

# --- The organisation's application ----------------------------------------------------------


class EvidenceForm(Form):
    """One upload field per criterion whose required evidence is still missing."""

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = DocumentUploadField(
                label=f"{criterion.code} — {criterion.display_evidence_hint}",
                required=False,
            )

    def by_criterion(self) -> dict[int, forms.BoundField]:
        return {criterion.pk: self[f"c{criterion.pk}"] for criterion in self.criteria}

    def uploads(self) -> list[tuple[Criterion, CheckedDocument]]:
        return [
            (c, self.cleaned_data[f"c{c.pk}"]) for c in self.criteria if self.cleaned_data.get(f"c{c.pk}")
        ]


# --- Staff: completeness and agenda ---------------------------------------------------------


class SendBackForm(Form):
    message = forms.CharField(
        label=_("Ce qui manque"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Ce message est envoyé par email aux membres de l'organisation et affiché dans leur espace."
        ),
    )


def open_sessions() -> QuerySet[Session]:
    """Sessions that still take items: not closed, and whose vote has not ended."""
    return Session.objects.exclude(status=Session.Status.CLOSED).filter(closes_at__gt=timezone.now())


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Session) -> str:
        return _("%(title)s (clôture le %(date)s)") % {
            "title": obj.title,
            "date": date_format(timezone.localtime(obj.closes_at), "SHORT_DATETIME_FORMAT"),
        }


class AgendaForm(Form):
    session = SessionChoiceField(
        label=_("Séance"),
        queryset=Session.objects.none(),
        empty_label=_("Choisissez une séance"),
        error_messages={"invalid_choice": _("Choisissez une séance qui n'est pas close.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(SessionChoiceField, self.fields["session"]).queryset = open_sessions().order_by("opens_at")


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Application) -> str:
        return obj.organisation.name


class AddToAgendaForm(Form):
    application = ApplicationChoiceField(
        label=_("Candidature"),
        queryset=Application.objects.none(),
        empty_label=_("Choisissez une candidature"),
        error_messages={"invalid_choice": _("Choisissez une candidature qui attend l'ordre du jour.")},
    )

    def __init__(self, *args: Any, applications: QuerySet[Application], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ApplicationChoiceField, self.fields["application"]).queryset = applications


# --- Staff: colleges and mandates -----------------------------------------------------------


class BaseCollegeFormSet(forms.BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # each form says what is wrong first
        total, kept = Decimal(0), 0
        for form in self.forms:
            if not form.cleaned_data:
                continue  # an empty extra row
            if form.cleaned_data.get("DELETE"):
                self._check_deletable(form.instance)
                continue
            total += form.cleaned_data["weight"]
            kept += 1
        if total != WEIGHT_TOTAL:
            raise forms.ValidationError(
                _("Les poids des collèges font %(total)s au lieu de 100 : rien n'a été enregistré.")
                % {"total": format(total.normalize(), "f")},
                code="weights",
            )

    @staticmethod
    def _check_deletable(college: College) -> None:
        if college.pk and (college.mandates.exists() or Seat.objects.filter(college=college).exists()):
            raise forms.ValidationError(
                _("Le collège « %(name)s » a des mandats ou a siégé : il ne peut pas être supprimé.")
                % {"name": college.name},
                code="in_use",
            )


CollegeFormSet = forms.modelformset_factory(
    College,
    form=ModelForm,
    formset=BaseCollegeFormSet,
    fields=["name", "name_en", "weight", "seats", "position", "code"],
    localized_fields=["weight"],
    extra=1,
    can_delete=True,
)


class MandateForm(ModelForm):
    email = forms.EmailField(
        label=_("Adresse email du membre"),
        help_text=_("La personne doit déjà avoir un compte sur Solidaire."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Mandate
        fields = ["college", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    field_order = ["email", "college", "starts_on", "ends_on"]

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("Aucun compte n'utilise l'adresse %(email)s.") % {"email": email})
        return user

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user, starts, ends = cleaned.get("email"), cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("La fin du mandat doit suivre son début."))
        elif user and starts and ends:
            overlapping = Mandate.objects.filter(user=user, starts_on__lte=ends, ends_on__gte=starts).first()
            if overlapping:
                self.add_error(
                    None,
                    _("%(user)s détient déjà un mandat du %(start)s au %(end)s qui chevauche ces dates.")
                    % {
                        "user": user,
                        "start": date_format(overlapping.starts_on, "SHORT_DATE_FORMAT"),
                        "end": date_format(overlapping.ends_on, "SHORT_DATE_FORMAT"),
                    },
                )
        if user:
            self.instance.user = user
        return cleaned


# --- Staff: sessions ------------------------------------------------------------------------

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class SessionForm(ModelForm):
    class Meta:
        model = Session
        fields = [
            "title",
            "place",
            "online_url",
            "opens_at",
            "closes_at",
            "quorum_members",
            "quorum_colleges",
        ]
        localized_fields = ["quorum_members", "quorum_colleges"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        }

    def clean_quorum_members(self) -> Decimal:
        return _at_least(self.cleaned_data["quorum_members"], settings.ASSEMBLY_MIN_QUORUM_MEMBERS)

    def clean_quorum_colleges(self) -> Decimal:
        return _at_least(self.cleaned_data["quorum_colleges"], settings.ASSEMBLY_MIN_QUORUM_COLLEGES)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("La clôture du vote doit suivre son ouverture."))
        elif closes and closes <= timezone.now():
            self.add_error("closes_at", _("La clôture du vote doit être dans le futur."))
        if not (cleaned.get("place") or cleaned.get("online_url")) and not self.has_error("online_url"):
            self.add_error("place", _("Indiquez un lieu, ou le lien de la réunion en ligne."))
        return cleaned


def _at_least(value: Decimal, minimum: Decimal) -> Decimal:
    if value < minimum:
        raise forms.ValidationError(
            _("Le quorum ne peut pas être inférieur à %(minimum)s, le minimum fixé pour l'assemblée.")
            % {"minimum": formats.localize(minimum.normalize())},
            code="below_minimum",
        )
    return value


# --- Assembly members: the ballot and conflicts of interest ---------------------------------


class BallotForm(Form):
    choice = forms.ChoiceField(
        label=_("Votre vote"),
        choices=[(value, capfirst(label)) for value, label in Choice.choices],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez : admettre, démarche de progrès, refuser ou s'abstenir.")},
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        help_text=_("Il est conservé avec votre vote."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConflictForm(Form):
    reason = forms.CharField(
        label=_("Motif du conflit d'intérêts"),
        help_text=_(
            "Par exemple : « je siège au conseil de cette association ». Vous ne voterez pas sur ce point."
        ),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez le motif du conflit d'intérêts.")},
    )
