"""Forms of the applicant's pages, one per section; writes go through applications.services."""

import uuid

from django import forms
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from applications import questions as q
from applications.models import Application, ConsortiumMember, Document, Question
from applications.selectors import site_cities
from core import uploads as documents
from core.bilingual import localized
from core.domain import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH
from core.forms import BoundedDateTimeField, DisplayNameChoiceField, TypedTextField
from core.kept_uploads import KeepsUploads
from core.templatetags.portal_format import krw
from projects.models import City, Country, Track
from projects.selectors import document_requirements

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


class CityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.country.display_name})"


class SiteSectionForm(SectionForm):
    country = DisplayNameChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name"), required=False
    )
    city = CityChoiceField(
        label=_("City"),
        # The listed cities and the application's own (__init__): never one another
        # organisation typed into its application.
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
        city_field.queryset = (
            site_cities(self.instance)
            .select_related("country")
            .order_by(*reading_order("country__"), *reading_order())
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


class DocumentUploadForm(KeepsUploads, forms.Form):
    """Upload or replace a document. A hidden field carries the optimistic lock
    (``services.upload_document``'s ``replaces``): the documents present when the page was
    built, as ``kind:public id`` (``kind:-`` for none) for every kind the form offers, so an
    upload never silently replaces a document that arrived since. ``cleaned_data["replaces"]``
    is the chosen kind's entry ("" for none, None when the form did not say)."""

    kind = forms.ChoiceField(label=_("Document"), choices=Document.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": documents.ACCEPT_ATTRIBUTE}),
    )
    seen_documents = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10_000)

    def __init__(self, *args, track: Track | None = None, present=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, DOCX, XLSX, PNG or JPEG; at most %(size)s.") % {
            "size": filesizeformat(documents.max_upload_size())
        }
        if track is not None:
            # The track's documents under the names its staff gave them, then the other kinds;
            # each document's formats and size are shown beside it and checked on upload.
            requirements = document_requirements(track)
            named = {r.kind: r.display_name for r in requirements}
            self.fields["kind"].choices = [(r.kind, r.display_name) for r in requirements] + [
                (kind, label) for kind, label in Document.Kind.choices if kind not in named
            ]
            self.fields["file"].help_text = _(
                "Each document's accepted formats and size are listed above."
            )
        if present is not None and not self.is_bound:  # the application's documents now
            self.initial["seen_documents"] = self._seen_value(present)

    def _seen_value(self, present) -> str:
        """``kind:public id`` of each kind the form offers (but "other", which never replaces),
        ``kind:-`` where none is present: never empty, so that "none" is said too."""
        ids = {d.kind: str(d.public_id) for d in present}
        return ",".join(
            f"{kind}:{ids.get(kind, '-')}"
            for kind, _label in self.fields["kind"].choices
            if kind != Document.Kind.OTHER
        )

    def now_seeing(self, present) -> None:
        """After an edit conflict: carry the documents as they are now (``present``), so that
        sending the form again replaces them on purpose."""
        data = self.data.copy()
        data[self.add_prefix("seen_documents")] = self._seen_value(present)
        self.data = data

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for entry in (cleaned.get("seen_documents") or "").split(","):
            kind, _sep, public_id = entry.strip().partition(":")
            if kind and public_id:
                seen[kind] = "" if public_id == "-" else public_id
        cleaned["replaces"] = seen.get(cleaned.get("kind"))
        return cleaned


class WithdrawForm(forms.Form):
    reason = TypedTextField(
        label=_("Why do you withdraw the application?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REASON_MAX_LENGTH,
    )


class ClarificationAnswerForm(forms.Form):
    response = TypedTextField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("Explain what you changed. The application then returns to the secretariat."),
    )


class ClarificationRequestForm(forms.Form):
    """Staff ask the applicant to change named sections."""

    message = TypedTextField(
        label=_("What needs clarifying"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("The applicant sees this message as written."),
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections to reopen"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these sections become editable for the applicant."),
    )
    due_at = BoundedDateTimeField(label=_("Answer due by (optional)"), required=False, future=True)

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(key, label) for key, label in sections]


# --- The track's questions (applications.questions) ------------------------------------------


