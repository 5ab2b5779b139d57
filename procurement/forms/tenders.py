"""Forms of the tender side. They parse input; the rules live in services and ``compliance``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import pagecache
from accounts.models import Department
from accounts.widgets import FastSelect
from procurement.models import ProcurementMethod, ScoringCriterion, Tender, TenderDocument, TenderStatus
from procurement.selectors.tenders import TenderFilters
from procurement.services.tenders import CriterionData, TenderData
from vendors.models import OrganisationKind, ServiceCategory

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _dt_field(label: Any, required: bool = False, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        help_text=help_text,
    )


class TenderForm(forms.ModelForm):
    """The draft's fields. Times are entered in Asia/Shanghai (the active time zone)."""

    admitted_kinds = forms.MultipleChoiceField(
        label=_("Admitted kinds of undertaker"),
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[OrganisationKind.SOCIAL_ORGANISATION],
        help_text=_("Social organisations must also be in the qualification directory for the category."),
    )
    documents_available_until = _dt_field(
        _("Tender documents available until"), help_text=_("At least 5 working days after publication.")
    )
    clarification_deadline = _dt_field(_("Deadline for questions"))
    bid_deadline = _dt_field(
        _("Bid deadline"),
        help_text=_("Server time, Asia/Shanghai. Public tender: at least 20 days after publication."),
    )
    opening_at = _dt_field(_("Bid opening time"), help_text=_("Leave empty to open at the bid deadline."))

    class Meta:
        model = Tender
        fields = [
            "title",
            "description",
            "category",
            "method",
            "budget",
            "deposit",
            "admitted_kinds",
            "qualification_conditions",
            "price_weight",
            "contract_term_months",
            "is_recurring",
            "recurring_reason",
            "documents_available_until",
            "clarification_deadline",
            "bid_deadline",
            "opening_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "qualification_conditions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ServiceCategory.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["method"].choices = ProcurementMethod.choices  # type: ignore[attr-defined]

    def to_data(self) -> TenderData:
        cd = self.cleaned_data
        return TenderData(
            title=cd["title"],
            description=cd["description"],
            category_id=cd["category"].pk,
            method=cd["method"],
            budget=cd["budget"],
            deposit=cd["deposit"] or Decimal("0"),
            admitted_kinds=list(cd["admitted_kinds"]),
            qualification_conditions=cd["qualification_conditions"],
            price_weight=cd["price_weight"],
            contract_term_months=cd["contract_term_months"],
            is_recurring=cd["is_recurring"],
            recurring_reason=cd["recurring_reason"],
            documents_available_until=cd["documents_available_until"],
            clarification_deadline=cd["clarification_deadline"],
            bid_deadline=cd["bid_deadline"],
            opening_at=cd["opening_at"],
        )


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Scoring factor"), max_length=200)
    max_points = forms.DecimalField(
        label=_("Maximum points"), max_digits=5, decimal_places=2, min_value=Decimal("0.01")
    )
    description = forms.CharField(label=_("Scoring guidance"), required=False, widget=forms.TextInput)
    kind = forms.ChoiceField(
        label=_("Scored by"),
        choices=ScoringCriterion.Kind.choices,
        initial=ScoringCriterion.Kind.COMMITTEE,
        required=False,  # absent: scored by the committee
    )
    neutral_share = forms.DecimalField(
        label=_("Share without a grade (per cent)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        initial=Decimal(60),
        required=False,
        help_text=_("Past performance only: the share of the points for a bidder with no recent grade."),
    )


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        kinds = [
            f.cleaned_data.get("kind")
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("name")
        ]
        if kinds.count(ScoringCriterion.Kind.PAST_PERFORMANCE) > 1:
            raise forms.ValidationError(_("A tender has at most one past-performance scoring factor."))


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=2, can_delete=True, max_num=30
)


def criteria_from_formset(formset: Any) -> list[CriterionData]:
    result = []
    for form in formset.forms:
        cd = getattr(form, "cleaned_data", None) or {}
        if not cd or cd.get("DELETE") or not cd.get("name"):
            continue
        share = cd.get("neutral_share")
        result.append(
            CriterionData(
                cd["name"],
                cd["max_points"],
                cd.get("description", ""),
                cd.get("kind") or ScoringCriterion.Kind.COMMITTEE,
                share if share is not None else Decimal(60),
            )
        )
    return result


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))
    replaces = forms.ModelChoiceField(
        label=_("Replaces"),
        queryset=TenderDocument.objects.none(),
        required=False,
        empty_label=_("(a new document)"),
    )

    def __init__(self, *args: Any, tender: Tender, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = tender.documents.filter(is_current=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cd = super().clean() or {}
        if not cd.get("title") and not cd.get("replaces") and cd.get("file"):
            cd["title"] = cd["file"].name
        return cd


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancellation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It is published."),
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer (published to everyone)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class AmendmentForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=200)
    text = forms.CharField(label=_("What changes"), widget=forms.Textarea(attrs={"rows": 6}))
    affects_bids = forms.BooleanField(
        label=_("Affects the preparation of bids"),
        required=False,
        initial=True,
        help_text=_("Less than 15 days before the deadline, such an amendment must move the deadline."),
    )
    new_bid_deadline = _dt_field(
        _("New bid deadline (and opening time)"), help_text=_("Leave empty to keep it.")
    )
    document_title = forms.CharField(label=_("Document title"), max_length=200, required=False)
    document = forms.FileField(label=_("New document or version"), required=False)
    replaces = forms.ModelChoiceField(
        label=_("Replaces"),
        queryset=TenderDocument.objects.none(),
        required=False,
        empty_label=_("(a new document)"),
    )

    def __init__(self, *args: Any, tender: Tender, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = tender.documents.filter(is_current=True)  # type: ignore[attr-defined]


def filter_choices() -> tuple[int, list[tuple[int, str]], list[tuple[int, str]]]:
    """Active categories and departments for the public filters, cached per language until public
    data changes: ``(generation, categories, departments)``, the page cache's generation they were
    read at. One cache round trip for the generation and the entry together."""
    key = f"tender-filter-choices:{get_language()}"
    found = cache.get_many([pagecache.GENERATION_KEY, key])
    current = int(found.get(pagecache.GENERATION_KEY) or 0)
    entry = found.get(key)
    if entry is None or entry[0] != current:
        entry = (
            current,
            [(c.pk, str(c)) for c in ServiceCategory.objects.filter(is_active=True)],
            [(d.pk, str(d)) for d in Department.objects.all()],
        )
        cache.set(key, entry, 300)
    return entry


class TenderFilterForm(forms.Form):
    """The public tender list's filters (also the tender export's). Category and department are ids."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, empty_value=None, required=False, widget=FastSelect
    )
    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int, empty_value=None, required=False, widget=FastSelect
    )
    method = forms.ChoiceField(label=_("Method"), required=False, widget=FastSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    deadline_from = forms.DateField(
        label=_("Deadline from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline_to = forms.DateField(
        label=_("Deadline to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The filters' HTML is cached per language, choice generation and query (tender_list.html).
        self.choices_generation, categories, departments = filter_choices()
        self.fields["category"].choices = [("", "---------"), *categories]  # type: ignore[attr-defined]
        self.fields["department"].choices = [("", "---------"), *departments]  # type: ignore[attr-defined]
        self.fields["method"].choices = [("", _("Any")), *ProcurementMethod.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            c for c in TenderStatus.choices if c[0] != TenderStatus.DRAFT
        ]

    def filters(self) -> TenderFilters:
        """The selector's filters from valid input (an unbound or invalid form filters nothing)."""
        if not (self.is_bound and self.is_valid()):
            return TenderFilters()
        cd = self.cleaned_data
        tz = timezone.get_current_timezone()
        return TenderFilters(
            category=cd.get("category"),
            department=cd.get("department"),
            method=cd.get("method") or "",
            status=cd.get("status") or "",
            deadline_from=dt.datetime.combine(cd["deadline_from"], dt.time.min, tz)
            if cd.get("deadline_from")
            else None,
            deadline_to=dt.datetime.combine(cd["deadline_to"], dt.time.max, tz)
            if cd.get("deadline_to")
            else None,
            q=(cd.get("q") or "").strip(),
        )
