"""Writes for applications. Every status change goes through ``transition_application``."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import (
    IntegrityError,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from accounts.models import (
    Membership,
    Organization,
)
from applications import selectors
from applications.models import Application, ClarificationRequest, ConsortiumMember, Document
from core.domain import DomainError, require_permission
from core.transitions import apply_transition
from core.uploads import store_upload, validate_upload
from notifications.services import in_each_language, queue_message
from projects.models import Call, City, Country, Track

S = Application.Status
# The lifecycle: draft → submitted → eligible | ineligible → under_review → reviewed →
# selected | reserve | rejected → awarded; withdrawn from any state before a decision.
APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.ELIGIBLE, S.INELIGIBLE, S.CLARIFICATION, S.WITHDRAWN},
    S.CLARIFICATION: {S.SUBMITTED, S.WITHDRAWN},
    S.ELIGIBLE: {S.UNDER_REVIEW, S.INELIGIBLE, S.CLARIFICATION, S.WITHDRAWN},
    S.INELIGIBLE: {S.ELIGIBLE},
    S.UNDER_REVIEW: {S.REVIEWED, S.WITHDRAWN},
    S.REVIEWED: {S.UNDER_REVIEW, S.SELECTED, S.RESERVE, S.REJECTED, S.WITHDRAWN},
    S.SELECTED: {S.AWARDED, S.RESERVE, S.REJECTED},
    S.RESERVE: {S.SELECTED, S.REJECTED},
    S.REJECTED: {S.SELECTED, S.RESERVE},
    S.AWARDED: set(),
    S.WITHDRAWN: set(),
}

# Messages sent to the applicant's organisation on each status change (template names).
STATUS_MESSAGES = {
    S.SUBMITTED: "applications/submitted",
    S.CLARIFICATION: "applications/clarification_requested",
    S.ELIGIBLE: "applications/status_changed",
    S.INELIGIBLE: "applications/ineligible",
    S.SELECTED: "applications/decision",
    S.RESERVE: "applications/decision",
    S.REJECTED: "applications/decision",
    S.AWARDED: "applications/status_changed",
    S.WITHDRAWN: "applications/withdrawn",
}


def _call_names(call) -> dict[str, str]:
    """The call's name in each language, for message contexts (the reader's one is shown)."""
    return in_each_language("call", lambda: call.display_name)


def notify_applicants(
    *, application: Application, template: str, extra: dict | None = None
) -> None:
    """Queue a message to every member of the applicant organisation (call inside the change)."""
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "status": application.status,
        "reason": application.status_reason,
        **_call_names(application.call),
        **(extra or {}),
    }
    for membership in application.organization.memberships.select_related("user"):
        queue_message(
            recipient=membership.user,
            template=template,
            context=context,
            link=application.get_absolute_url(),
        )


def _next_reference(application: Application) -> str:
    prefix = f"{application.call.year}-{application.track.code}-"
    last = (
        Application.objects.select_for_update()
        .filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


@transaction.atomic
def transition_application(
    *,
    application: Application,
    to: str,
    actor,
    reason: str = "",
    detail: dict | None = None,
    notify: bool = True,
    now=None,
) -> Application:
    """Move an application to status ``to`` if the lifecycle allows it.

    Locks the row, checks ``APPLICATION_TRANSITIONS``, saves, writes an audit row and queues
    the applicant's notification after commit. Business checks specific to a move (deadline,
    documents, budget) belong to the named services that call this one.
    """
    now = now or timezone.now()

    def prepare(row: Application, old: str) -> None:
        row.status_reason = reason
        if to == S.SUBMITTED and row.submitted_at is None:
            row.submitted_at = now
        if to == S.SUBMITTED and not row.reference:
            row.reference = _next_reference(row)
        if to in Application.DECIDED_STATUSES:
            row.decided_at = now

    application = apply_transition(
        application,
        to=to,
        table=APPLICATION_TRANSITIONS,
        actor=actor,
        refusal=_("An application cannot go from “%(old)s” to “%(new)s”."),
        queryset=Application.objects.select_related("call", "track", "organization"),
        prepare=prepare,
        reason=reason,
        detail=detail,
    )
    if notify and to in STATUS_MESSAGES:
        notify_applicants(application=application, template=STATUS_MESSAGES[to])
    return application


# --- The applicant's writes: drafts, documents, submission, withdrawal, clarifications -------


# The fields each section writes; a section's form never writes anything else.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "applicant": ("contact_name", "contact_position", "contact_email", "contact_phone"),
    "site": ("country", "city", "site_area_km2", "site_population", "site_description"),
    "project": ("title", "summary", "objectives", "outputs", "requested_deliverable"),
    "readiness": (
        "existing_plans",
        "land_status",
        "budget_lines",
        "prior_consultation",
        "prior_consultation_details",
    ),
    "budget": ("budget_requested", "co_financing", "co_financing_description"),
    "priority": ("country_priority_rank",),
}

# Which organisation kinds may apply to a track, by the track's applicant kind.
ELIGIBLE_KINDS = {
    Track.ApplicantKind.FOREIGN_PUBLIC: tuple(Organization.FOREIGN_PUBLIC_KINDS),
    Track.ApplicantKind.KOREAN_CONSORTIUM: (Organization.Kind.KOREAN_COMPANY,),
    Track.ApplicantKind.KOREAN_COMPANY: (Organization.Kind.KOREAN_COMPANY,),
}


def _validate(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), code="invalid", field=field) from exc


def _require_member(application: Application, actor) -> None:
    if not selectors.is_owner(actor, application):
        raise DomainError(
            _("Only members of the applicant organisation can do this."), code="forbidden"
        )


def _require_section_editable(application: Application, section: str, actor) -> None:
    _require_member(application, actor)
    if section not in selectors.editable_sections(application):
        if application.status == S.CLARIFICATION:
            raise DomainError(
                _("Only the sections named in the clarification request can be changed."),
                code="not_editable",
            )
        raise DomainError(
            _("This application has been submitted and can no longer be changed."),
            code="not_editable",
        )


def organization_may_apply(organization: Organization, track: Track) -> bool:
    return organization.kind in ELIGIBLE_KINDS.get(track.applicant_kind, ())


@transaction.atomic
def start_application(*, track: Track, organization: Organization, actor) -> Application:
    """Open a draft application of ``organization`` to ``track`` while the call accepts them.

    Refuses an unverified e-mail address, a non-member, an organisation of the wrong kind for
    the track, and a call that is not open. Writes the draft and an audit row; sends nothing.
    """
    if actor.email_verified_at is None:
        raise DomainError(
            _("Please verify your e-mail address before starting an application."),
            code="unverified",
        )
    if not organization.memberships.filter(user=actor).exists():
        raise DomainError(_("You are not a member of this organisation."), code="forbidden")
    if not organization_may_apply(organization, track):
        raise DomainError(
            _("%(kind)s organisations cannot apply to this track. It is open to: %(who)s.")
            % {"kind": organization.get_kind_display(), "who": track.get_applicant_kind_display()},
            code="ineligible",
        )
    if not track.call.is_accepting_applications:
        raise DomainError(_("This call is not accepting applications."), code="closed")
    country = Country.objects.filter(code=organization.country_code).first()
    application = Application(
        call=track.call,
        track=track,
        organization=organization,
        created_by=actor,
        contact_name=actor.name,
        contact_email=actor.email,
        country=country if track.kind != Track.Kind.DEMONSTRATION else None,
        requested_deliverable=(
            Application.Deliverable.DEMONSTRATION if track.kind == Track.Kind.DEMONSTRATION else ""
        ),
    )
    _validate(application)
    application.save()
    if track.kind == Track.Kind.DEMONSTRATION and organization.is_korean_company:
        ConsortiumMember.objects.create(
            application=application,
            organization=organization,
            name=organization.name,
            kind=organization.kind,
            role=ConsortiumMember.Role.LEAD,
            country_code=organization.country_code,
            email_domain=organization.email_domain,
        )
    record_audit_event(subject=application, action="created", actor=actor)
    return application


class EditConflict(DomainError):
    """A section save based on an older version of that section than the one stored: someone
    else (another tab, a colleague) changed it in between. Nothing was saved.

    ``version`` is the application's current version, ``changed_at`` when the section last
    changed; interfaces show the stored version beside what the user typed (pages) or answer
    409 with the version to send next (API)."""

    code = "edit_conflict"

    def __init__(self, *, section: str, version: int, changed_at):
        self.section = section
        self.version = version
        self.changed_at = changed_at
        super().__init__(
            _("Someone else changed the section “%(section)s” at %(time)s.")
            % {
                "section": selectors.SECTION_LABELS.get(section, section),
                "time": timezone.localtime(changed_at).strftime("%H:%M") if changed_at else "—",
            },
            code=self.code,
        )


def section_last_change(application: Application, section: str) -> dict:
    """What ``section_edits`` remembers of the section's last change ({} if never changed):
    ``version`` (the application's version it produced), ``token`` (the open form that made
    it), ``at`` (ISO time) and ``by`` (user id)."""
    return dict((application.section_edits or {}).get(section) or {})


def _changed_at(edit: dict):
    return datetime.fromisoformat(edit["at"]) if edit.get("at") else None


def _conflicts(
    application: Application,
    section: str,
    *,
    base_version,
    edit_token: str,
    data: dict,
    new_city_name: str = "",
) -> bool:
    """Whether saving ``data`` over the section would overwrite a change the user never saw.

    No base version (an old client): no check. The section changed after the base version by
    another open form: a conflict, unless the stored values already are the submitted ones (the
    same change sent twice). A change made from the same open form (``edit_token``, e.g. its
    autosave still on its way when "Save" was pressed) is the user's own, not a conflict."""
    if base_version is None:
        return False
    edit = section_last_change(application, section)
    if edit.get("version", 0) <= base_version:
        return False
    if edit_token and edit.get("token") == edit_token:
        return False
    if new_city_name.strip():
        return True
    return any(getattr(application, field) != value for field, value in data.items())


