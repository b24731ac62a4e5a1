"""What every page does alike with a service's answer: a ``DomainError`` shown on the form,
next to the field it names.

Interfaces only: these helpers neither read nor write anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms

from core.domain import DomainError


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a refused change on the form: next to the field the rule names, if the form has
    it, otherwise at the top of the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def run_service_on_form(form: forms.BaseForm, service: Callable[[dict], object]) -> bool:
    """Validate a bound form and, if it is valid, call ``service`` with its cleaned data.

    True when the service ran; False when the form is invalid or the service refused with a
    ``DomainError``, which is then shown on the form. Sends no message and never redirects:
    the view decides what success looks like.
    """
    if not form.is_valid():
        return False
    try:
        service(form.cleaned_data)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return False
    return True
