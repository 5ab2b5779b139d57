"""FastSelect writes the same markup as Django's Select, escaped, without a template per option."""

from __future__ import annotations

from django import forms

from accounts.widgets import FastSelect


class _Form(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "---------"), ("a", "甲 <b>"), ("b&c", 'say "hi"')], widget=FastSelect, required=True
    )


def test_options_are_escaped_and_the_chosen_one_is_selected() -> None:
    html = str(_Form({"kind": "b&c"})["kind"])
    assert html.startswith('<select name="kind" required id="id_kind">')
    assert '<option value="a">甲 &lt;b&gt;</option>' in html
    assert '<option value="b&amp;c" selected>say &quot;hi&quot;</option>' in html
    assert html.count("selected") == 1


def test_an_unbound_form_selects_the_initial_value() -> None:
    html = str(_Form(initial={"kind": "a"})["kind"])
    assert '<option value="a" selected>' in html
    assert '<option value="">---------</option>' in html