@transaction.atomic
def save_application_section(
    *,
    application: Application,
    section: str,
    data: dict,
    actor,
    new_city_name: str = "",
    base_version: int | None = None,
    edit_token: str = "",
) -> Application:
    """Write one section's fields of a draft (or of a section reopened for clarification).

    ``data`` holds the section's cleaned values; with ``new_city_name`` a city of that name is
    found or created in the chosen country. Budget range and documents are checked at submission
    so that a draft can always be saved. Audited only during a clarification.

    Optimistic locking: ``base_version`` is the application's version the user's form was
    built from and ``edit_token`` identifies that open form. When someone else changed this
    section since, ``EditConflict`` is raised and nothing is written. The write itself is an
    ``UPDATE … WHERE version = <read version>``, so two saves can never both pass the check.
    """
    application = (
        Application.objects.select_for_update()
        .select_related("track", "call")
        .get(pk=application.pk)
    )
    _require_section_editable(application, section, actor)
    allowed = SECTION_FIELDS.get(section)
    if allowed is None:
        raise DomainError(_("Unknown section."), code="invalid")
    submitted = {field: data[field] for field in allowed if field in data}
    if _conflicts(
        application,
        section,
        base_version=base_version,
        edit_token=edit_token,
        data=submitted,
        new_city_name=new_city_name,
    ):
        edit = section_last_change(application, section)
        raise EditConflict(
            section=section, version=application.version, changed_at=_changed_at(edit)
        )
    for field, value in submitted.items():
        setattr(application, field, value)
    if section == "site" and new_city_name.strip():
        if application.country is None:
            raise DomainError(_("Choose the country first."), field="country")
        name = " ".join(new_city_name.split())
        city = City.objects.filter(country=application.country, name__iexact=name).first()
        if city is None:
            city = City(country=application.country, name=name)
            # Coordinates are filled in later by staff; they are not the applicant's to give.
            try:
                city.full_clean(exclude=["latitude", "longitude"])
            except ValidationError as exc:
                raise DomainError(
                    " ".join(m for ms in exc.message_dict.values() for m in ms),
                    field="new_city_name",
                ) from exc
            city.save()
        application.city = city
    if (
        section == "site"
        and application.city
        and application.city.country_id != application.country_id
    ):
        raise DomainError(_("The city is not in the chosen country."), field="city")
    _validate(application)
    _write_section(application, section, fields=allowed, actor=actor, edit_token=edit_token)
    if application.status == S.CLARIFICATION:
        record_audit_event(
            subject=application,
            action="clarification_edit",
            actor=actor,
            detail={"section": section},
        )
    return application


