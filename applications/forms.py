"""Forms of the applicant's pages, one per section; writes go through applications.services."""

import uuid

from django import forms
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from applications.models import Application, ConsortiumMember, Document
from core import uploads as documents
from core.templatetags.portal_format import krw
from projects.models import City, Country, Track

# The deliverables each track kind may request.
DELIVERABLES_BY_TRACK = {
    Track.Kind.PLANNING: ("master_plan", "basic_plan", "feasibility_study", "other"),
    Track.Kind.SOLUTION_PLANNING: ("solution_plan", "feasibility_study", "other"),
    Track.Kind.DEMONSTRATION: ("demonstration",),
    Track.Kind.CONTRACTOR_SELECTION: ("other",),
}


class SectionForm(forms.ModelForm):
    """A section of the application; ``track`` tailors it.

    Two hidden fields carry the optimistic lock (``services.save_application_section``): the
    application's version the form was built from, and a token naming this open form, so its
    own autosave is never taken for someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, track: Track, **kwargs):
        self.track = track
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("version", self.instance.version)
            self.initial.setdefault("edit_token", uuid.uuid4().hex)

    def validate_unique(self):
        pass  # the submission service checks one-per-city with a clear message


class ApplicantSectionForm(SectionForm):
    class Meta:
        model = Application
        fields = ["contact_name", "contact_position", "contact_email", "contact_phone"]


def reading_order(path: str = "") -> list:
    """Order by the names the reader sees (``display_name``): while Korean is active, the
    Korean name where there is one (the English one otherwise), else the English name.
    ``path`` leads to the named model (``"country__"``)."""
    if (get_language() or "en").startswith("ko"):
        return [Coalesce(NullIf(f"{path}name_ko", Value("")), f"{path}name"), f"{path}name"]
    return [f"{path}name"]


class CountryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class CityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.country.display_name})"


class SiteSectionForm(SectionForm):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), required=False
    )
    city = CityChoiceField(
        label=_("City"),
        queryset=City.objects.select_related("country").order_by("country__name", "name"),
        required=False,
        help_text=_("Choose the city, or type its name below if it is not in the list."),
    )
    new_city_name = forms.CharField(
        label=_("City not in the list"),
        required=False,
        max_length=120,
        help_text=_("A new city of this name is added to the chosen country."),
    )

    class Meta:
        model = Application
        fields = ["country", "city", "site_area_km2", "site_population", "site_description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Ordered when the form is built, in the language of the request that shows it.
        country_field, city_field = self.fields["country"], self.fields["city"]
        country_field.queryset = country_field.queryset.order_by(*reading_order())
        city_field.queryset = city_field.queryset.order_by(
            *reading_order("country__"), *reading_order()
        )
        # Offer the cities of the chosen (or saved) country; before a country is known, all.
        country_id = self.data.get(self.add_prefix("country")) if self.is_bound else None
        country_id = country_id or self.instance.country_id
        if country_id and str(country_id).isdigit():
            self.fields["city"].queryset = self.fields["city"].queryset.filter(
                country_id=int(country_id)
            )

    def clean_site_area_km2(self):
        value = self.cleaned_data.get("site_area_km2")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("The area must be greater than 0."), code="min")
        return value

    def clean(self):
        cleaned = super().clean()
        country, city = cleaned.get("country"), cleaned.get("city")
        if cleaned.get("new_city_name") and not country:
            self.add_error("country", _("Choose the country of the new city."))
        elif city and country and city.country_id != country.pk:
            self.add_error(
                "city",
                _("%(city)s is not in %(country)s.")
                % {"city": city.display_name, "country": country.display_name},
            )
        return cleaned


class ProjectSectionForm(SectionForm):
    class Meta:
        model = Application
        fields = ["title", "summary", "objectives", "outputs", "requested_deliverable"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = DELIVERABLES_BY_TRACK.get(self.track.kind, ())
        self.fields["requested_deliverable"].choices = [("", "---------")] + [
            (value, label) for value, label in Application.Deliverable.choices if value in allowed
        ]


class ReadinessSectionForm(SectionForm):
    class Meta:
        model = Application
        fields = [
            "existing_plans",
            "land_status",
            "budget_lines",
            "prior_consultation",
            "prior_consultation_details",
        ]
        help_texts = {
            "existing_plans": _("Urban or smart-city plans the project builds on."),
            "land_status": _("Is the land for the project available and owned by whom?"),
            "budget_lines": _("Local budget already set aside for the project or its follow-up."),
        }


class BudgetSectionForm(SectionForm):
    class Meta:
        model = Application
        fields = ["budget_requested", "co_financing", "co_financing_description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        floor, ceiling = self.track.budget_floor, self.track.budget_ceiling
        if floor == ceiling:  # a fixed amount (the demonstration track): no range to state
            help_text = _("In Korean won: %(amount)s for this track.") % {"amount": krw(floor)}
        else:
            help_text = _("In Korean won, between %(floor)s and %(ceiling)s for this track.") % {
                "floor": krw(floor),
                "ceiling": krw(ceiling),
            }
        self.fields["budget_requested"].help_text = help_text
        self.fields["co_financing"].required = False

    def clean_budget_requested(self):
        value = self.cleaned_data.get("budget_requested")
        floor, ceiling = self.track.budget_floor, self.track.budget_ceiling
        if value is None or floor <= value <= ceiling:
            return value
        if floor == ceiling:
            message = _("The amount for this track is %(amount)s.") % {"amount": krw(floor)}
        else:
            message = _("The amount must be between %(floor)s and %(ceiling)s.") % {
                "floor": krw(floor),
                "ceiling": krw(ceiling),
            }
        raise forms.ValidationError(message, code="range")

    def clean_co_financing(self):
        return self.cleaned_data.get("co_financing") or 0


class PrioritySectionForm(SectionForm):
    class Meta:
        model = Application
        fields = ["country_priority_rank"]
        help_texts = {
            "country_priority_rank": _(
                "If your country sends several proposals, rank them: 1 is the first priority."
            )
        }

    def clean_country_priority_rank(self):
        value = self.cleaned_data.get("country_priority_rank")
        if value is not None and value < 1:
            raise forms.ValidationError(_("The rank starts at 1."), code="min")
        return value


SECTION_FORMS = {
    "applicant": ApplicantSectionForm,
    "site": SiteSectionForm,
    "project": ProjectSectionForm,
    "readiness": ReadinessSectionForm,
    "budget": BudgetSectionForm,
    "priority": PrioritySectionForm,
}


class ConsortiumMemberForm(forms.ModelForm):
    class Meta:
        model = ConsortiumMember
        fields = ["name", "kind", "role", "country_code", "email_domain"]
        help_texts = {"country_code": _("Two-letter ISO code, e.g. KR or TH.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            c for c in self.fields["kind"].choices if c[0] != Organization.Kind.KOREAN_AGENCY
        ]

    def validate_unique(self):
        pass


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=Document.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": documents.ACCEPT_ATTRIBUTE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, DOCX, XLSX, PNG or JPEG; at most %(size)s.") % {
            "size": filesizeformat(documents.max_upload_size())
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the application?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class ClarificationAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Explain what you changed. The application then returns to the secretariat."),
    )


class ClarificationRequestForm(forms.Form):
    """Staff ask the applicant to change named sections."""

    message = forms.CharField(
        label=_("What needs clarifying"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The applicant sees this message as written."),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections to reopen"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these sections become editable for the applicant."),
    )
    due_at = forms.DateTimeField(
        label=_("Answer due by (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(key, label) for key, label in sections]
