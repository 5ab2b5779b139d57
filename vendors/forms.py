"""Forms of the directory pages. They parse input only; every rule is in ``vendors.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendors.models import (
    CHECKLIST,
    DirectoryEntry,
    DocumentKind,
    Rating,
    ServiceCategory,
    validate_credit_code,
)
from vendors.selectors import active_categories

RATING_CHOICES = [("", _("Any rating")), *Rating.choices]
STATUS_CHOICES = [("", _("Any status")), *DirectoryEntry.Status.choices]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"


class CreditCodeField(forms.CharField):
    """A unified social credit code as people type it; cleaned to the canonical upper-case code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Unified social credit code"))
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_credit_code(value) if value else value


def _checked_upload(upload: Any) -> Any:
    if upload and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."))
    return upload


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        queryset=ServiceCategory.objects.all(), label=_("Service category"), required=False
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=RATING_CHOICES, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def filters(self) -> dict[str, Any]:
        """``vendors.selectors.version_entries`` keyword arguments (none if unbound or invalid): the
        directory page and its export (portal.exports) filter alike."""
        if not (self.is_bound and self.is_valid()):
            return {}
        cd = self.cleaned_data
        return {
            "search": cd["q"] or "",
            "category": cd["category"],
            "rating": cd["rating"],
            "status": cd["status"],
        }


class StartDraftForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EntryAddForm(forms.Form):
    credit_code = CreditCodeField()
    name = forms.CharField(
        label=_("Organisation name"),
        required=False,
        max_length=200,
        help_text=_("Only needed when the organisation is not registered on the platform yet."),
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=ServiceCategory.objects.none(),
        label=_("Service categories"),
        widget=forms.CheckboxSelectMultiple,
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=[("", _("None")), *Rating.choices], required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput)
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = active_categories()  # type: ignore[attr-defined]


class EntryEditForm(forms.Form):
    """Categories, rating and validity of an entry of the draft."""

    categories = forms.ModelMultipleChoiceField(
        queryset=ServiceCategory.objects.none(),
        label=_("Service categories"),
        widget=forms.CheckboxSelectMultiple,
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=[("", _("None")), *Rating.choices], required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput)

    def __init__(self, *args: Any, entry: DirectoryEntry, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "categories": [c.pk for c in entry.categories.all()],
                "rating": entry.rating,
                "valid_from": entry.valid_from,
                "valid_to": entry.valid_to,
            },
        )
        super().__init__(*args, **kwargs)
        # Active categories, plus any inactive one the entry still lists (so saving does not drop it).
        self.fields["categories"].queryset = ServiceCategory.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk__in=[c.pk for c in entry.categories.all()])
        )


class EntryStatusForm(forms.Form):
    """Suspend, revoke or reinstate: a reason (published with the entry) and the date it takes effect."""

    reason = forms.CharField(
        label=_("Reason (published with the entry)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)


class PublishForm(forms.Form):
    note = forms.CharField(
        label=_("Note published with the version"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I have checked the changes; once published, this version never changes."), required=True
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Directory file"),
        help_text=_(
            "Excel (.xlsx) or CSV (UTF-8 or GB18030) with the header row 统一社会信用代码, 组织名称, "
            "登记管理机关, 评估等级, 服务类别, 有效期起, 有效期止, 状态."
        ),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    publish = forms.BooleanField(label=_("Publish the version at once"), required=False)

    def clean_file(self) -> Any:
        return _checked_upload(self.cleaned_data["file"])


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    parent = forms.ModelChoiceField(
        queryset=ServiceCategory.objects.all(), label=_("Parent category"), required=False
    )
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: ServiceCategory | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": instance.code,
                "name": instance.name,
                "name_en": instance.name_en,
                "parent": instance.parent_id,
                "sort_order": instance.sort_order,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["parent"].queryset = ServiceCategory.objects.exclude(pk=instance.pk)  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    """The reviewer's checklist (DOMAIN.md), the decision and its reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve into the next draft version")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to reject; the applicant reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in CHECKLIST:
            self.fields[name] = forms.BooleanField(label=label, required=False)
        # Checklist first, then the decision.
        order = [name for name, _label in CHECKLIST] + ["decision", "reason", "valid_from", "valid_to"]
        self.order_fields(order)

    def checklist(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name, _label in CHECKLIST}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("State the reason; the applicant reads it."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimForm(forms.Form):
    credit_code = CreditCodeField(
        help_text=_("18 characters, as on the registration certificate (统一社会信用代码).")
    )
    name = forms.CharField(
        label=_("Organisation name"),
        required=False,
        max_length=200,
        help_text=_("Only needed when the organisation is not registered on the platform yet."),
    )
    message = forms.CharField(
        label=_("Message to the approver"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    certificate = forms.FileField(
        label=_("Registration certificate (登记证书)"),
        required=False,
        help_text=_("Required when nobody acts for the organisation on the platform yet."),
    )

    def clean_certificate(self) -> Any:
        return _checked_upload(self.cleaned_data.get("certificate"))


class OrganisationContactForm(forms.Form):
    """What an organisation's admin keeps up to date. Name, legal representative and registering
    authority come from the registration (and decide related bidders), so they are not here."""

    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the public profile."),
    )

    FIELDS = ("address", "contact_name", "contact_phone", "contact_email", "website", "description")


class ApplicationForm(forms.Form):
    categories = forms.ModelMultipleChoiceField(
        queryset=ServiceCategory.objects.none(),
        label=_("Service categories"),
        widget=forms.CheckboxSelectMultiple,
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=[("", _("None")), *Rating.choices], required=False)
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Services, staff and experience."),
    )
    registration_certificate = forms.FileField(label=DocumentKind.REGISTRATION_CERTIFICATE.label)
    annual_inspection = forms.FileField(label=DocumentKind.ANNUAL_INSPECTION.label)
    rating_certificate = forms.FileField(
        label=DocumentKind.RATING_CERTIFICATE.label,
        required=False,
        help_text=_("Required when you state a rating."),
    )
    financial_statements = forms.FileField(label=DocumentKind.FINANCIAL_STATEMENTS.label)

    DOCUMENT_FIELDS = (
        DocumentKind.REGISTRATION_CERTIFICATE,
        DocumentKind.ANNUAL_INSPECTION,
        DocumentKind.RATING_CERTIFICATE,
        DocumentKind.FINANCIAL_STATEMENTS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = active_categories()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind in self.DOCUMENT_FIELDS:
            upload = data.get(str(kind))
            if upload and upload.size > MAX_UPLOAD_BYTES:
                self.add_error(str(kind), _("The file is larger than 20 MB."))
        if (
            data.get("rating")
            and not data.get("rating_certificate")
            and "rating_certificate" not in self.errors
        ):
            self.add_error("rating_certificate", _("Upload the rating certificate for the rating you state."))
        return data

    def documents(self) -> list[tuple[str, Any]]:
        return [
            (str(kind), self.cleaned_data[str(kind)])
            for kind in self.DOCUMENT_FIELDS
            if self.cleaned_data.get(str(kind))
        ]
