from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import DEPARTMENT_ROLES, Department, Role, User


class SupplierSignupForm(forms.Form):
    """Extra fields on allauth's sign-up form: suppliers register themselves."""

    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def signup(self, request: Any, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.phone = self.cleaned_data.get("phone", "")
        user.role = Role.SUPPLIER
        user.save(update_fields=["full_name", "phone", "role"])


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in Role if r in DEPARTMENT_ROLES],
        initial=Role.PURCHASER,
    )
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())

    def __init__(self, *args: Any, site_admin: bool = False, **kwargs: Any) -> None:
        """A department administrator invites purchasers into its own department; the site
        administrator (no department) chooses the department and may invite every staff role."""
        super().__init__(*args, **kwargs)
        if not site_admin:
            del self.fields["department"]
            self.fields["role"].choices = [(Role.PURCHASER.value, Role.PURCHASER.label)]  # type: ignore[attr-defined]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
