"""Forms of the bid pages. They parse input only; every rule is in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vendors.models import Organisation


class StartBidForm(forms.Form):
    organisation: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Bid for organisation")
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bid document"),
        help_text=_("PDF, Word (DOCX), Excel (XLSX), JPG or PNG. The type is judged by the content."),
    )


class SubmitForm(forms.Form):
    price = forms.DecimalField(
        label=_("Price (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_(
            "Sealed on submission: nobody, not even the purchaser, can read it before the opening time."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I confirm this bid and its documents are final; the bid is sealed on submission."),
        required=True,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the bidder)"), widget=forms.Textarea(attrs={"rows": 2})
    )
