"""Forms of the review work: interfaces only; the services hold the rules."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ReviewerProfile
from core.domain import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, DomainError
from core.forms import BoundedDateTimeField, IdsMultipleChoiceField, TypedTextField
from core.kept_uploads import KeepsUploads
from projects.models import Track
from reviews import committee_import
from reviews.models import Assignment, ConflictDeclaration, Criterion
from reviews.services import compute_total, format_points, validate_points

DECLARABLE_KINDS = [
    (k.value, k.label)
    for k in ConflictDeclaration.Kind
    if k
    not in (
        ConflictDeclaration.Kind.NONE,
        ConflictDeclaration.Kind.SAME_ORGANISATION,
        ConflictDeclaration.Kind.SAME_EMAIL_DOMAIN,
        ConflictDeclaration.Kind.RECENT_COMPANY,
    )
]


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = Criterion.EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_ko": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        errors = Criterion.value_errors(
            max_points=data.get("max_points"),
            weight=data.get("weight"),
            threshold=data.get("threshold"),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class ReviewSettingsForm(forms.ModelForm):
    review_deadline = BoundedDateTimeField(
        label=_("Review deadline (Korea Standard Time)"), required=False
    )

    class Meta:
        model = Track
        fields = [
            "review_deadline",
            "min_reviewers",
            "max_reviewer_load",
            "min_justification_length",
            "overall_threshold",
            "spread_threshold",
        ]

    def clean_min_reviewers(self):
        value = self.cleaned_data["min_reviewers"]
        if value is not None and value < 1:
            raise forms.ValidationError(_("At least one reviewer per application."))
        return value

    def clean_max_reviewer_load(self):
        value = self.cleaned_data["max_reviewer_load"]
        if value is not None and value < 1:
            raise forms.ValidationError(
                _("A reviewer must be able to take at least one application.")
            )
        return value

    def clean_overall_threshold(self):
        value = self.cleaned_data["overall_threshold"]
        if value is not None and not (0 <= value <= 100):
            raise forms.ValidationError(_("Give a threshold between 0 and 100 points."))
        return value


class InviteReviewerForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class InvitationFileForm(KeepsUploads, forms.Form):
    """The committee page's "Import invitations from a file": the file, read and refused next
    to the field by ``committee_import.read_invitation_file``; its rows in ``self.rows``. Its
    only field is the file, so there is nothing else whose error would make it be kept; it is
    a ``KeepsUploads`` form like every form with a file (tests/core/test_kept_uploads.py)."""

    file = forms.FileField(
        label=_("File with e-mail addresses and names"),
        widget=forms.ClearableFileInput(attrs={"accept": committee_import.ACCEPT_ATTRIBUTE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = committee_import.limits_help()
        self.rows: list[committee_import.ImportRow] = []

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            self.rows = committee_import.read_invitation_file(uploaded)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return uploaded


class ReviewerProfileForm(forms.ModelForm):
    expertise = forms.MultipleChoiceField(
        label=_("Expertise areas"),
        choices=ReviewerProfile.Expertise.choices,
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )

    class Meta:
        model = ReviewerProfile
        fields = ["affiliation", "employer", "country_code", "expertise", "recent_companies"]
        widgets = {"recent_companies": forms.Textarea(attrs={"rows": 4})}


class InterestDeclarationForm(forms.Form):
    interests = forms.CharField(
        label=_("Declared interests"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Positions, shareholdings, consultancies and clients that could matter. "
            "Write “none” if you have nothing to declare."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm this declaration is complete and I will declare any conflict with an "
            "application before reading it."
        ),
        required=True,
    )


class ConflictDeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this application?"),
        choices=[
            ("no", _("No, I have no conflict of interest")),
            ("yes", _("Yes, I have a conflict of interest")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind of conflict"),
        choices=[("", "—"), *DECLARABLE_KINDS],
        required=False,
    )
    details = forms.CharField(
        label=_("Details (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("has_conflict") and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of conflict."))
        return data


class LateConflictForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of conflict"), choices=[("", "—"), *DECLARABLE_KINDS])
    details = forms.CharField(
        label=_("Details (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=Assignment.DeclineReason.choices, widget=forms.RadioSelect
    )
    note = TypedTextField(
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
    )


class ReopenForm(forms.Form):
    reason = TypedTextField(
        label=_("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
    )


class ScoreForm(forms.Form):
    """One field pair per criterion (points, justification) plus the overall judgement.

    The form only reads what was typed (a number within the criterion's range); whether a review
    is complete enough to submit is ``services.submit_review``'s rule, whose ``ReviewInvalid``
    errors the view puts next to the same fields. The values typed stay in the form.
    """

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        choices=[("", "—"), *Assignment.Recommendation.choices],
        required=False,
    )
    confidence = forms.TypedChoiceField(
        label=_("Your confidence in this review"),
        choices=[("", "—"), *Assignment.Confidence.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    overall_comment = forms.CharField(
        label=_("Overall comment (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    # The draft this form was built from (services.scoring: a save on an older one is refused).
    draft_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, criteria, min_length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.min_length = min_length
        fields = {}
        for criterion in self.criteria:
            fields[f"points_{criterion.pk}"] = forms.CharField(
                label=_("Points for “%(name)s” (0–%(max)s)")
                % {"name": criterion.display_name, "max": format_points(criterion.max_points)},
                required=False,
                widget=forms.NumberInput(
                    attrs={
                        "min": "0",
                        "max": str(criterion.max_points),
                        "step": "0.5",
                        "inputmode": "decimal",
                        # static/js/scoring.js adds the points up as the reviewer types.
                        "data-score-points": "",
                        "data-weight": str(criterion.weight),
                    }
                ),
            )
            fields[f"justification_{criterion.pk}"] = forms.CharField(
                label=_("Justification for “%(name)s”") % {"name": criterion.display_name},
                help_text=_("At least %(min)s characters.") % {"min": min_length},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # Criteria first, in their order; the overall judgement after them.
        self.fields = {**fields, **self.fields}

    def criterion_rows(self):
        return [(c, self[f"points_{c.pk}"], self[f"justification_{c.pk}"]) for c in self.criteria]

    def running_total(self) -> str:
        """The total on 100 of the points typed so far (a blank or unreadable one, or one
        outside the criterion's 0..max, counts 0: an absurd number such as 1e999999 would
        otherwise overflow the sum), by ``services.compute_total`` over every criterion: what
        the page shows on load and what static/js/scoring.js recomputes as the reviewer types."""
        points = []
        for criterion in self.criteria:
            raw = self[f"points_{criterion.pk}"].value()
            try:
                value = Decimal(str(raw or "0").strip().replace(",", ".") or "0")
            except InvalidOperation:
                value = Decimal(0)
            if not value.is_finite() or value < 0 or value > criterion.max_points:
                value = Decimal(0)
            points.append((value, criterion))
        return format_points(compute_total(points).normalize())

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            key = f"points_{criterion.pk}"
            raw = (data.get(key) or "").strip().replace(",", ".")
            if raw == "":
                data[key] = None
            else:
                try:
                    points = Decimal(raw)
                    if not points.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    self.add_error(key, _("Enter a number, for example 7 or 7.5."))
                    continue
                error = validate_points(points, criterion)
                if error:
                    self.add_error(key, error)
                else:
                    data[key] = points
        return data

    def scores(self) -> dict[int, tuple]:
        return {
            c.pk: (
                self.cleaned_data.get(f"points_{c.pk}"),
                self.cleaned_data.get(f"justification_{c.pk}", ""),
            )
            for c in self.criteria
        }

    @classmethod
    def initial_for(cls, assignment: Assignment) -> dict:
        initial = {
            "recommendation": assignment.recommendation,
            "confidence": assignment.confidence,
            "overall_comment": assignment.overall_comment,
            "draft_version": assignment.draft_version,
        }
        for score in assignment.scores.all():
            if score.points is not None:
                initial[f"points_{score.criterion_id}"] = format_points(score.points)
            initial[f"justification_{score.criterion_id}"] = score.justification
        return initial


class ManualAssignForm(forms.Form):
    applications = IdsMultipleChoiceField(
        label=_("Applications"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    reviewers = IdsMultipleChoiceField(
        label=_("Reviewers"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    due_at = BoundedDateTimeField(
        label=_("Due (optional; Korea Standard Time, otherwise the track's review deadline)"),
        required=False,
        future=True,
    )

    def __init__(self, *args, applications, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = applications
        self.fields["reviewers"].queryset = reviewers
        self.fields["applications"].label_from_instance = lambda a: (
            f"{a.reference or a.pk} — {a.title}"
        )
        self.fields["reviewers"].label_from_instance = lambda u: u.display_name


class ReminderForm(forms.Form):
    assignment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    all_overdue = forms.BooleanField(required=False, widget=forms.HiddenInput)
