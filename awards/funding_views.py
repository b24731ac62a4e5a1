"""Pages for agreements and payments: the party's (its agreements, schedule, budget execution,
payment requests and amendment requests; the partner reads its project's, read-only), the staff's
(a project's agreements: create, budget, schedule, sign, amendments; the queue of payment
requests: check, approve, record paid, return, reject; withholding a tranche), and the
permission-checked downloads of signed copies and evidence.

Reads go through ``awards.funding``'s selectors and rules; every write is one funding service.
Someone the rules do not let read an agreement or a request gets a 404, as for any other
party's object; a form the service refuses is shown again with what was typed and the refusal
next to its field.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.rules import VIEW_STAFF_AREA
from awards import funding
from awards.execution import agreement_execution, warning_share
from awards.models import (
    Agreement,
    Amendment,
    BudgetCategory,
    Deliverable,
    PaymentRequest,
    PaymentRequestLine,
    Tranche,
)
from core.domain import DomainError
from core.forms import (
    DisplayNameChoiceField,
    apply_domain_error,
    guard_against_stale,
    refusal_status,
    seen_version,
)
from core.kept_uploads import KeepsUploads
from core.storage import open_stored
from core.uploads import ACCEPT_ATTRIBUTE
from core.views import require_perm
from projects.models import Project
from projects.selectors import projects_for_staff

RS = PaymentRequest.Status
SCHEDULE_ROWS = 5  # tranches a schedule form offers (the default schedule has three)


# --- Forms -----------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _line_field(category: str, label, *, help_text="") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )


class BudgetLinesMixin:
    """One whole-won field per budget category, named ``line_<category>`` (the field a
    service's refusal of a line names)."""

    def add_line_fields(self, categories=None, *, help_texts=None):
        for value, label in BudgetCategory.choices:
            if categories is not None and value not in categories:
                continue
            help_text = (help_texts or {}).get(value, "")
            self.fields[f"line_{value}"] = _line_field(
                value, gettext_lazy("%(line)s (KRW)") % {"line": label}, help_text=help_text
            )

    def lines(self) -> dict[str, int]:
        return {
            name.removeprefix("line_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("line_") and value
        }


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Agreement.Kind.choices)
    party = DisplayNameChoiceField(label=gettext_lazy("Party"), queryset=None)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DateInput())
    scope = forms.CharField(
        label=gettext_lazy("Scope of work"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Organization

        ids = [pk for pk in (project.partner_id, project.contractor_id) if pk]
        self.fields["party"].queryset = Organization.objects.filter(pk__in=ids).order_by("name")


class BudgetForm(BudgetLinesMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_line_fields()


AFTER_CHOICES = [("", gettext_lazy("On signature")), *Deliverable.Kind.choices]


class ScheduleForm(forms.Form):
    """Up to ``SCHEDULE_ROWS`` tranches, each a share (%) and what it is due after; a row
    left without a share is not a tranche."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, SCHEDULE_ROWS + 1):
            self.fields[f"share_{number}"] = forms.IntegerField(
                label=gettext_lazy("Tranche %(number)s: share (%%)") % {"number": number},
                required=False,
                min_value=1,
                max_value=100,
            )
            self.fields[f"after_{number}"] = forms.ChoiceField(
                label=gettext_lazy("Tranche %(number)s: due") % {"number": number},
                choices=AFTER_CHOICES,
                required=False,
            )

    def schedule(self) -> list[tuple[int, str]]:
        return [
            (self.cleaned_data[f"share_{n}"], self.cleaned_data.get(f"after_{n}") or "")
            for n in range(1, SCHEDULE_ROWS + 1)
            if self.cleaned_data.get(f"share_{n}")
        ]


class SignForm(KeepsUploads, forms.Form):
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DateInput())
    file = forms.FileField(
        label=gettext_lazy("Signed copy (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}),
    )


class WithholdForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withholding"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for terminating"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Told to the party and kept with the agreement. Nothing more is paid under it; the "
            "project goes on and may take a new agreement of this kind."
        ),
    )
    release_contractor = forms.BooleanField(
        label=gettext_lazy("The company leaves the project"),
        required=False,
        help_text=gettext_lazy(
            "The project then has no contractor: its selection is archived and a new "
            "contractor selection may be opened. Leave unticked to sign a new contract with the "
            "same company."
        ),
    )

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement.kind != Agreement.Kind.SERVICE:
            del self.fields["release_contractor"]  # only a contractor leaves a project


class DecideAmendmentForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("refuse", gettext_lazy("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note on the decision"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required to refuse."),
    )


class PaymentRequestForm(KeepsUploads, BudgetLinesMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the secretariat"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.FileField(
        label=gettext_lazy("Evidence of the costs (PDF, DOCX, XLSX, PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    def __init__(self, *args, execution=None, resubmission=False, **kwargs):
        super().__init__(*args, **kwargs)
        lines = {line.category: line for line in (execution.lines if execution else [])}
        help_texts = {
            category: _("Planned %(planned)s, claimed so far %(claimed)s.")
            % {"planned": f"KRW {line.planned:,}", "claimed": f"KRW {line.claimed:,}"}
            for category, line in lines.items()
        }
        self.add_line_fields(help_texts=help_texts)
        # Fields before the file, the note last but one: the order the party fills them in.
        self.order_fields([name for name in self.fields if name.startswith("line_")])
        if resubmission:
            self.fields["evidence"].help_text = _(
                "Leave empty to keep the evidence already sent; a file chosen here replaces it."
            )


class AmendmentForm(BudgetLinesMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What should change"),
        choices=Amendment.Kind.choices,
        widget=forms.RadioSelect,
    )
    starts_on = forms.DateField(
        label=gettext_lazy("New start date"), required=False, widget=DateInput()
    )
    ends_on = forms.DateField(
        label=gettext_lazy("New end date"), required=False, widget=DateInput()
    )
    scope = forms.CharField(
        label=gettext_lazy("New scope of work"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_line_fields()
        self.order_fields(["kind", "starts_on", "ends_on", "scope"])

    def changes(self) -> dict:
        data, kind = self.cleaned_data, self.cleaned_data.get("kind")
        if kind == Amendment.Kind.DATES:
            return {
                name: data[name].isoformat() for name in ("starts_on", "ends_on") if data.get(name)
            }
        if kind == Amendment.Kind.BUDGET:
            return {"lines": self.lines()}
        return {"scope": data.get("scope", "")}


class PaymentStepForm(forms.Form):
    """The staff's step on a request; what each step needs is checked by its service. A check
    or an approval also sends the request as the page showed it (its amount and when it was
    sent), so that one pressed on a request sent again since is refused
    (``funding.refuse_if_changed_since``)."""

    SAYS_WHAT_WAS_SEEN = ("check", "approve")

    step = forms.ChoiceField(
        choices=[(s, s) for s in ("check", "approve", "pay", "return", "reject")],
        widget=forms.HiddenInput,
    )
    amount_krw = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    requested_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), required=False, widget=DateInput())
    payment_reference = forms.CharField(
        label=gettext_lazy("Payment reference"), required=False, max_length=64
    )
    feedback = forms.CharField(
        label=gettext_lazy("Feedback to the party"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    OUT_OF_DATE = gettext_lazy(
        "This page is out of date: reload it, then decide on the request it shows."
    )

    def clean(self):
        data = super().clean()
        # The hidden fields are the page's, never typed: one that comes back unreadable (an
        # edited or garbled page) is said once at the top, not under a label nobody saw.
        garbled = [name for name in ("step", "amount_krw", "requested_at") if name in self._errors]
        for name in garbled:
            del self._errors[name]
        if garbled or (
            data.get("step") in self.SAYS_WHAT_WAS_SEEN
            and (data.get("amount_krw") is None or data.get("requested_at") is None)
        ):
            raise forms.ValidationError(self.OUT_OF_DATE)
        return data


# --- Reads -----------------------------------------------------------------------------------


def _agreement(user, pk: int) -> Agreement:
    """An agreement the user may read (else 404)."""
    agreement = funding.agreements_for_user(user).filter(pk=pk).first()
    if agreement is None or not user.has_perm(funding.READ_AGREEMENT, agreement):
        raise Http404
    return agreement


def _tranches_with_requests(agreement: Agreement, *, with_requests: bool) -> list[Tranche]:
    tranches = agreement.tranches.order_by("number")
    if with_requests:
        tranches = tranches.prefetch_related(
            Prefetch(
                "payment_requests",
                queryset=PaymentRequest.objects.order_by("-requested_at", "-pk"),
            )
        )
    return list(tranches)


def _shown(values: dict) -> list[tuple[str, str]]:
    """An amendment's changes (or the values they replaced) as (label, text) pairs."""
    labels = {
        "starts_on": _("Starts on"),
        "ends_on": _("Ends on"),
        "scope": _("Scope of work"),
    }
    shown = []
    for name, value in (values or {}).items():
        if name == "lines":
            shown += [
                (str(BudgetCategory(category).label), f"KRW {amount:,}")
                for category, amount in sorted(value.items())
            ]
        else:
            shown.append((str(labels.get(name, name)), str(value)))
    return shown


def _amendments_shown(agreement: Agreement) -> list[Amendment]:
    amendments = list(agreement.amendments.order_by("-requested_at", "-pk"))
    for amendment in amendments:
        amendment.changes_shown = _shown(amendment.changes)
        amendment.previous_shown = _shown(amendment.previous)
    return amendments


def _agreement_context(user, agreement: Agreement) -> dict:
    """What the party's agreement page shows; the partner (not the party) reads the schedule
    and execution without the requests."""
    is_party = funding.is_party_member(user, agreement)
    is_staff = funding.is_funding_staff(user, agreement.project)
    sees_requests = is_party or is_staff
    execution = agreement_execution(agreement)
    requestable = {t.pk for t in funding.requestable_tranches(user, agreement)}
    return {
        "agreement": agreement,
        "project": agreement.project,
        "is_party": is_party,
        "sees_requests": sees_requests,
        "tranches": _tranches_with_requests(agreement, with_requests=sees_requests),
        "requestable": requestable,
        "execution": execution,
        "warning_share": warning_share(),
        "budget_lines": list(agreement.budget_lines.order_by("category")),
        "amendments": _amendments_shown(agreement),
        "can_download": user.has_perm(funding.DOWNLOAD_SIGNED_AGREEMENT, agreement),
        "can_amend": agreement.status == Agreement.Status.SIGNED
        and user.has_perm(funding.REQUEST_AMENDMENT, agreement),
    }


# --- The party's pages -----------------------------------------------------------------------


@login_required
@require_GET
def agreement_list(request):
    """The agreements of the user's organisations' projects (as party or as partner)."""
    organizations = request.user.memberships.values("organization_id")
    agreements = (
        funding.agreements_for_user(request.user)
        .filter(Q(party__in=organizations) | Q(project__partner__in=organizations))
        .order_by("-project__year", "project__code", "kind")
    )
    return render(request, "awards/funding/agreement_list.html", {"agreements": agreements})


@login_required
@require_GET
def agreement_detail(request, pk: int):
    """One agreement: its facts, schedule, budget execution (with the warning past the set
    share of a line), payment requests (the party and staff) and amendments."""
    agreement = _agreement(request.user, pk)
    return render(
        request,
        "awards/funding/agreement_detail.html",
        _agreement_context(request.user, agreement),
    )


def _party_tranche(request, pk: int, tranche_pk: int) -> tuple[Agreement, Tranche]:
    agreement = _agreement(request.user, pk)
    tranche = agreement.tranches.filter(pk=tranche_pk).first()
    if tranche is None or not request.user.has_perm(funding.REQUEST_PAYMENT, tranche):
        raise Http404
    return agreement, tranche


@login_required
def payment_request_form(request, pk: int, tranche_pk: int):
    """The party asks for a tranche's payment: the amount per budget line and the evidence; a
    request returned for changes is corrected and sent again here."""
    agreement, tranche = _party_tranche(request, pk, tranche_pk)
    returned = tranche.payment_requests.filter(status=RS.RETURNED).first()
    execution = agreement_execution(agreement)
    initial = {}
    if returned is not None:
        initial = {
            f"line_{category}": amount
            for category, amount in returned.lines.values_list("category", "amount_krw")
        }
        initial["note"] = returned.note
    form = PaymentRequestForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        execution=execution,
        resubmission=returned is not None,
        uploader=request.user,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                funding.request_payment(
                    tranche=tranche,
                    lines=form.lines(),
                    uploaded_evidence=form.cleaned_data.get("evidence"),
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.code == "forbidden":
                    raise Http404 from exc
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Your request for tranche %(number)s has been sent to the secretariat.")
                    % {"number": tranche.number},
                )
                return redirect("awards:agreement", pk=agreement.pk)
        status = 400
    return render(
        request,
        "awards/funding/payment_request_form.html",
        {
            "agreement": agreement,
            "tranche": tranche,
            "returned": returned,
            "form": form,
            "execution": execution,
            "warning_share": warning_share(),
        },
        status=status,
    )


@login_required
def amendment_form(request, pk: int):
    """The party (or staff of the track) ask to change a signed agreement's dates, budget
    lines or scope; a programme admin decides."""
    agreement = _agreement(request.user, pk)
    if not request.user.has_perm(funding.REQUEST_AMENDMENT, agreement):
        raise Http404
    initial = {f"line_{line.category}": line.planned_krw for line in agreement.budget_lines.all()}
    initial.update(
        {"starts_on": agreement.starts_on, "ends_on": agreement.ends_on, "scope": agreement.scope}
    )
    form = AmendmentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                funding.request_amendment(
                    agreement=agreement,
                    kind=form.cleaned_data["kind"],
                    changes=form.changes(),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.code == "forbidden":
                    raise Http404 from exc
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request, _("The amendment has been requested; a programme admin decides it.")
                )
                return redirect("awards:agreement", pk=agreement.pk)
        status = 400
    return render(
        request,
        "awards/funding/amendment_form.html",
        {"agreement": agreement, "form": form},
        status=status,
    )


def _file_response(field_file, *, name: str, content_type: str) -> FileResponse:
    """The stored file as an attachment; never cached, as every attachment is
    (``core.middleware.PrivateResponseMiddleware``): it names an organisation's money."""
    response = FileResponse(
        open_stored(field_file),  # 404 if the file is gone, 503 if the storage is down
        as_attachment=True,
        filename=name,
        content_type=content_type or "application/octet-stream",
    )
    return response


@login_required
@require_GET
def signed_copy(request, pk: int):
    """The signed copy of an agreement: its party and staff of the track; 404 to others."""
    agreement = funding.agreements_for_user(request.user).filter(pk=pk).first()
    if (
        agreement is None
        or not agreement.signed_file
        or not request.user.has_perm(funding.DOWNLOAD_SIGNED_AGREEMENT, agreement)
    ):
        raise Http404
    return _file_response(
        agreement.signed_file,
        name=agreement.original_name or f"{agreement.reference}.pdf",
        content_type=agreement.content_type,
    )


@login_required
@require_GET
def payment_evidence(request, pk: int):
    """A payment request's evidence: the agreement's party and staff of the track; 404 to
    others (the partner of a planning project included)."""
    payment = funding.payment_requests_for_user(request.user).filter(pk=pk).first()
    if (
        payment is None
        or not payment.evidence
        or not request.user.has_perm(funding.DOWNLOAD_PAYMENT_EVIDENCE, payment)
    ):
        raise Http404
    return _file_response(
        payment.evidence,
        name=payment.original_name or f"evidence-{payment.pk}",
        content_type=payment.content_type,
    )


# --- Staff pages -----------------------------------------------------------------------------


def _staff_project(request, code: str) -> Project:
    require_perm(request, VIEW_STAFF_AREA)
    project = projects_for_staff(request.user).filter(code=code).first()
    if project is None or not funding.is_funding_staff(request.user, project):
        raise Http404
    return project


def _staff_agreement(request, code: str, pk: int) -> Agreement:
    project = _staff_project(request, code)
    agreement = (
        Agreement.objects.select_related("project__partner", "project__contractor", "party")
        .filter(project=project, pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def _default_agreement_initial(project: Project) -> dict:
    taken = set(project.agreements.values_list("kind", flat=True))
    kind = Agreement.Kind.GRANT if Agreement.Kind.GRANT not in taken else Agreement.Kind.SERVICE
    party = project.partner_id if kind == Agreement.Kind.GRANT else project.contractor_id
    return {
        "kind": kind,
        "party": party,
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
    }


@login_required
def staff_agreements(request, code: str):
    """A project's agreements, and the form that makes a new one (a draft; its first budget
    brings the default schedule)."""
    project = _staff_project(request, code)
    can_create = request.user.has_perm(funding.CREATE_AGREEMENT, project)
    form = AgreementForm(
        request.POST or None, project=project, initial=_default_agreement_initial(project)
    )
    status = 200
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied
        if form.is_valid():
            try:
                agreement = funding.create_agreement(
                    project=project, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The agreement %(reference)s has been created as a draft.")
                    % {"reference": agreement.reference},
                )
                return redirect("staff_awards:agreement", code=project.code, pk=agreement.pk)
        status = 400
    agreements = list(
        project.agreements.select_related("party").prefetch_related("budget_lines", "tranches")
    )
    return render(
        request,
        "awards/funding/staff_agreements.html",
        {
            "project": project,
            "agreements": agreements,
            "award": getattr(project, "award", None),
            "award_amount": funding.award_amount(project),
            "default_schedule": [
                (share, Deliverable.Kind(after).label if after else "")
                for share, after in funding.default_schedule(project)
            ],
            "form": form,
            "can_create": can_create and project.status == Project.Status.ACTIVE,
        },
        status=status,
    )


def _budget_initial(agreement: Agreement) -> dict:
    return {
        f"line_{c}": v for c, v in agreement.budget_lines.values_list("category", "planned_krw")
    }


def _budget_form(agreement: Agreement, data=None) -> BudgetForm:
    """The budget form, carrying the fingerprint of the lines it shows (a colleague's budget
    saved since is not overwritten: 409)."""
    form = BudgetForm(data, initial=_budget_initial(agreement))
    guard_against_stale(form, funding.budget_fingerprint(agreement))
    return form


def _schedule_initial(agreement: Agreement) -> dict:
    schedule = [
        (t.share_percent, t.after_deliverable) for t in agreement.tranches.order_by("number")
    ] or funding.default_schedule(agreement.project)
    initial = {}
    for number, (share, after) in enumerate(schedule, start=1):
        initial[f"share_{number}"], initial[f"after_{number}"] = share, after
    return initial


def _render_staff_agreement(request, agreement: Agreement, *, status=200, **given):
    """The staff agreement page with its forms (a bound one given, with its values and
    errors; each tranche's and amendment's form carries its own prefix, so ids stay unique)."""
    user = request.user
    can_manage = agreement.status == Agreement.Status.DRAFT and user.has_perm(
        funding.MANAGE_AGREEMENT, agreement
    )
    context = _agreement_context(user, agreement)
    withhold_forms, decide_forms = given.get("withhold_forms", {}), given.get("decide_forms", {})
    for tranche in context["tranches"]:
        tranche.withhold_form = withhold_forms.get(tranche.pk) or WithholdForm(
            prefix=f"t{tranche.pk}"
        )
    for amendment in context["amendments"]:
        amendment.decide_form = decide_forms.get(amendment.pk) or DecideAmendmentForm(
            prefix=f"a{amendment.pk}"
        )
    # The rules ask about a tranche or an amendment; one of this agreement answers for all.
    context.update(
        {
            "can_manage": can_manage,
            "budget_form": given.get("budget_form") or _budget_form(agreement),
            "schedule_form": given.get("schedule_form")
            or ScheduleForm(initial=_schedule_initial(agreement)),
            "sign_form": given.get("sign_form") or SignForm(),
            "can_withhold": agreement.status == Agreement.Status.SIGNED
            and user.has_perm(funding.WITHHOLD_TRANCHE, Tranche(agreement=agreement)),
            "can_decide": user.has_perm(funding.DECIDE_AMENDMENT, Amendment(agreement=agreement)),
            "can_terminate": agreement.status != Agreement.Status.TERMINATED
            and user.has_perm(funding.TERMINATE_AGREEMENT, agreement),
            "terminate_form": given.get("terminate_form") or TerminateForm(agreement=agreement),
        }
    )
    return render(request, "awards/funding/staff_agreement.html", context, status=status)


@login_required
@require_GET
def staff_agreement(request, code: str, pk: int):
    """One agreement for staff: budget and schedule forms and signature while it is a draft;
    its schedule (withholding a tranche: programme admins), execution, payment requests and
    amendments (decided by programme admins)."""
    return _render_staff_agreement(request, _staff_agreement(request, code, pk))


def _staff_write(request, agreement: Agreement, *, form_name: str, form, service, done: str):
    """Run ``service`` with the bound ``form``'s data; on success back to the page with
    ``done``, else the page again with the form, its values and the refusal (400)."""
    if form.is_valid():
        try:
            service(form)
        except DomainError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied from exc
            apply_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("staff_awards:agreement", code=agreement.project.code, pk=agreement.pk)
    return _render_staff_agreement(
        request, agreement, status=refusal_status(form), **{form_name: form}
    )


@login_required
@require_POST
def staff_agreement_budget(request, code: str, pk: int):
    agreement = _staff_agreement(request, code, pk)
    return _staff_write(
        request,
        agreement,
        form_name="budget_form",
        form=_budget_form(agreement, request.POST),
        service=lambda form: funding.set_budget_lines(
            agreement=agreement,
            lines=form.lines(),
            actor=request.user,
            seen_version=seen_version(form),
        ),
        done=_("The budget has been saved; the schedule's amounts follow it."),
    )


@login_required
@require_POST
def staff_agreement_schedule(request, code: str, pk: int):
    agreement = _staff_agreement(request, code, pk)
    return _staff_write(
        request,
        agreement,
        form_name="schedule_form",
        form=ScheduleForm(request.POST),
        service=lambda form: funding.set_schedule(
            agreement=agreement, tranches=form.schedule(), actor=request.user
        ),
        done=_("The payment schedule has been saved."),
    )


@login_required
@require_POST
def staff_agreement_sign(request, code: str, pk: int):
    agreement = _staff_agreement(request, code, pk)
    return _staff_write(
        request,
        agreement,
        form_name="sign_form",
        form=SignForm(request.POST, request.FILES, uploader=request.user),
        service=lambda form: funding.sign_agreement(
            agreement=agreement,
            signed_on=form.cleaned_data["signed_on"],
            uploaded=form.cleaned_data["file"],
            actor=request.user,
        ),
        done=_("The agreement is recorded as signed."),
    )


@login_required
@require_POST
def staff_agreement_terminate(request, code: str, pk: int):
    agreement = _staff_agreement(request, code, pk)
    return _staff_write(
        request,
        agreement,
        form_name="terminate_form",
        form=TerminateForm(request.POST, agreement=agreement),
        service=lambda form: funding.terminate_agreement(
            agreement=agreement,
            reason=form.cleaned_data["reason"],
            release_contractor=form.cleaned_data.get("release_contractor", False),
            actor=request.user,
        ),
        done=_("The agreement is terminated; its scheduled tranches are cancelled."),
    )


@login_required
@require_POST
def staff_tranche_withhold(request, code: str, pk: int, tranche_pk: int):
    agreement = _staff_agreement(request, code, pk)
    tranche = agreement.tranches.filter(pk=tranche_pk).first()
    if tranche is None:
        raise Http404
    form = WithholdForm(request.POST, prefix=f"t{tranche.pk}")
    if form.is_valid():
        try:
            funding.withhold_tranche(
                tranche=tranche, reason=form.cleaned_data["reason"], actor=request.user
            )
        except DomainError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied from exc
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("Tranche %(number)s is withheld.") % {"number": tranche.number}
            )
            return redirect("staff_awards:agreement", code=agreement.project.code, pk=agreement.pk)
    return _render_staff_agreement(
        request, agreement, status=400, withhold_forms={tranche.pk: form}
    )


@login_required
@require_POST
def staff_amendment_decide(request, code: str, pk: int, amendment_pk: int):
    agreement = _staff_agreement(request, code, pk)
    amendment = agreement.amendments.filter(pk=amendment_pk).first()
    if amendment is None:
        raise Http404
    form = DecideAmendmentForm(request.POST, prefix=f"a{amendment.pk}")
    if form.is_valid():
        try:
            funding.decide_amendment(
                amendment=amendment,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied from exc
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The amendment has been decided."))
            return redirect("staff_awards:agreement", code=agreement.project.code, pk=agreement.pk)
    return _render_staff_agreement(
        request, agreement, status=400, decide_forms={amendment.pk: form}
    )


@login_required
@require_GET
def staff_payment_requests(request):
    """The queue: requests waiting for the user's step (secretariat staff check, programme
    admins approve and record), and the latest requests the user follows."""
    require_perm(request, VIEW_STAFF_AREA)
    waiting = (
        funding.payment_requests_to_handle(request.user)
        .select_related("tranche__agreement__project", "tranche__agreement__party")
        .order_by("requested_at", "pk")
    )
    recent = (
        funding.payment_requests_for_user(request.user)
        .exclude(pk__in=waiting.values("pk"))
        .order_by("-requested_at", "-pk")[:50]
    )
    return render(
        request,
        "awards/funding/staff_payment_requests.html",
        {"waiting": list(waiting), "recent": list(recent)},
    )


STEP_DONE = {
    "check": gettext_lazy("The request is checked; a programme admin approves it."),
    "approve": gettext_lazy("The payment is approved."),
    "pay": gettext_lazy("The payment is recorded as paid."),
    "return": gettext_lazy("The request has been returned for changes."),
    "reject": gettext_lazy("The request has been rejected."),
}


def _run_step(step: str, payment: PaymentRequest, data: dict, actor):
    seen = {
        "seen_amount_krw": data.get("amount_krw"),
        "seen_requested_at": data.get("requested_at"),
    }
    if step == "check":
        return funding.check_payment(request=payment, actor=actor, **seen)
    if step == "approve":
        return funding.approve_payment(request=payment, actor=actor, **seen)
    if step == "pay":
        return funding.record_payment(
            request=payment,
            paid_on=data.get("paid_on"),
            payment_reference=data.get("payment_reference", ""),
            actor=actor,
        )
    if step == "return":
        return funding.return_payment(
            request=payment, feedback=data.get("feedback", ""), actor=actor
        )
    return funding.reject_payment(request=payment, feedback=data.get("feedback", ""), actor=actor)


@login_required
def staff_payment_request(request, pk: int):
    """One payment request for staff: its lines, evidence, the agreement's execution and the
    steps the user may take (check; approve; record paid with date and reference; return or
    reject with feedback)."""
    require_perm(request, VIEW_STAFF_AREA)
    payment = funding.payment_requests_for_user(request.user).filter(pk=pk).first()
    if payment is None or not funding.is_funding_staff(
        request.user, payment.tranche.agreement.project
    ):
        raise Http404
    steps = funding.next_payment_steps(request.user, payment)
    form, status = PaymentStepForm(), 200
    if request.method == "POST":
        form, status = PaymentStepForm(request.POST), 400
        if form.is_valid():
            step = form.cleaned_data["step"]
            if step not in steps:
                form.add_error(None, _("This step is not open to you on this request now."))
            else:
                try:
                    _run_step(step, payment, form.cleaned_data, request.user)
                except DomainError as exc:
                    apply_domain_error(form, exc)
                    # Sent again since the page was opened: shown as it now is, the step
                    # not taken; its forms carry what is shown now.
                    status = 409 if exc.code == funding.CHANGED_SINCE else 400
                else:
                    messages.success(request, str(STEP_DONE[step]))
                    return redirect("staff_awards:payment_request", pk=payment.pk)
    agreement = payment.tranche.agreement
    return render(
        request,
        "awards/funding/staff_payment_request.html",
        {
            "payment": payment,
            "tranche": payment.tranche,
            "agreement": agreement,
            "lines": list(PaymentRequestLine.objects.filter(request=payment).order_by("category")),
            "execution": agreement_execution(agreement),
            "warning_share": warning_share(),
            "steps": steps,
            "form": form,
            "deliverable_accepted": funding.tranche_is_due(payment.tranche),
        },
        status=status,
    )
