from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from referentiel.models import Answer, Commitment, Criterion, Domain, PeerReview, Referentiel
from referentiel.scoring import AnswerValue
from solidaire.forms import DecimalField, Form, ModelForm
from solidaire.lib.documents import CheckedDocument, DocumentUploadField

YES_NO = [("1", _("Oui")), ("0", _("Non"))]
LEVELS = [
    (0, _("0 — pas du tout")),
    (1, _("1 — un peu")),
    (2, _("2 — en partie")),
    (3, _("3 — largement")),
    (4, _("4 — pleinement")),
]


def _yes_no(value: str) -> bool:
    return value == "1"


class DomainAnswersForm(Form):
    """The answers of one domain: per criterion a value, a comment and, where the
    criterion asks for it, a piece of evidence. Blank answers are allowed: the
    summary says what is still missing before finishing."""

    def __init__(self, *args: Any, domain: Domain, answers: dict[str, Answer], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels are questions or end with their own colon
        super().__init__(*args, **kwargs)
        self.domain = domain
        self.criteria = list(domain.criteria.all())
        for criterion in self.criteria:
            answer = answers.get(criterion.code)
            name = f"c{criterion.pk}"
            self.fields[name] = self._value_field(criterion)
            self.fields[f"{name}_comment"] = forms.CharField(
                label=_("Commentaire (facultatif)"),
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if criterion.evidence_required:
                self.fields[f"{name}_file"] = DocumentUploadField(
                    label=_("Ajouter une preuve : %(hint)s")
                    % {"hint": criterion.translated("evidence_hint")},
                    required=False,
                )
            if answer and not self.is_bound:
                self.initial[name] = self._initial(criterion, answer)
                self.initial[f"{name}_comment"] = answer.comment

    @staticmethod
    def _value_field(criterion: Criterion) -> forms.Field:
        label = criterion.translated("question")
        help_text = criterion.translated("guidance")
        kind = criterion.kind
        if kind == Criterion.Kind.YES_NO:
            return forms.TypedChoiceField(
                label=label, help_text=help_text, choices=YES_NO, coerce=_yes_no, empty_value=None,
                required=False, widget=forms.RadioSelect,
            )  # fmt: skip
        if kind == Criterion.Kind.LEVEL:
            return forms.TypedChoiceField(
                label=label, help_text=help_text, choices=LEVELS, coerce=int, empty_value=None,
                required=False, widget=forms.RadioSelect,
            )  # fmt: skip
        if kind == Criterion.Kind.NUMBER:
            unit = f" ({criterion.unit})" if criterion.unit else ""
            return DecimalField(
                label=f"{label}{unit}", help_text=help_text, required=False, max_digits=14, decimal_places=2,
                min_value=Decimal(0), localize=True,
            )  # fmt: skip
        return forms.CharField(
            label=label,
            help_text=help_text,
            required=False,
            max_length=3000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    @staticmethod
    def _initial(criterion: Criterion, answer: Answer) -> AnswerValue:
        value = answer.value
        if criterion.kind == Criterion.Kind.YES_NO and value is not None:
            return "1" if value else "0"
        return value

    def rows(self) -> list[dict]:
        """Each criterion with its bound fields, for the template."""
        rows = []
        for criterion in self.criteria:
            name = f"c{criterion.pk}"
            rows.append(
                {
                    "criterion": criterion,
                    "value": self[name],
                    "comment": self[f"{name}_comment"],
                    "file": self[f"{name}_file"] if f"{name}_file" in self.fields else None,
                }
            )
        return rows

    def values(self) -> dict[str, tuple[object, str]]:
        return {
            c.code: (self.cleaned_data[f"c{c.pk}"], self.cleaned_data[f"c{c.pk}_comment"])
            for c in self.criteria
        }

    def uploads(self) -> list[tuple[Criterion, CheckedDocument]]:
        return [
            (c, self.cleaned_data[f"c{c.pk}_file"])
            for c in self.criteria
            if self.cleaned_data.get(f"c{c.pk}_file")
        ]


class ReviewForm(Form):
    """A reviewer's opinion on each answer: agree or not, and a comment."""

    summary = forms.CharField(
        label=_("Synthèse de votre relecture"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que l'organisation fait bien, et ce qu'elle pourrait améliorer."),
    )

    def __init__(self, *args: Any, review: PeerReview, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        existing = {c.criterion_id: c for c in review.comments.all()}
        if not self.is_bound:
            self.initial["summary"] = review.summary
        for criterion in criteria:
            self.fields[f"agree_{criterion.pk}"] = forms.TypedChoiceField(
                label=_("Partagez-vous cette réponse ?"), choices=YES_NO, coerce=_yes_no, empty_value=None,
                required=False, widget=forms.RadioSelect,
            )  # fmt: skip
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Votre commentaire"), required=False, max_length=3000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )  # fmt: skip
            if criterion.pk in existing and not self.is_bound:
                agrees = existing[criterion.pk].agrees
                self.initial[f"agree_{criterion.pk}"] = None if agrees is None else ("1" if agrees else "0")
                self.initial[f"comment_{criterion.pk}"] = existing[criterion.pk].comment

    def rows_by_criterion(self) -> dict[int, dict]:
        return {
            c.pk: {"agree": self[f"agree_{c.pk}"], "comment": self[f"comment_{c.pk}"]} for c in self.criteria
        }

    def opinions(self) -> dict[int, tuple[bool | None, str]]:
        return {
            c.pk: (self.cleaned_data[f"agree_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }


class ReplyForm(Form):
    text = forms.CharField(
        label=_("Votre réponse"), max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignReviewerForm(Form):
    email = forms.EmailField(
        label=_("Adresse email du relecteur"),
        help_text=_("Un membre de l'assemblée ou d'une organisation référencée."),
        widget=forms.EmailInput(attrs={"list": "eligible-reviewers", "autocomplete": "off"}),
    )


class CommitmentUpdateForm(ModelForm):
    note = forms.CharField(
        label=_("Note d'avancement"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Commitment
        fields = ["status"]


class CommitmentForm(ModelForm):
    class Meta:
        model = Commitment
        fields = ["criterion", "action", "deadline"]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "action": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, referentiel: Referentiel | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criterion = cast(forms.ModelChoiceField, self.fields["criterion"])  # a foreign key's field
        criterion.queryset = Criterion.objects.filter(domain__referentiel=referentiel)


class ThresholdsForm(ModelForm):
    class Meta:
        model = Referentiel
        fields = ["title", "description", "min_overall"]


# edit_only: the thresholds of the version's domains, never a new domain (a longer form
# posted would otherwise create one without its référentiel, and fail in the database).
DomainThresholdFormSet = forms.modelformset_factory(
    Domain, fields=["name", "name_en", "min_score"], extra=0, form=ModelForm, edit_only=True
)


class CriterionForm(ModelForm):
    class Meta:
        model = Criterion
        fields = [
            "question", "question_en", "guidance", "guidance_en", "kind", "weight", "meets", "direction",
            "unit", "evidence_required", "evidence_hint", "evidence_hint_en",
        ]  # fmt: skip
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "question_en": forms.Textarea(attrs={"rows": 2}),
            "guidance": forms.Textarea(attrs={"rows": 3}),
            "guidance_en": forms.Textarea(attrs={"rows": 3}),
        }
