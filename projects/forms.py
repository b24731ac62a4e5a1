"""Forms of the staff pages of calls and tracks; writes go through projects.services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.forms import BoundedDateTimeField
from core.kept_uploads import KeepsUploads
from projects.models import (
    MEGABYTE,
    NEW_OWN_DOCUMENT_KIND,
    Call,
    DocumentKind,
    DocumentRequirement,
    is_own_document_kind,
)


class RequirementKindMixin:
    """The kind of a document a track asks for, on the staff page and in the back office: the
    portal's kinds and "a document of the track's own" (sent as ``NEW_OWN_DOCUMENT_KIND``;
    ``services.save_document_requirement`` gives it its key ``own-<n>``, which an existing one
    keeps). "Other" is the applicant's own slot, never a requirement."""

    def offer_requirement_kinds(self) -> None:
        if "kind" not in self.fields:  # read-only for this user
            return
        own = self.instance.kind if is_own_document_kind(self.instance.kind) else None
        self.fields["kind"] = forms.ChoiceField(
            label=_("Kind"),
            choices=[
                (value, label)
                for value, label in DocumentKind.choices
                if value != DocumentKind.OTHER
            ]
            + [(own or NEW_OWN_DOCUMENT_KIND, _("A document of the track's own, named below"))],
            initial=self.fields["kind"].initial,
            help_text=_(
                "Choose a document of the track's own for anything the list does not name; "
                "applicants see the name you give it."
            ),
        )

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.cleaned_data.get("kind") == NEW_OWN_DOCUMENT_KIND:
            exclude.add("kind")  # its key (own-<n>) is given by the service
        return exclude


class DocumentRequirementAdminForm(RequirementKindMixin, forms.ModelForm):
    """The back office's form of a track's document (fields chosen by the admin class)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_requirement_kinds()


class DocumentRequirementForm(KeepsUploads, RequirementKindMixin, forms.ModelForm):
    """A document a track asks for. The template is a file of its own (checked and stored by
    ``services.save_document_requirement``), not a model field of the form."""

    formats = forms.MultipleChoiceField(
        label=_("Accepted formats"),
        choices=uploads.FORMAT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The file formats applicants may upload for this document."),
    )
    template_file = forms.FileField(
        label=_("Template"),
        required=False,
        help_text=_(
            "Optional: a form or model document applicants download and fill in (PDF, DOCX or "
            "XLSX)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": uploads.accept_attribute()}),
    )
    remove_template = forms.BooleanField(label=_("Remove the current template"), required=False)

    class Meta:
        model = DocumentRequirement
        fields = ["kind", "name", "name_ko", "formats", "max_size_mb", "is_required", "stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_requirement_kinds()
        self.fields["max_size_mb"].help_text = _(
            "Empty: the site's limit of %(limit)s MB. Never above it."
        ) % {"limit": settings.MAX_UPLOAD_SIZE // MEGABYTE}
        if not self.instance.template:
            del self.fields["remove_template"]
        if not self.instance.track.call.two_stage:
            del self.fields["stage"]  # a one-stage call asks every document at once

    def validate_unique(self):
        pass  # the service says "already asked for" next to the kind


class CopyCallForm(forms.Form):
    """What the new call needs of its own: its year, address, title and dates (Korea time)."""

    year = forms.IntegerField(label=_("Programme year"), min_value=2020, max_value=2100)
    slug = forms.SlugField(
        label=_("Slug"), max_length=80, help_text=_("The call's address, e.g. 2027-call.")
    )
    name = forms.CharField(label=_("Title"), max_length=200)
    name_ko = forms.CharField(label=_("Title in Korean"), max_length=200, required=False)
    opens_at = BoundedDateTimeField(label=_("Opens at"))
    closes_at = BoundedDateTimeField(
        label=_("Closes at"), help_text=_("On a two-stage call: the full proposals' deadline.")
    )
    concept_closes_at = BoundedDateTimeField(
        label=_("Concept notes close at"),
        help_text=_("After the opening and before the closing time."),
    )

    def __init__(self, *args, two_stage: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not two_stage:  # only a two-stage call has a concept notes' deadline to fill
            del self.fields["concept_closes_at"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Call.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another call already has this slug."), code="unique")
        return slug

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The call must close after it opens."))
        concept = cleaned.get("concept_closes_at")
        if concept and opens and closes and not opens < concept < closes:
            self.add_error(
                "concept_closes_at",
                _(
                    "Concept notes must close after the call opens and before the full "
                    "proposals' deadline (the closing time)."
                ),
            )
        return cleaned
