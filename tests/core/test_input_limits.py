"""Input at the edges: a date and time far outside the programme's years, a due date in the
past, a value the model refuses. Each gets a message next to its field, never a 500."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.forms import ClarificationRequestForm
from applications.models import Application
from awards.contractor_views import OpenSelectionForm
from core.domain import DomainError, clean_or_refuse
from core.forms import FIRST_YEAR, LAST_YEAR, BoundedDateTimeField
from projects.forms import CopyCallForm
from projects.models import Country
from reviews.forms import ManualAssignForm, ReviewSettingsForm

SEOUL = ZoneInfo("Asia/Seoul")
YEARS = f"Enter a date between the years {FIRST_YEAR} and {LAST_YEAR}."
EDGES = ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59", "2101-01-01T00:00"]


# --- The shared field ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", EDGES)
def test_a_year_outside_the_bounds_is_refused_in_seoul(typed):
    with timezone.override(SEOUL), pytest.raises(ValidationError) as exc:
        BoundedDateTimeField().clean(typed)
    assert exc.value.messages == [YEARS]
    assert exc.value.code == "year_out_of_range"


@pytest.mark.parametrize("typed", ["2000-01-01T00:00", "2100-12-31T23:59"])
def test_the_bounds_themselves_are_accepted_and_stored_as_utc(typed):
    with timezone.override(SEOUL):
        value = BoundedDateTimeField().clean(typed)
    assert value.astimezone(datetime.UTC).year in (1999, 2000, 2100)


def test_time_zone_given_reads_the_wall_clock_there_whatever_the_active_zone():
    field = BoundedDateTimeField(time_zone=SEOUL)
    with timezone.override(ZoneInfo("Europe/Paris")):
        value = field.clean("2026-07-01T09:00")
        assert value == datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.UTC)
        assert field.prepare_value(value).hour == 9


def test_future_refuses_a_time_already_past():
    field = BoundedDateTimeField(future=True)
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(ValidationError) as exc:
        field.clean(past)
    assert exc.value.messages == ["This date must be in the future."]
    later = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert field.clean(later) > timezone.now()


def test_empty_optional_field_is_none():
    assert BoundedDateTimeField(required=False, future=True).clean("") is None


# --- Every form with a date and time uses it -------------------------------------------------


def _forms(track):
    yield ClarificationRequestForm, {"sections": [("site", "Site")]}, ["due_at"]
    yield ReviewSettingsForm, {"instance": track}, ["review_deadline"]
    yield (
        ManualAssignForm,
        {"applications": Application.objects.none(), "reviewers": Application.objects.none()},
        ["due_at"],
    )
    yield CopyCallForm, {"two_stage": True}, ["opens_at", "closes_at", "concept_closes_at"]
    yield OpenSelectionForm, {}, ["opens_at", "closes_at"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_every_date_time_form_field_refuses_far_years_next_to_the_field(planning_track, typed):
    with timezone.override(SEOUL):
        for form_class, kwargs, fields in _forms(planning_track):
            form = form_class(dict.fromkeys(fields, typed), **kwargs)
            for name in fields:
                assert isinstance(form.fields[name], BoundedDateTimeField), (form_class, name)
                assert form.errors.get(name) == [YEARS], (form_class, name)


@pytest.mark.django_db
def test_due_dates_set_now_must_be_in_the_future(planning_track):
    yesterday = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    with timezone.override(SEOUL):
        for form_class, kwargs, fields in list(_forms(planning_track))[:3]:
            form = form_class({fields[0]: yesterday}, **kwargs)
            expected = (
                [] if form_class is ReviewSettingsForm else ["This date must be in the future."]
            )
            assert form.errors.get(fields[0], []) == expected, form_class


# --- A model's refusal names its field -------------------------------------------------------


@pytest.mark.django_db
def test_clean_or_refuse_names_the_first_field_refused():
    with pytest.raises(DomainError) as exc:
        clean_or_refuse(Country(code="MY", iso3="MYS", name="x" * 101, region="southeast_asia"))
    assert exc.value.field == "name"
    assert exc.value.code == "invalid"
    assert "at most 100 characters" in exc.value.message


@pytest.mark.django_db
def test_clean_or_refuse_leaves_a_rule_across_fields_at_the_top():
    with pytest.raises(DomainError) as exc:  # the code's format is a check constraint
        clean_or_refuse(Country(code="my", iso3="MYS", name="Malaysia", region="southeast_asia"))
    assert exc.value.field is None


@pytest.mark.django_db
def test_a_long_invited_reviewer_address_is_refused_next_to_the_email_field(
    planning_track, kind_staff
):
    from core.forms import apply_domain_error
    from reviews.services import invite_reviewer

    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".net"  # 310 characters
    with pytest.raises(DomainError) as exc:
        invite_reviewer(track=planning_track, email=email, actor=kind_staff)
    assert exc.value.field == "email"

    class InviteForm(forms.Form):
        email = forms.CharField()

    form = InviteForm({"email": email})
    assert form.is_valid()
    apply_domain_error(form, exc.value)
    assert form.errors["email"] and not form.non_field_errors()


@pytest.mark.django_db
def test_a_service_refuses_a_date_out_of_the_years_whatever_the_door():
    """``clean_or_refuse`` (every service's model check) refuses a date outside the years,
    next to its field: the back office's date widgets and the API do not use the forms'
    bounded field."""
    from core.domain import DomainError, clean_or_refuse
    from tests.factories import EventFactory

    event = EventFactory.build(starts_on=datetime.date(1, 1, 1))
    with pytest.raises(DomainError) as refused:
        clean_or_refuse(event, exclude=["city"])
    assert (refused.value.field, refused.value.code) == ("starts_on", "year_out_of_range")
    assert str(refused.value.message) == YEARS
