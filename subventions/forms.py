"""Forms of the subsidies pages and of the admin.

They check what a person can correct next to the field; the services check again and
remain the authority (eligibility, the sum of the instalments, the award)."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from referentiel.models import Criterion, Referentiel
from solidaire.forms import DateField, DecimalField, Form, ModelForm
from solidaire.lib.documents import DocumentUploadField
from solidaire.models import Organisation
from subventions import services
from subventions.models import (
    PURPOSE_TOO_LONG,
    CriterionRule,
    EquityStake,
    Grant,
    Indicator,
    Periodicity,
    Programme,
    ReportState,
)

if TYPE_CHECKING:  # django-stubs-ext, a development dependency: a str or a lazy translation
    from django_stubs_ext import StrOrPromise

DATE_WIDGET = {"type": "date"}
DATE_FORMAT = "%Y-%m-%d"
POSITIVE = {"min_value": _("Le montant doit être supérieur à zéro.")}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE_WIDGET, format=DATE_FORMAT)


class SpacedDecimalField(DecimalField):
    """Reads "24 000", "24 000,50" or "24000.50": people group thousands with spaces."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # as DecimalField's
        if isinstance(value, str):
            value = "".join(value.split())  # spaces, non-breaking ones included
        return super().to_python(value)


def amount_field(
    label: "StrOrPromise", *, max_digits: int = 12, required: bool = True, **extra: Any
) -> forms.DecimalField:
    """A decimal typed the French way ("1 200,50") or with a dot."""
    return SpacedDecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=2,
        localize=True,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **extra,
    )


# --- Programmes ----------------------------------------------------------------------------


class ProgrammeForm(ModelForm):
    slug = forms.SlugField(
        label=_("Identifiant dans les adresses"),
        max_length=80,
        required=False,
        help_text=_("Lettres sans accents, chiffres et tirets. Vide : tiré du nom."),
    )

    class Meta:
        model = Programme
        fields = ["name", "slug", "description", "budget", "status_rule", "min_overall", "indicators"]
        localized_fields = ["budget", "min_overall"]
        field_classes = {"budget": SpacedDecimalField, "min_overall": SpacedDecimalField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "status_rule": forms.RadioSelect,
            "indicators": forms.CheckboxSelectMultiple,
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or slugify(self.data.get(self.add_prefix("name"), ""))[:80]
        if slug and Programme.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Un autre dispositif utilise déjà l'identifiant « %(slug)s » : choisissez-en un autre.")
                % {"slug": slug}
            )
        return slug

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("slug") and not self.has_error("slug") and cleaned.get("name"):
            self.add_error("slug", _("Indiquez un identifiant fait de lettres, de chiffres et de tirets."))
        return cleaned


class CriterionRuleForm(ModelForm):
    class Meta:
        model = CriterionRule
        fields = ["criterion", "minimum"]
        localized_fields = ["minimum"]
        field_classes = {"minimum": SpacedDecimalField}

    def _post_clean(self) -> None:
        # CriterionRule.clean reads the criterion: without one, the field's error says it all.
        if self.cleaned_data.get("criterion") is None:
            return
        super()._post_clean()  # type: ignore[misc]  # a hook of ModelForm that django-stubs leaves out


class BaseCriterionRuleFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = Referentiel.objects.current()
        # The current référentiel's criteria, and those the programme's rules already name.
        queryset = (
            Criterion.objects.filter(Q(domain__referentiel=current) | Q(pk__in=self._ruled()))
            .exclude(kind=Criterion.Kind.TEXT)
            .select_related("domain__referentiel")
            .order_by("-domain__referentiel__version", "domain__position", "position")
        )
        for form in [*self.forms, self.empty_form]:
            cast(forms.ModelChoiceField, form.fields["criterion"]).queryset = queryset

    def _ruled(self) -> list[int]:
        if self.instance.pk is None:
            return []
        return list(self.instance.criterion_rules.values_list("criterion_id", flat=True))

    def clean(self) -> None:
        seen: set[int] = set()
        for form in self.forms:
            # _should_delete_form: a hook of BaseFormSet that django-stubs leaves out.
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            criterion = form.cleaned_data.get("criterion")
            if criterion is None:
                continue
            if criterion.pk in seen:
                form.add_error(
                    "criterion",
                    _("Le critère « %(code)s » a déjà une règle : une seule règle par critère.")
                    % {"code": criterion.code},
                )
            seen.add(criterion.pk)


