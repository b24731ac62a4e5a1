"""The shared view helpers: a service's refusal lands on the form, next to its field."""

from django import forms

from core.domain import DomainError
from core.forms import apply_domain_error, run_service_on_form


class ReasonForm(forms.Form):
    reason = forms.CharField()


def test_apply_domain_error_names_the_field_the_rule_names():
    form = ReasonForm({"reason": "late"})
    form.is_valid()
    apply_domain_error(form, DomainError("Say more.", field="reason"))
    assert form.errors == {"reason": ["Say more."]}


def test_apply_domain_error_unknown_field_goes_to_the_top():
    form = ReasonForm({"reason": "late"})
    form.is_valid()
    apply_domain_error(form, DomainError("Choose an outcome.", field="outcome"))
    assert form.errors == {"__all__": ["Choose an outcome."]}
    assert form.non_field_errors() == ["Choose an outcome."]


def test_run_service_on_form_invalid_form_never_calls_the_service():
    calls = []
    form = ReasonForm({"reason": ""})
    assert run_service_on_form(form, calls.append) is False
    assert calls == []
    assert list(form.errors) == ["reason"]


def test_run_service_on_form_passes_cleaned_data_and_succeeds():
    calls = []
    form = ReasonForm({"reason": "  too busy  "})
    assert run_service_on_form(form, calls.append) is True
    assert calls == [{"reason": "too busy"}]
    assert form.errors == {}


def test_run_service_on_form_refusal_is_shown_on_the_form():
    def refuse(data):
        raise DomainError("Give the reason for reopening the review.", field="reason")

    form = ReasonForm({"reason": "x"})
    assert run_service_on_form(form, refuse) is False
    assert form.errors == {"reason": ["Give the reason for reopening the review."]}
