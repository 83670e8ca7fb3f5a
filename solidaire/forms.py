from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from solidaire.lib.images import ImageUploadField
from solidaire.lib.siret import normalise_siret, validate_siret
from solidaire.models import Commune, Invitation, Membership, Offer, Organisation, User
from solidaire.models.organisations import validate_rna

MAX_CHOICES_SHOWN = 8


class DecimalField(forms.DecimalField):
    """Django's DecimalField, which reads "NaN", "sNaN" or "Infinity" as numbers and refuses
    them only when validating: before that, a formset comparing "sNaN" with the initial value
    (has_changed) raises InvalidOperation, a server error. Here they are invalid at once."""

    # django-stubs ignores the same override: Django's DecimalField is an IntegerField.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        number = super().to_python(value)
        if number is not None and not number.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class WithinYears(forms.Field):
    """A date or date and time field limited to the years a person may mean: beyond them,
    the arithmetic that follows a date (a reminder 15 days before a deadline, midnight in
    Paris as UTC) leaves what Python's dates can hold, and an OverflowError was a server
    error. Such a date is a field error."""

    FIRST_YEAR, LAST_YEAR = 1900, 2999

    def to_python(self, value: Any) -> Any:
        moment = super().to_python(value)
        if moment is not None and not self.FIRST_YEAR <= moment.year <= self.LAST_YEAR:
            raise forms.ValidationError(
                _("Saisissez une date entre %(first)s et %(last)s."),
                code="out_of_range",
                params={"first": self.FIRST_YEAR, "last": self.LAST_YEAR},
            )
        return moment


class DateTimeField(WithinYears, forms.DateTimeField):
    """Midnight on 1 January of year 1 in Paris is before the first instant a datetime can
    hold in UTC: comparing it in the database (a constraint, a query) raised OverflowError."""


class DateField(WithinYears, forms.DateField):
    """A commitment due on 5 January of year 1 scheduled its first reminder 15 days
    earlier: OverflowError (found by tests/test_fuzzing.py)."""


# The ids a 64-bit integer column holds: a posted id beyond them reached SQLite as an
# OverflowError, a server error (found by tests/test_fuzzing.py).
ID_RANGE = range(-(2**63), 2**63)


def _beyond_any_id(field: forms.ModelChoiceField, value: object) -> bool:
    if field.queryset is None:
        return False
    meta = field.queryset.model._meta
    key_field = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    if not isinstance(key_field, models.IntegerField):
        return False
    try:
        return int(str(value).strip()) not in ID_RANGE
    except ValueError:
        return False  # not a number: Django's own check refuses it


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and _beyond_any_id(self, value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else []:
            if _beyond_any_id(self, item):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return super().clean(value)


def formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """The form field of a model field in the project's model forms: decimals are read and
    shown the way the page's language writes them ("62,5" in French); dates and times are
    limited to the years a person may mean; ids beyond any id are not a choice."""
    if isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", DecimalField)
        kwargs.setdefault("localize", True)
    elif isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", DateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", DateField)
    elif isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    elif isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", ModelChoiceField)
    return db_field.formfield(**kwargs)