CriterionRuleFormSet = forms.inlineformset_factory(
    Programme,
    CriterionRule,
    form=CriterionRuleForm,
    formset=BaseCriterionRuleFormSet,
    fields=["criterion", "minimum"],
    extra=2,
    can_delete=True,
)


# --- Grants --------------------------------------------------------------------------------


class GrantChoiceForm(Form):
    """Step 1 of drafting: which organisation, under which programme (a GET form)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("legal_name")
    )
    dispositif = forms.ModelChoiceField(label=_("Dispositif"), queryset=Programme.objects.all())


class GrantForm(ModelForm):
    """The grant's own fields. Never saved by the form: the view passes the cleaned data to
    services.draft_grant or services.update_grant, which audit the change."""

    amount = amount_field(_("Montant (€)"), min_value=Decimal("0.01"), error_messages=POSITIVE)

    class Meta:
        model = Grant
        fields = [
            "purpose",
            "amount",
            "decision_reference",
            "decision_date",
            "convention_date",
            "start",
            "end",
            "nature",
            "payment_conditions",
            "rae_id",
            "eu_notified",
        ]
        widgets = {
            "decision_date": date_input(),
            "convention_date": date_input(),
            "start": date_input(),
            "end": date_input(),
            "nature": forms.RadioSelect,
            "payment_conditions": forms.RadioSelect,
        }
        help_texts = {
            "decision_reference": _("Nécessaire pour attribuer la subvention, avec la date de la décision."),
            "convention_date": _("Nécessaire pour attribuer : la subvention est publiée avec cette date."),
        }
        error_messages = {"purpose": {"max_length": PURPOSE_TOO_LONG}}


class InstalmentForm(Form):
    """One planned payment; a row left empty is ignored."""

    planned_on = DateField(label=_("Date prévue"), required=False, widget=date_input())
    amount = amount_field(
        _("Montant (€)"), required=False, min_value=Decimal("0.01"), error_messages=POSITIVE
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        day, value = cleaned.get("planned_on"), cleaned.get("amount")
        if day and value is None and not self.has_error("amount"):
            self.add_error("amount", _("Indiquez le montant de ce versement."))
        if value is not None and day is None and not self.has_error("planned_on"):
            self.add_error("planned_on", _("Indiquez la date de ce versement."))
        return cleaned

    @property
    def planned(self) -> tuple[date, Decimal] | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("planned_on") and data.get("amount") is not None:
            return data["planned_on"], data["amount"]
        return None


class BaseInstalmentFormSet(forms.BaseFormSet):
    """The view sets `amount` (the grant's, once its form is valid): the instalments must
    add up to it, which services.instalment_problems says in words."""

    amount: Decimal | None = None

    def planned(self) -> list[tuple[date, Decimal]]:
        return [form.planned for form in self.forms if form.planned]

    def clean(self) -> None:
        if any(form.errors for form in self.forms) or self.amount is None:
            return
        problems = services.instalment_problems(self.amount, self.planned())
        if problems:
            raise forms.ValidationError(problems)


# formset_factory subclasses the formset it is given; django-stubs says a plain BaseFormSet.
InstalmentFormSet = cast(
    type[BaseInstalmentFormSet],
    forms.formset_factory(InstalmentForm, formset=BaseInstalmentFormSet, extra=3),
)


class GrantIndicatorForm(Form):
    """An indicator followed on the grant; a row left empty is ignored."""

    indicator = forms.ModelChoiceField(
        label=_("Indicateur"), queryset=Indicator.objects.all(), required=False
    )
    baseline = amount_field(_("Valeur de départ"), max_digits=14, required=False)
    # The page says what the target means (per year for a flow, the level otherwise).
    target = amount_field(_("Cible"), max_digits=14, required=False)
    periodicity = forms.ChoiceField(
        label=_("Périodicité"), choices=[("", "—"), *Periodicity.choices], required=False
    )
    first_due = DateField(label=_("Première échéance"), required=False, widget=date_input())

    REQUIRED = {
        "baseline": _("Indiquez la valeur de départ."),
        "target": _("Indiquez la cible."),
        "periodicity": _("Choisissez la périodicité."),
        "first_due": _("Indiquez la première échéance."),
    }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        filled = [name for name in self.fields if cleaned.get(name) not in (None, "")]
        if not filled:
            return cleaned
        if cleaned.get("indicator") is None and not self.has_error("indicator"):
            self.add_error("indicator", _("Choisissez l'indicateur suivi."))
        for name, message in self.REQUIRED.items():
            if cleaned.get(name) in (None, "") and not self.has_error(name):
                self.add_error(name, message)
        return cleaned

    @property
    def row(self) -> dict | None:
        data = getattr(self, "cleaned_data", {})
        # A row with an error is missing the fields it got wrong: the formset skips it.
        return dict(data) if data.get("indicator") and not self.errors else None


class BaseGrantIndicatorFormSet(forms.BaseFormSet):
    """The view sets `period` (the grant's start and end) and `followed` (the indicators
    already followed, when a draft is edited)."""

    period: tuple[date, date] | None = None
    followed: frozenset[int] = frozenset()

    def rows(self) -> list[dict]:
        return [form.row for form in self.forms if form.row]

    def clean(self) -> None:
        seen = set(self.followed)
        for form in self.forms:
            row = form.row
            if row is None:
                continue
            indicator = row["indicator"]
            if indicator.pk in seen:
                form.add_error(
                    "indicator",
                    _("L'indicateur « %(name)s » est déjà suivi pour cette subvention.")
                    % {"name": indicator.translated("name")},
                )
            seen.add(indicator.pk)
            if self.period and not self.period[0] <= row["first_due"] <= self.period[1]:
                form.add_error(
                    "first_due", _("La première échéance doit tomber pendant la période de la subvention.")
                )


GrantIndicatorFormSet = cast(
    type[BaseGrantIndicatorFormSet],
    forms.formset_factory(GrantIndicatorForm, formset=BaseGrantIndicatorFormSet, extra=2),
)


class ReportForm(Form):
    """What a member reports for one period; the evidence goes through the document checks."""

    value = DecimalField(label=_("Valeur"), max_digits=14, decimal_places=2, localize=True)
    comment = forms.CharField(label=_("Commentaire"), widget=forms.Textarea, max_length=3000, required=False)
    evidence = DocumentUploadField(label=_("Justificatif"), required=False)


class CorrectionForm(Form):
    message = forms.CharField(
        label=_("Ce qui doit être corrigé"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text=_("L'organisation reçoit ce message par email et le voit sur le formulaire du rapport."),
        error_messages={"required": _("Expliquez ce qui doit être corrigé.")},
    )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Expliquez ce qui doit être corrigé."))
        return message


# --- Dashboard and open data ---------------------------------------------------------------


class DashboardFilterForm(Form):
    """The dashboard's filters, in the query string; a value that is not one of the
    choices gets its message and is not applied."""

    dispositif = forms.ModelChoiceField(
        label=_("Dispositif"), queryset=Programme.objects.all(), required=False, empty_label=_("Tous")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(grants__isnull=False).distinct().order_by("legal_name"),
        required=False,
        empty_label=_("Toutes"),
    )
    etat = forms.ChoiceField(
        label=_("État du rapport"), choices=[("", _("Tous")), *ReportState.choices], required=False
    )
    indicateur = forms.ModelChoiceField(
        label=_("Indicateur"), queryset=Indicator.objects.all(), required=False, empty_label=_("Tous")
    )

    def filters(self) -> dict:
        """The valid filters: every field that was left empty or holds a wrong value is absent."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class YearForm(Form):
    annee = forms.TypedChoiceField(label=_("Année de la convention"), coerce=int, choices=[])

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["annee"]).choices = [(year, str(year)) for year in years]


# --- Equity stakes in SCICs ----------------------------------------------------------------


class EquityStakeForm(ModelForm):
    """The Region's share of a SCIC's capital. The model field's validator says the 20 %
    limit next to the field, before the database's check constraint would refuse the row;
    only SCICs are offered."""

    class Meta:
        model = EquityStake
        fields = ["organisation", "share", "amount", "acquired_on", "decision_reference"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        localized_fields = ["share", "amount"]  # "12,5" as people write it in French

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = cast(forms.ModelChoiceField, self.fields["organisation"])  # a foreign key's field
        organisation.queryset = Organisation.objects.filter(legal_form__code="scic")