def _write_section(
    application: Application, section: str, *, fields, actor, edit_token: str
) -> None:
    """Save the section's fields and the next version in one conditional UPDATE.

    The row is locked already on PostgreSQL; on SQLite (no row locks) the ``WHERE version``
    is what refuses a save that raced another one."""
    now = timezone.now()
    read_version = application.version
    edits = {
        **(application.section_edits or {}),
        section: {
            "version": read_version + 1,
            "token": edit_token[:64],
            "at": now.isoformat(),
            "by": actor.pk,
        },
    }
    written = Application.objects.filter(pk=application.pk, version=read_version).update(
        **{field: getattr(application, field) for field in fields},
        version=read_version + 1,
        section_edits=edits,
        updated_at=now,
    )
    if not written:
        current = Application.objects.get(pk=application.pk)
        raise EditConflict(
            section=section,
            version=current.version,
            changed_at=_changed_at(section_last_change(current, section)) or now,
        )
    application.version, application.section_edits, application.updated_at = (
        read_version + 1,
        edits,
        now,
    )


@transaction.atomic
def add_consortium_member(*, application: Application, actor, **fields) -> ConsortiumMember:
    """Add a member to a demonstration consortium (one lead; the overseas partner is mandatory)."""
    _require_section_editable(application, "consortium", actor)
    member = ConsortiumMember(application=application, **fields)
    member.country_code = (member.country_code or "").upper()
    if member.role == ConsortiumMember.Role.LEAD:
        if application.consortium_members.filter(role=ConsortiumMember.Role.LEAD).exists():
            raise DomainError(_("The consortium already has a lead company."), field="role")
        if member.kind != Organization.Kind.KOREAN_COMPANY:
            raise DomainError(_("The lead must be a Korean company."), field="kind")
    if (
        member.role == ConsortiumMember.Role.OVERSEAS_PUBLIC_PARTNER
        and member.kind not in Organization.OVERSEAS_PUBLIC_PARTNER_KINDS
    ):
        raise DomainError(
            _(
                "The overseas public partner must be a government, public institution or university."
            ),
            field="kind",
        )
    if application.consortium_members.filter(name__iexact=member.name).exists():
        raise DomainError(_("This organisation is already in the consortium."), field="name")
    _validate(member)
    member.save()
    return member


