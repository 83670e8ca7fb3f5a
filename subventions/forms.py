from django import forms
from django.utils.translation import gettext_lazy as _

from solidaire.forms import DecimalField, Form, ModelForm
from solidaire.lib.documents import DocumentUploadField
from solidaire.models import Organisation
from subventions.models import EquityStake


class EquityStakeForm(ModelForm):
    """The Region's share of a SCIC's capital. The model field's validator says the 20 %
    limit next to the field, before the database's check constraint would refuse the row;
    only SCICs are offered."""

    class Meta:
        model = EquityStake
        fields = ["organisation", "share", "amount", "acquired_on", "decision_reference"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        localized_fields = ["share", "amount"]  # "12,5" as people write it in French

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(legal_form__code="scic")


class ReportForm(Form):
    """What a member reports for one period; the evidence goes through the document checks."""

    value = DecimalField(label=_("Valeur"), max_digits=14, decimal_places=2, localize=True)
    comment = forms.CharField(label=_("Commentaire"), widget=forms.Textarea, max_length=3000, required=False)
    evidence = DocumentUploadField(label=_("Justificatif"), required=False)
