"""Staff forms of the awards pages: the amount of one award, the reason for cancelling one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from awards.services import CANCEL_REASON_MAX_LENGTH


class AwardForm(forms.Form):
    """The amount to award one released selection. The awards page shows one per decision, each
    with ids of its own (``amount-<decision>``), so a refusal is shown next to the amount of the
    decision it is about, with the amount typed; the range is ``award_funding``'s rule."""

    amount = forms.IntegerField(label=_("Amount (KRW)"), min_value=0)

    def __init__(self, *args, decision, track, **kwargs):
        kwargs.setdefault("auto_id", f"%s-{decision.pk}")
        kwargs.setdefault("initial", {"amount": decision.amount})
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["amount"].widget.attrs.update(
            {"min": track.budget_floor, "max": track.budget_ceiling, "step": 1}
        )


class CancelAwardForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        help_text=_("Kept in the award's history and the audit trail."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CANCEL_REASON_MAX_LENGTH,  # the service's limit
    )
