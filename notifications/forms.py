"""Staff forms of the outbox: a message template's texts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications import services


class MessageTemplateForm(forms.Form):
    """The four texts of a message template; each refusal of the safe subset (syntax, tag,
    filter, unknown placeholder) is shown next to its field."""

    subject_en = forms.CharField(label=_("Subject (English)"), max_length=255)
    body_en = forms.CharField(
        label=_("Body (English)"), widget=forms.Textarea(attrs={"rows": 16, "lang": "en"})
    )
    subject_ko = forms.CharField(label=_("Subject (Korean)"), max_length=255)
    body_ko = forms.CharField(
        label=_("Body (Korean)"), widget=forms.Textarea(attrs={"rows": 16, "lang": "ko"})
    )

    def __init__(self, *args, name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name
        self.fields["subject_en"].widget.attrs["lang"] = "en"
        self.fields["subject_ko"].widget.attrs["lang"] = "ko"

    def clean(self):
        cleaned = super().clean()
        texts = {f: cleaned[f] for f in services.TEMPLATE_FIELDS if f in cleaned}
        for field, problem in services.template_errors(name=self.name, texts=texts).items():
            if field in cleaned:
                self.add_error(field, problem)
        return cleaned


class DiscardHeldForm(forms.Form):
    """Why the messages ticked on the held list are not sent: kept in each one's audit row.
    The limit is the input's of the page (500, as for an award's cancelling); a NUL character
    is refused by the field itself. The reason sits in the form that also sends the ticked
    messages, which needs none: the input is not marked required for the browser."""

    use_required_attribute = False

    reason = forms.CharField(
        label=_("Why they are not sent (kept in the audit trail)"),
        max_length=500,
        error_messages={"required": _("Say why the messages are not sent.")},
    )