@transaction.atomic
def remove_consortium_member(*, member: ConsortiumMember, actor) -> None:
    _require_section_editable(member.application, "consortium", actor)
    member.delete()


@transaction.atomic
def upload_document(*, application: Application, kind: str, uploaded_file, actor) -> Document:
    """Store an uploaded file under a generated name, replacing the same kind (except "other").

    The content is checked (type by its bytes, size limit) before anything is stored; the old
    file of a replaced document is deleted after commit. A storage failure (disk full or
    read-only) is ``core.uploads.StorageUnavailable`` on the file field, and neither a row nor
    a file is left behind: the row is written only after the file, and the file is removed if
    the row cannot be.
    """
    _require_section_editable(application, "documents", actor)
    if kind not in Document.Kind.values:
        raise DomainError(_("Choose what kind of document this is."), field="kind")
    file_kind = validate_upload(uploaded_file)
    old_files = []
    if kind != Document.Kind.OTHER:
        for old in application.documents.filter(kind=kind):
            old_files.append(old.file.name)
            old.delete()
    document = Document(
        application=application,
        kind=kind,
        original_name=(uploaded_file.name or "file")[-255:],
        content_type=file_kind.content_type,
        size=uploaded_file.size,
        uploaded_by=actor,
    )
    store_upload(document.file, "upload", uploaded_file)
    try:
        _validate(document)
        document.save()
    except Exception:
        document.file.delete(save=False)  # no file without its row
        raise
    if old_files:
        storage = document.file.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in old_files])
    return document