class ModelFormMetaclass(forms.models.ModelFormMetaclass):
    """Gives every model form of the project, and those of modelform_factory and the
    formset factories, the form fields of `formfield` unless its Meta chooses others."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> type:
        meta = attrs.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(formfield)
        return super().__new__(mcs, name, bases, attrs)


class Form(forms.Form):
    # The CSS marks the fields of this class with an asterisk.
    required_css_class = "required"


class ModelForm(forms.ModelForm, metaclass=ModelFormMetaclass):
    required_css_class = "required"


class CommuneField(forms.CharField):
    """A commune typed as text: "Rennes", "Rennes (35000)", "35000" or an INSEE code.

    Browsers with JavaScript get suggestions as the person types; without it, an
    ambiguous answer comes back with the communes to choose from."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault(
            "help_text", _("Tapez le nom de la commune ou son code postal, par exemple « Rennes (35000) ».")
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"list": "commune-suggestions", "autocomplete": "off", "data-commune-input": ""}
        )

    def prepare_value(self, value: object) -> object:
        return str(value) if isinstance(value, Commune) else value

    def clean(self, value: object) -> Commune | None:
        text = super().clean(value)
        if not text:
            return None
        return self.resolve(text)

    def resolve(self, text: str) -> Commune:
        text = " ".join(text.split())
        name, postcode = text, ""
        if text.endswith(")") and "(" in text:
            name, _sep, rest = text.rpartition("(")
            name, postcode = name.strip(), rest.rstrip(")").strip()
        if len(text) == 5 and text.isdigit():
            by_insee = Commune.objects.filter(pk=text).first()
            if by_insee:
                return by_insee
            name, postcode = "", text
        candidates = Commune.objects.named(name) if name else Commune.objects.all()
        if postcode:
            candidates = candidates.filter(postcodes__icontains=f'"{postcode}"')
        matches = list(candidates.order_by("-population")[: MAX_CHOICES_SHOWN + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(
                _(
                    "Aucune commune ne correspond à « %(text)s ». "
                    "Vérifiez l'orthographe ou indiquez le code postal."
                )
                % {"text": text},
                code="unknown_commune",
            )
        shown = ", ".join(_("« %(commune)s »") % {"commune": m} for m in matches[:MAX_CHOICES_SHOWN])
        raise forms.ValidationError(
            _("Plusieurs communes correspondent à « %(text)s » : précisez, par exemple %(choices)s.")
            % {"text": text, "choices": shown},
            code="ambiguous_commune",
        )


class SiretField(forms.CharField):
    """Accepts the spaces people type ("732 829 320 00074") and keeps the 14 digits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, validators=[validate_siret], **kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> str:
        return normalise_siret(super().to_python(value) or "")


IDENTIFIERS_LOCKED = _(
    "Le SIRET et le numéro RNA d'une organisation référencée ne se changent que par l'équipe de la "
    "Région : écrivez-lui pour les faire corriger."
)


class RnaField(forms.CharField):
    """Accepts "w 352 001 234" and keeps "W352001234"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", Organisation._meta.get_field("rna").help_text)
        super().__init__(
            label=_("Numéro RNA"), max_length=20, required=False, validators=[validate_rna], **kwargs
        )
        self.widget.attrs.update({"autocomplete": "off"})

    def to_python(self, value: Any) -> str:
        return "".join((super().to_python(value) or "").split()).upper()


class OrganisationForm(ModelForm):
    siret = SiretField(label=_("SIRET"), help_text=_("14 chiffres, sur l'avis de situation Sirene."))
    rna = RnaField()
    commune = CommuneField(label=_("Commune"))
    logo = ImageUploadField(label=_("Logo"), required=False)

    class Meta:
        model = Organisation
        fields = [
            "legal_name",
            "usual_name",
            "siret",
            "rna",
            "legal_form",
            "sector",
            "address",
            "commune",
            "website",
            "contact_email",
            "contact_phone",
            "description",
            "logo",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "website": forms.URLInput(attrs={"autocomplete": "url"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["commune"] = str(self.instance.commune)
        if self.instance.pk and self.instance.identifiers_locked:
            # What is posted for a disabled field is ignored: the stored value stays.
            for name in ("siret", "rna"):
                self.fields[name].disabled = True
                self.fields[name].help_text = IDENTIFIERS_LOCKED


class IdentifiersForm(ModelForm):
    """Staff correct the SIRET or the RNA number of any organisation."""

    siret = SiretField(label=_("SIRET"), help_text=_("14 chiffres, sur l'avis de situation Sirene."))
    rna = RnaField()

    class Meta:
        model = Organisation
        fields = ["siret", "rna"]


class OfferForm(ModelForm):
    photo = ImageUploadField(label=_("Photo"), required=False)

    class Meta:
        model = Offer
        fields = ["kind", "category", "name", "description", "availability", "photo"]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
        }


class InvitationForm(ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]
        widgets = {"role": forms.RadioSelect}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        self.organisation = organisation
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = Membership.Role.EDITOR

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.organisation.memberships.filter(user__email__iexact=email).exists():
            raise forms.ValidationError(_("Cette personne est déjà membre de l'organisation."))
        return email


class SuspendForm(Form):
    reason = forms.CharField(
        label=_("Motif de la suspension"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Il est communiqué à l'organisation."),
    )


class AccountDeleteForm(Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce mot de passe n'est pas le bon."))
        return password


class MailRetryForm(Form):
    """Staff send a failed email again, to its address or to one they corrected."""

    email = forms.EmailField(label=_("Adresse"), max_length=254)