class AnyChoiceField(forms.ChoiceField):
    """A choice whose value ``applications.questions.normalize`` checks (one message, one
    place), not the form field."""

    def validate(self, value):
        pass


class AnyMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value):
        pass


class TableWidget(forms.Widget):
    """A table question: a fixed grid of inputs, one row per possible row of the answer, one
    column per column of the question (``name_<row>_<column>``). Works without JavaScript."""

    def __init__(self, *, columns: list[dict], rows: int, attrs=None):
        super().__init__(attrs)
        self.columns, self.rows = columns, rows

    def value_from_datadict(self, data, files, name):
        return [
            {c["code"]: data.get(f"{name}_{i}_{c['code']}", "") for c in self.columns}
            for i in range(self.rows)
        ]

    def value_omitted_from_data(self, data, files, name):
        return False

    def id_for_label(self, id_):
        return f"{id_}_0_{self.columns[0]['code']}" if id_ and self.columns else id_

    def render(self, name, value, attrs=None, renderer=None):
        # Built here rather than from a template: the form renderer does not read the
        # project's template folders.
        rows = value if isinstance(value, list) else []
        attrs = self.build_attrs(self.attrs, attrs)
        base = attrs.get("id") or f"id_{name}"
        described = attrs.get("aria-describedby", "")
        head = format_html_join(
            "", '<th scope="col">{}</th>', ((c["label"],) for c in self.columns)
        )
        body = []
        for i in range(self.rows):
            row = rows[i] if i < len(rows) and isinstance(rows[i], dict) else {}
            cells = format_html_join(
                "",
                '<td><input type="text" name="{}" id="{}" value="{}" aria-label="{}"{}{}></td>',
                (
                    (
                        f"{name}_{i}_{c['code']}",
                        f"{base}_{i}_{c['code']}",
                        "" if row.get(c["code"]) is None else str(row.get(c["code"])),
                        gettext("%(column)s, row %(row)s") % {"column": c["label"], "row": i + 1},
                        mark_safe(' inputmode="decimal"') if c["type"] != q.SHORT_TEXT else "",
                        format_html(' aria-describedby="{}"', described) if described else "",
                    )
                    for c in self.columns
                ),
            )
            body.append(format_html("<tr>{}</tr>", cells))
        return format_html(
            '<div class="table-wrap"><table class="table question-table" id="{}">'
            "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>",
            f"{base}_table",
            head,
            mark_safe("".join(body)),
        )


class TableField(forms.Field):
    def to_python(self, value):
        return value if isinstance(value, list) else []


def _help(question) -> str:
    parts = [localized(question, "help_text")] if question.help_text else []
    return " ".join([*parts, *q.hints(question)])