@transaction.atomic
def remove_document(*, document: Document, actor) -> None:
    """Remove a document from an editable application; the file is deleted after commit."""
    _require_section_editable(document.application, "documents", actor)
    name, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


class AlreadySubmitted(DomainError):
    """Submitting an application that is already submitted: a harmless repeat, not an error."""


@transaction.atomic
def submit_application(*, application: Application, actor) -> Application:
    """Submit a draft: checks the deadline (server clock), completeness and one-per-city.

    Locks the row so that a double click submits once: a second call finds the status changed
    and raises ``AlreadySubmitted``. Transition, audit and confirmation are done by
    ``transition_application``.
    """
    locked = (
        Application.objects.select_for_update()
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    _require_member(locked, actor)
    if locked.status != S.DRAFT:
        if locked.status in Application.SUBMITTED_STATUSES:
            raise AlreadySubmitted(
                _("This application was already submitted (reference %(ref)s).")
                % {"ref": locked.reference or "—"},
                code="already_submitted",
            )
        raise DomainError(_("Only a draft can be submitted."), code="not_draft")
    if not locked.call.is_accepting_applications:
        raise DomainError(
            _("The call closed on %(date)s (Korea time); applications can no longer be submitted.")
            % {
                "date": timezone.localtime(locked.call.closes_at, _seoul()).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
            code="deadline",
        )
    problems = selectors.submission_problems(locked)
    if problems:
        raise DomainError(
            " ".join(str(p.message) for p in problems), code="incomplete", field=problems[0].section
        )
    try:
        with transaction.atomic():
            return transition_application(application=locked, to=S.SUBMITTED, actor=actor)
    except IntegrityError as exc:  # the partial unique constraint: a concurrent twin
        raise DomainError(
            _("Your organisation has already submitted a proposal for this city in this call."),
            code="duplicate_city",
        ) from exc


def _seoul():
    import zoneinfo

    return zoneinfo.ZoneInfo("Asia/Seoul")


@transaction.atomic
def withdraw_application(*, application: Application, actor, reason: str) -> Application:
    """Withdraw an application before a decision, with the applicant's reason (required)."""
    application = (
        Application.objects.select_for_update()
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    _require_member(application, actor)
    if not reason.strip():
        raise DomainError(_("Please give a reason for withdrawing."), field="reason")
    if S.WITHDRAWN not in APPLICATION_TRANSITIONS.get(application.status, set()):
        raise DomainError(
            _("This application can no longer be withdrawn."), code="not_withdrawable"
        )
    ClarificationRequest.objects.filter(
        application=application, status=ClarificationRequest.Status.OPEN
    ).update(status=ClarificationRequest.Status.CANCELLED)
    return transition_application(
        application=application, to=S.WITHDRAWN, actor=actor, reason=reason.strip()
    )


@transaction.atomic
def request_clarification(
    *, application: Application, actor, message: str, sections: list[str], due_at=None
) -> ClarificationRequest:
    """Staff of the track return a submitted application for changes to the named sections.

    Opens a clarification request, moves the application to ``clarification`` and notifies the
    applicant with the message. Only those sections become editable.
    """
    application = (
        Application.objects.select_for_update()
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    require_permission(
        actor,
        "applications.screen_application",
        application,
        message=_("Only staff of this track can ask for clarification."),
    )
    valid = {key for key, _label in selectors.sections_for_track(application.track)}
    sections = [s for s in sections if s in valid]
    if not sections:
        raise DomainError(_("Name at least one section to reopen."), field="sections")
    if not message.strip():
        raise DomainError(_("Say what needs clarifying."), field="message")
    previous = application.status
    if S.CLARIFICATION not in APPLICATION_TRANSITIONS.get(previous, set()):
        raise DomainError(
            _("Clarification cannot be requested in this status."), code="illegal_transition"
        )
    request = ClarificationRequest(
        application=application,
        requested_by=actor,
        message=message.strip(),
        sections=sections,
        previous_status=previous,
        due_at=due_at,
    )
    _validate(request)
    request.save()
    application = transition_application(
        application=application,
        to=S.CLARIFICATION,
        actor=actor,
        detail={"sections": sections, "clarification": request.pk},
        notify=False,
    )
    notify_applicants(
        application=application,
        template=STATUS_MESSAGES[S.CLARIFICATION],
        extra={
            "message": request.message,
            "sections": [str(selectors.SECTION_LABELS[s]) for s in sections],
        },
    )
    return request


@transaction.atomic
def answer_clarification(*, application: Application, actor, response: str) -> Application:
    """The applicant answers the open request; the application returns to ``submitted``."""
    application = (
        Application.objects.select_for_update()
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    _require_member(application, actor)
    request = (
        ClarificationRequest.objects.select_for_update()
        .filter(application=application, status=ClarificationRequest.Status.OPEN)
        .first()
    )
    if request is None or application.status != S.CLARIFICATION:
        raise DomainError(_("There is no open clarification request."), code="no_request")
    if not response.strip():
        raise DomainError(_("Write your answer to the request."), field="response")
    problems = [p for p in selectors.submission_problems(application) if p.section != "site"]
    if problems:
        raise DomainError(
            " ".join(str(p.message) for p in problems), code="incomplete", field="response"
        )
    request.status = ClarificationRequest.Status.ANSWERED
    request.response = response.strip()
    request.answered_at = timezone.now()
    request.answered_by = actor
    request.save(update_fields=["status", "response", "answered_at", "answered_by"])
    return transition_application(
        application=application,
        to=S.SUBMITTED,
        actor=actor,
        detail={"clarification": request.pk, "answered": True},
    )


def remind_draft_applicants(*, now=None) -> int:
    """Queue reminders to members of organisations with unsubmitted drafts in calls that close
    within 7 days (once) and within 1 day (once); returns how many messages were written.

    Each reminder has a dedupe key per application, member and stage, so running the job more
    often than daily sends nothing twice.
    """
    now = now or timezone.now()
    stages = ((1, "1d"), (7, "7d"))
    written = 0
    drafts = Application.objects.filter(
        status=S.DRAFT,
        call__status=Call.Status.OPEN,
        call__closes_at__gt=now,
        call__closes_at__lte=now + timezone.timedelta(days=7),
    ).select_related("call", "track")
    for application in drafts:
        left = application.call.closes_at - now
        days, stage = next((d, s) for d, s in stages if left <= timezone.timedelta(days=d))
        members = Membership.objects.filter(
            organization_id=application.organization_id
        ).select_related("user")
        with transaction.atomic():
            for membership in members:
                written += len(
                    queue_message(
                        recipient=membership.user,
                        template="applications/draft_reminder",
                        context={
                            "title": application.title,
                            **_call_names(application.call),
                            "days": days,
                            "closes_at": timezone.localtime(
                                application.call.closes_at, _seoul()
                            ).strftime("%Y-%m-%d %H:%M"),
                        },
                        link=application.get_absolute_url(),
                        dedupe_key=f"draft-reminder:{application.pk}:{membership.user_id}:{stage}",
                    )
                )
    return written


@transaction.atomic
def screen_application(
    *, application: Application, eligible: bool, reason: str = "", actor
) -> Application:
    """Record the eligibility decision on a submitted application.

    Ineligible needs a reason: the applicant sees it, and the transition service queues the
    ``applications/ineligible`` message to the applicant organisation. Audited there too.
    """
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise DomainError(
            _("Give the reason the application is ineligible; the applicant will see it."),
            field="reason",
        )
    to = Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE
    return transition_application(
        application=application, to=to, actor=actor, reason=reason, detail={"screening": True}
    )


def screen_applications(
    *, applications: Iterable[Application], eligible: bool, reason: str = "", actor
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Screen several applications with one decision; each is its own transaction.

    Returns (screened, refused with the reason); one refusal does not undo the others.
    """
    done, refused = [], []
    for application in applications:
        try:
            done.append(
                screen_application(
                    application=application, eligible=eligible, reason=reason, actor=actor
                )
            )
        except DomainError as exc:
            refused.append((application, str(exc.message)))
    return done, refused
