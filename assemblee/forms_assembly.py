"""The forms of the assembly members: the ballot and the declaration of a conflict of interest."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from assemblee.models import Choice
from solidaire.forms import Form


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