def question_field(question, stored=None, own_cities=()) -> forms.Field:
    """The form field of a question, worded in the active language. Every field is optional
    here (a draft saves half done); ``normalize`` checks the value, and the submission asks for
    required answers (``selectors.question_problems``). ``stored`` is the saved answer: a city
    question offers the listed cities, the one saved and ``own_cities`` (the application's
    site), never a city another organisation typed into its application
    (``q.choosable_cities``, which ``q.normalize`` accepts)."""
    label = q.label(question)
    common = {"label": label, "required": False, "help_text": _help(question)}
    kind = question.type
    if kind == q.LONG_TEXT:
        # The browser stops at the limit (``maxlength``), counting a line break as one, as
        # ``normalize`` does; not the field's ``max_length``, which would count CRLF as two.
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 6, "maxlength": q.text_limit(question)}),
            strip=True,
            **common,
        )
    if kind == q.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == q.AMOUNT_KRW:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "numeric"}), **common)
    if kind == q.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == q.SINGLE_CHOICE:
        return AnyChoiceField(choices=q.options_of(question), widget=forms.RadioSelect, **common)
    if kind == q.MULTIPLE_CHOICE:
        return AnyMultipleChoiceField(
            choices=q.options_of(question), widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == q.YES_NO:
        return AnyChoiceField(
            choices=[("yes", gettext("Yes")), ("no", gettext("No"))],
            widget=forms.RadioSelect,
            **common,
        )
    if kind == q.COUNTRY:
        countries = Country.objects.order_by(*reading_order())
        return AnyChoiceField(
            choices=[("", "---------")] + [(c.code, c.display_name) for c in countries], **common
        )
    if kind == q.CITY:
        cities = (
            q.choosable_cities(stored, own_cities)
            .select_related("country")
            .order_by(*reading_order("country__"), *reading_order())
        )
        return AnyChoiceField(
            choices=[("", "---------")]
            + [(str(c.pk), f"{c.display_name} ({c.country.display_name})") for c in cities],
            **common,
        )
    if kind == q.TABLE:
        rows = int((question.constraints or {}).get("max_rows") or q.TABLE_MAX_ROWS)
        return TableField(
            widget=TableWidget(columns=q.columns_of(question), rows=min(rows, q.TABLE_MAX_ROWS)),
            **common,
        )
    if kind == q.SHORT_TEXT:
        return forms.CharField(
            widget=forms.TextInput(attrs={"maxlength": q.text_limit(question)}), **common
        )
    return forms.CharField(**common)


def question_initial(question, value):
    """A stored value as the form shows it."""
    if value is None:
        return None
    if question.type == q.YES_NO:
        return "yes" if value else "no"
    if question.type in (q.NUMBER, q.AMOUNT_KRW, q.CITY):
        return str(value)
    return value


def _show_value(expected) -> str:
    """The condition's value as the browser reads the controlling input."""
    if isinstance(expected, bool):
        return "yes" if expected else "no"
    return str(expected if expected is not None else "")


class QuestionsForm(forms.Form):
    """The track's questions as one section of the form, grouped by their sections.

    ``answers`` (after ``is_valid``) maps each question's code to its normalised value, hidden
    questions (condition not met) to None. Carries the same optimistic lock as
    ``SectionForm``."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, questions: list[Question], track_kind: str, stored=None, **kw):
        version = kw.pop("version", None)
        self.own_cities = list(kw.pop("own_cities", ()))
        super().__init__(*args, **kw)
        self.questions, self.track_kind = list(questions), track_kind
        self.stored = dict(stored or {})
        for question in self.questions:
            name = f"q_{question.code}"
            self.fields[name] = question_field(
                question, self.stored.get(question.code), self.own_cities
            )
            self.initial.setdefault(
                name, question_initial(question, self.stored.get(question.code))
            )
        if not self.is_bound:
            self.initial.setdefault("version", version)
            self.initial.setdefault("edit_token", uuid.uuid4().hex)

    def clean(self):
        cleaned = super().clean()
        values, errors = {}, {}
        for question in self.questions:
            name = f"q_{question.code}"
            try:
                values[question.code] = self._normalize(question, cleaned.get(name))
            except q.AnswerInvalid as exc:
                values[question.code], errors[question.code] = None, exc.message
        shown = q.visible_codes(
            self.questions,
            {code: value for code, value in values.items() if value is not None},
            track_kind=self.track_kind,
        )
        # An invalid answer to a question the other answers hide is no error: it is dropped.
        for code, message in errors.items():
            if code in shown:
                self.add_error(f"q_{code}", message)
        self.answers = {code: values[code] if code in shown else None for code in values}
        return cleaned

    def _normalize(self, question, raw):
        """``q.normalize`` with what this application may choose (a city question)."""
        return q.normalize(
            question, raw, stored=self.stored.get(question.code), own_cities=self.own_cities
        )

    def shown_codes(self) -> set[str]:
        """The questions shown now: from what was typed (bound) or what is stored."""
        if self.is_bound:
            values = {}
            for question in self.questions:
                try:
                    values[question.code] = self._normalize(
                        question, self[f"q_{question.code}"].value()
                    )
                except q.AnswerInvalid:
                    values[question.code] = None
        else:
            values = self.stored
        return q.visible_codes(
            self.questions,
            {code: value for code, value in values.items() if value is not None},
            track_kind=self.track_kind,
        )

    def groups(self) -> list[dict]:
        """The questions by section of the form, for the template: each item has its bound
        ``field``, ``question``, whether it is ``hidden`` now and what shows it (``show_if``,
        the controlling field's name, and ``show_value``), for questions.js."""
        shown = self.shown_codes()
        groups: list[dict] = []
        for question in self.questions:
            section = localized(question, "section")
            if not groups or groups[-1]["label"] != section:
                groups.append({"label": section, "items": []})
            condition = question.condition or {}
            groups[-1]["items"].append(
                {
                    "field": self[f"q_{question.code}"],
                    "question": question,
                    "required": question.required,
                    "hidden": question.code not in shown,
                    "show_if": self.add_prefix(f"q_{condition['question']}")
                    if condition.get("question")
                    else "",
                    "show_value": _show_value(condition.get("equals")),
                }
            )
        return groups


class QuestionDesignForm(forms.Form):
    """A question as staff design it, English and Korean side by side; options, constraints
    and the condition as plain inputs (``to_fields`` turns them into the model's JSON)."""

    code = forms.SlugField(
        label=_("Code"), max_length=50, help_text=_("Stable key, e.g. population.")
    )
    type = forms.ChoiceField(label=_("Type"), choices=Question.Type.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    identifying = forms.BooleanField(
        label=_("May identify the applicant"),
        required=False,
        help_text=_(
            "Answers that may name the applicant (an organisation, a person, a letter of "
            "support) are withheld from reviewers when the track's review is anonymised."
        ),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=Question.stage.field.choices,
        initial=Question.stage.field.default,
        help_text=_(
            "Asked in the concept note, or only in the full proposal of the shortlisted applicants."
        ),
    )
    label = forms.CharField(label=_("Question (English)"), max_length=500)
    label_ko = forms.CharField(label=_("Question (Korean)"), max_length=500, required=False)
    help_text = forms.CharField(
        label=_("Help (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_text_ko = forms.CharField(
        label=_("Help (Korean)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    section = forms.CharField(label=_("Section (English)"), max_length=120, required=False)
    section_ko = forms.CharField(label=_("Section (Korean)"), max_length=120, required=False)
    section_order = forms.IntegerField(label=_("Order of the section"), min_value=0, initial=0)
    order = forms.IntegerField(label=_("Order in the section"), min_value=0, initial=0)
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Choice questions: one option a line, as value | English | Korean."),
    )
    columns_text = forms.CharField(
        label=_("Table columns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Tables: one column a line, as code | type (short_text, number or amount_krw) | "
            "English | Korean."
        ),
    )
    min = forms.CharField(label=_("Minimum"), required=False, max_length=30)
    max = forms.CharField(label=_("Maximum"), required=False, max_length=30)
    unit = forms.CharField(label=_("Unit (English)"), required=False, max_length=40)
    unit_ko = forms.CharField(label=_("Unit (Korean)"), required=False, max_length=40)
    max_length = forms.IntegerField(label=_("Character limit"), required=False, min_value=1)
    max_words = forms.IntegerField(label=_("Word limit"), required=False, min_value=1)
    max_choices = forms.IntegerField(
        label=_("At most this many choices"), required=False, min_value=1
    )
    max_rows = forms.IntegerField(
        label=_("At most this many rows"), required=False, min_value=1, max_value=q.TABLE_MAX_ROWS
    )
    track_kinds = forms.MultipleChoiceField(
        label=_("Only on tracks of these kinds"),
        required=False,
        choices=Track.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to ask on every track of the form."),
    )
    show_if_question = forms.ChoiceField(label=_("Show only when the answer to"), required=False)
    show_if_value = forms.CharField(
        label=_("equals"),
        required=False,
        max_length=200,
        help_text=_("An option's value, or yes / no."),
    )
    call_wide = forms.BooleanField(
        label=_("Ask on every track of the call"),
        required=False,
        help_text=_("Programme admins only."),
    )

    # Where a refusal of the service about a model field is shown on this form.
    FIELD_OF = {"options": "options_text", "condition": "show_if_question"}

    def __init__(
        self, *args, other_codes=(), adding: bool = True, two_stage: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["max_length"].help_text = _(
            "Short and long texts: at most this many characters; without it, %(short)s for a "
            "short text and %(long)s for a long one. A line break counts as one."
        ) % {
            "short": number_format(q.SHORT_TEXT_MAX_LENGTH, force_grouping=True),
            "long": number_format(q.LONG_TEXT_MAX_LENGTH, force_grouping=True),
        }
        self.fields["show_if_question"].choices = [("", "---------")] + [
            (code, code) for code in other_codes
        ]
        if not adding:
            del self.fields["call_wide"]
        if not two_stage:  # a one-stage call asks every question at once
            del self.fields["stage"]

    @staticmethod
    def initial_from(question: Question) -> dict:
        constraints, condition = question.constraints or {}, question.condition or {}
        initial = {
            name: getattr(question, name)
            for name in (
                "code",
                "type",
                "required",
                "label",
                "label_ko",
                "help_text",
                "help_text_ko",
                "section",
                "section_ko",
                "section_order",
                "order",
                "stage",
                "identifying",
            )
        }
        initial["options_text"] = "\n".join(
            " | ".join([str(o.get("value", "")), o.get("label", ""), o.get("label_ko", "")])
            for o in question.options or []
        )
        initial["columns_text"] = "\n".join(
            " | ".join(
                [
                    str(c.get("code", "")),
                    c.get("type", ""),
                    c.get("label", ""),
                    c.get("label_ko", ""),
                ]
            )
            for c in constraints.get("columns") or []
        )
        for key in (
            "min",
            "max",
            "unit",
            "unit_ko",
            "max_length",
            "max_words",
            "max_choices",
            "max_rows",
        ):
            initial[key] = constraints.get(key, "")
        initial["track_kinds"] = condition.get("track_kinds") or []
        initial["show_if_question"] = condition.get("question", "")
        equals = condition.get("equals", "")
        initial["show_if_value"] = _show_value(equals) if equals != "" else ""
        return initial

    @staticmethod
    def _lines(text: str, size: int) -> list[list[str]]:
        rows = []
        for line in (text or "").splitlines():
            if line.strip():
                parts = [part.strip() for part in line.split("|")]
                rows.append((parts + [""] * size)[:size])
        return rows

    def to_fields(self) -> dict:
        """The service's keyword arguments (``QUESTION_FIELDS``) from the cleaned data."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "code",
                "type",
                "required",
                "label",
                "label_ko",
                "help_text",
                "help_text_ko",
                "section",
                "section_ko",
                "section_order",
                "order",
                "identifying",
            )
        }
        fields["options"] = [
            {"value": value, "label": label or value, "label_ko": label_ko}
            for value, label, label_ko in self._lines(data["options_text"], 3)
        ]
        constraints: dict = {}
        for key in ("min", "max", "unit", "unit_ko"):
            if data.get(key) not in (None, ""):
                constraints[key] = data[key].strip() if isinstance(data[key], str) else data[key]
        for key in ("min", "max"):
            if key in constraints and data["type"] != Question.Type.DATE:
                constraints[key] = _number_or_text(constraints[key])
        for key in ("max_length", "max_words", "max_choices", "max_rows"):
            if data.get(key):
                constraints[key] = data[key]
        columns = [
            {
                "code": code,
                "type": kind or q.SHORT_TEXT,
                "label": label or code,
                "label_ko": label_ko,
            }
            for code, kind, label, label_ko in self._lines(data["columns_text"], 4)
        ]
        if columns:
            constraints["columns"] = columns
        fields["constraints"] = constraints
        condition: dict = {}
        if data.get("track_kinds"):
            condition["track_kinds"] = list(data["track_kinds"])
        if data.get("show_if_question"):
            condition["question"] = data["show_if_question"]
            value = (data.get("show_if_value") or "").strip()
            condition["equals"] = {"yes": True, "no": False}.get(value.lower(), value)
        fields["condition"] = condition
        if "stage" in self.fields:
            fields["stage"] = data["stage"]
        return fields

    def field_for(self, model_field: str | None, question_type: str = "") -> str | None:
        """The input of this form where a refusal about ``model_field`` belongs."""
        if model_field == "constraints":
            return {
                q.SHORT_TEXT: "max_length",
                q.LONG_TEXT: "max_words",
                q.TABLE: "columns_text",
                q.MULTIPLE_CHOICE: "max_choices",
            }.get(question_type, "min")
        name = self.FIELD_OF.get(model_field, model_field)
        return name if name in self.fields else None


def _number_or_text(value: str):
    """A limit typed on the form: a number when it reads as one (the service checks it)."""
    text = str(value).replace(",", "")
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return value
