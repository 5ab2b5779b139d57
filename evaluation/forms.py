"""Input forms: they parse, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import EvaluatorOrganisation
from evaluation.indicator_tree import Node, weight_error_items
from evaluation.models import Aggregation, EvaluationKind, IndicatorKind, IndicatorTemplate
from evaluation.services.templates import IndicatorSpec

SCALE_CHOICES = [
    (5, _("5 · Very satisfied")),
    (4, _("4 · Satisfied")),
    (3, _("3 · So-so")),
    (2, _("2 · Not satisfied")),
    (1, _("1 · Very dissatisfied")),
]


class CommissionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationKind.choices, initial=EvaluationKind.FINAL)
    evaluator_organisation = forms.ModelChoiceField(
        label=_("Evaluator organisation"), queryset=EvaluatorOrganisation.objects.all()
    )
    template = forms.ModelChoiceField(
        label=_("Indicator system"), queryset=IndicatorTemplate.objects.filter(active=True)
    )
    aggregation = forms.ChoiceField(
        label=_("Combining several evaluators' scores"), choices=Aggregation.choices, initial=Aggregation.MEAN
    )
    due_date = forms.DateField(
        label=_("Report due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        standard = IndicatorTemplate.objects.filter(active=True, is_standard=True).first()
        if standard:
            self.fields["template"].initial = standard.pk


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("no", _("I declare that I have no relation to the evaluated organisation or its project.")),
            ("yes", _("I have a conflict of interest and will not take part.")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=_("Statement"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Conflict of interest of the organisation"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ScoreForm(forms.Form):
    value = forms.DecimalField(label=_("Score"), min_value=0, decimal_places=2, max_digits=5)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence (PDF, Word, Excel, JPG or PNG)"))


class TokenForm(forms.Form):
    count = forms.IntegerField(label=_("Number of survey links"), min_value=1, max_value=200, initial=20)


class SubmitForm(forms.Form):
    report = forms.CharField(label=_("Evaluation report"), widget=forms.Textarea(attrs={"rows": 8}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept and publish")), ("return", _("Return for revision"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Grounds of the appeal"), widget=forms.Textarea(attrs={"rows": 5}))


class AppealAnswerForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("no", _("Dismiss: the result stands")), ("yes", _("Uphold: reopen scoring"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))


class SuspensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the suspension")), ("reject", _("Reject the proposal"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SurveyForm(forms.Form):
    """The public questionnaire: plain words, large touch targets, four questions and a comment."""

    attitude = forms.TypedChoiceField(
        label=_("Were the staff friendly and respectful to you?"),
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    timeliness = forms.TypedChoiceField(
        label=_("Did you get help on time when you needed it?"),
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    effect = forms.TypedChoiceField(
        label=_("Has the service made your life better?"),
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    overall = forms.TypedChoiceField(
        label=_("All in all, how satisfied are you with the service?"),
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    version = forms.IntegerField(label=_("Version"), min_value=1, initial=1)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    copy_from = forms.ModelChoiceField(
        label=_("Start from a copy of"),
        queryset=IndicatorTemplate.objects.order_by("name", "-version"),
        required=False,
        empty_label=_("(an empty tree)"),
    )


class IndicatorRowForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    parent = forms.CharField(
        label=_("Parent code"), max_length=20, required=False, help_text=_("Empty for a top-level indicator.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    weight = forms.DecimalField(label=_("Weight"), max_digits=5, decimal_places=2)
    guidance = forms.CharField(
        label=_("Scoring guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(
        label=_("Scored on"), choices=IndicatorKind.choices, initial=IndicatorKind.EVIDENCE
    )


class BaseIndicatorFormSet(forms.BaseFormSet):
    """Checks the weight rule on the rows being edited and puts each breach on the field to fix
    (the service checks again; this is for the person at the form)."""

    def rows(self) -> list[dict[str, Any]]:
        return [
            f.cleaned_data
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("code")
        ]

    def clean(self) -> None:
        super().clean()
        if any(f.errors for f in self.forms):
            return
        forms_by_code = {
            f.cleaned_data["code"]: f
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("code")
        }
        nodes = [
            Node(r["code"], r.get("parent") or None, r["code"], r["name"], r["weight"]) for r in self.rows()
        ]
        problems = []
        for key, field_name, message in weight_error_items(nodes):
            form = forms_by_code.get(key) if key is not None else None
            if form is not None:
                form.add_error(field_name, message)
            else:
                problems.append(message)
        if problems:
            raise forms.ValidationError(problems)

    def specs(self) -> list[IndicatorSpec]:
        return [
            IndicatorSpec(
                code=r["code"],
                name=r["name"],
                weight=r["weight"],
                parent=r.get("parent") or None,
                name_en=r.get("name_en", ""),
                guidance=r.get("guidance", ""),
                kind=r.get("kind") or IndicatorKind.EVIDENCE,
            )
            for r in self.rows()
        ]


IndicatorFormSet = forms.formset_factory(
    IndicatorRowForm, formset=BaseIndicatorFormSet, extra=3, can_delete=True, max_num=200
)
