"""Writes for applications. Every status change goes through ``transition_application``."""

import zlib
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import (
    IntegrityError,
    connection,
    transaction,
)
from django.db.models import Q
from django.forms import ModelChoiceField
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from accounts.models import Organization
from accounts.selectors import may_receive_mail, members_to_tell
from accounts.services import require_verified_email
from applications import clarifications, selectors, stages
from applications import questions as q
from applications.models import (
    Answer,
    ApplicantNotice,
    Application,
    ApplicationTag,
    ClarificationRequest,
    ConsortiumMember,
    Document,
    Question,
    ReferenceSequence,
    Tag,
)
from core.concurrency import StaleEdit, refuse_if_row_changed
from core.domain import (
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    DomainError,
    clean_or_refuse,
    refuse_past_due,
    refuse_too_long,
    require_permission,
)
from core.file_deletion import delete_after_commit
from core.transitions import apply_transition
from core.uploads import store_upload, validate_upload
from notifications.services import delivery_batch, in_each_language, queue_message
from projects.models import Call, City, Country, Track
from projects.rules import CONFIGURE_CALL, MANAGE_TRACK
from projects.selectors import (
    document_requirement,
    is_staff_of_track,
    secretariat_staff_of,
    upload_limits,
)

S = Application.Status
# The lifecycle: draft → submitted → eligible | ineligible → under_review → reviewed →
# selected | reserve | rejected → awarded; withdrawn from any state before a decision. A
# two-stage call's concept note (applications.stages): draft → concept_submitted → draft again
# as the full proposal (invited) | not_shortlisted (applications.shortlisting).
APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.CONCEPT_SUBMITTED, S.WITHDRAWN},
    S.CONCEPT_SUBMITTED: {S.DRAFT, S.NOT_SHORTLISTED, S.WITHDRAWN},
    S.NOT_SHORTLISTED: set(),
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
    S.CONCEPT_SUBMITTED: "applications/concept_submitted",
    S.NOT_SHORTLISTED: "applications/not_shortlisted",
}


def _call_names(call) -> dict[str, str]:
    """The call's name in each language, for message contexts (the reader's one is shown)."""
    return in_each_language("call", lambda: call.display_name)


def notify_applicants(
    *, application: Application, template: str, extra: dict | None = None
) -> None:
    """Queue a message to every member of the applicant organisation who receives its mail
    (``accounts.selectors.members_to_tell``; call inside the change)."""
    context = {
        "reference": application.reference or "",
        "title": application.title,
        "status": application.status,
        "reason": application.status_reason,
        **_call_names(application.call),
        **(extra or {}),
    }
    for member in members_to_tell(application.organization_id):
        queue_message(
            recipient=member,
            template=template,
            context=context,
            link=application.get_absolute_url(),
        )


def _next_reference(application: Application) -> str:
    """The next reference of the application's call year and track, e.g. ``2026-PL-007``.

    PostgreSQL: the prefix's own database sequence (``ReferenceSequence``) gives the number,
    locking nothing, so submissions of one track never wait for each other here and two never
    get the same number. A number taken by a transaction that then rolls back is not given
    again; callers take it last, after every check, so that this almost never happens and
    references run without gaps. SQLite, which lets one transaction write at a time: the
    highest stored number plus one, safe because the caller has written already (its status
    change), so no other transaction can store a reference until this one ends.

    A prefix's numbering starts after the highest reference stored under it, compared as
    numbers (1000 follows 999). Stores nothing but the numbering; the caller stores the
    reference.
    """
    prefix = f"{application.call.year}-{application.track.code}-"
    if connection.vendor != "postgresql":
        return f"{prefix}{_highest_reference_number(prefix) + 1:03d}"
    number = _take_reference_number(prefix)
    if number is None:
        number = _start_reference_sequence(prefix)
    return f"{prefix}{number:03d}"


def _take_reference_number(prefix: str) -> int | None:
    """``nextval`` of the prefix's sequence, in one statement; None when the prefix has no
    numbering row or its sequence is missing (a database restored from rows only)."""
    table = connection.ops.quote_name(ReferenceSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN to_regclass(name) IS NOT NULL THEN nextval(name::regclass) END "
            f"FROM (SELECT 'applications_reference_' || id AS name FROM {table} "
            "WHERE prefix = %s) AS numbering",
            [prefix],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _start_reference_sequence(prefix: str) -> int:
    """Start the prefix's numbering after the highest reference stored under it and return
    its first number. The first submissions of a prefix come here one at a time (a lock held
    until the transaction ends); those that waited take their number from the sequence the
    first one started. A sequence left by rows since deleted is replaced."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"applications:{prefix}".encode())]
        )
        number = _take_reference_number(prefix)
        if number is not None:
            return number
        numbering, _created = ReferenceSequence.objects.update_or_create(
            prefix=prefix, defaults={"started_after": _highest_reference_number(prefix)}
        )
        name = connection.ops.quote_name(numbering.sequence_name)
        cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
        cursor.execute(f"CREATE SEQUENCE {name} START WITH {numbering.started_after + 1:d}")
        cursor.execute(f"SELECT nextval('{name}')")
        return cursor.fetchone()[0]


def _highest_reference_number(prefix: str) -> int:
    """The highest number among the stored references ``<prefix><digits>`` (0 if none)."""
    references = Application.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    tails = (ref[len(prefix) :] for ref in references if ref.startswith(prefix))
    return max((int(tail) for tail in tails if tail.isascii() and tail.isdigit()), default=0)


def transition_application(
    *,
    application: Application,
    to: str,
    actor,
    reason: str = "",
    detail: dict | None = None,
    notify: bool = True,
    now=None,
    locked: bool = False,
) -> Application:
    """Move an application to status ``to`` if the lifecycle allows it.

    Locks the row, checks ``APPLICATION_TRANSITIONS``, saves, writes an audit row and queues
    the applicant's notification after commit. Business checks specific to a move (deadline,
    documents, budget) belong to the named services that call this one. ``locked``: the
    caller hands in the row it has locked in this transaction, with its call and track
    (``apply_transition``'s).
    """
    # A caller that hands in its locked row owns the transaction (``apply_transition``).
    with transaction.atomic(savepoint=not locked):
        return _transition_application(
            application,
            to=to,
            actor=actor,
            reason=reason,
            detail=detail,
            notify=notify,
            now=now or timezone.now(),
            locked=locked,
        )


def _transition_application(
    application: Application, *, to, actor, reason, detail, notify, now, locked
) -> Application:
    def prepare(row: Application, old: str) -> None:
        row.status_reason = reason
        if to == S.SUBMITTED and row.submitted_at is None:
            row.submitted_at = now
        if to == S.CONCEPT_SUBMITTED:  # a concept note is sent like a proposal, with its time
            row.concept_submitted_at = row.submitted_at = now
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
        locked=locked,
    )
    if to in (S.SUBMITTED, S.CONCEPT_SUBMITTED) and not application.reference:
        # After the status change, its checks and audit row: a number is taken only once
        # nothing but the notification quoting it can still fail (``_next_reference``).
        application.reference = _next_reference(application)
        Application.objects.filter(pk=application.pk).update(reference=application.reference)
    if notify and to in STATUS_MESSAGES:
        notify_applicants(application=application, template=STATUS_MESSAGES[to])
    return application


# --- The applicant's writes: drafts, documents, submission, withdrawal, clarifications -------


# The fields each section writes; a section's form never writes anything else (the table is
# in ``selectors``, which the clarification snapshots read too).
SECTION_FIELDS = selectors.SECTION_FIELDS


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


def require_section_editable(application: Application, section: str, actor) -> None:
    """Refuse a change to ``section`` unless ``actor`` is a member of the applicant
    organisation (code ``forbidden``) and the section is open now (``deadline``: a draft whose
    call closed, in the submission's words, ``stages.deadline_refusal``; ``not_editable``:
    submitted, or not reopened by the clarification request). The section services ask it, and
    the section pages ask it to say why a form sent too late was not saved."""
    _require_member(application, actor)
    if section not in selectors.editable_sections(application):
        refusal = stages.deadline_refusal(application) if application.status == S.DRAFT else None
        if refusal is not None:
            raise refusal
        if application.status == S.CLARIFICATION:
            raise DomainError(
                _("Only the sections named in the clarification request can be changed."),
                code="not_editable",
            )
        if application.status == S.DRAFT and stages.is_concept_note(application):
            raise DomainError(
                _("A concept note does not have this section; it comes with the full proposal."),
                code="not_editable",
            )
        raise DomainError(
            _("This application has been submitted and can no longer be changed."),
            code="not_editable",
        )


def _lock_for_edit(application: Application, section: str, actor) -> Application:
    """The application's row locked (only its own) and ``section`` checked editable on it.

    For the edits that write other rows than the application's (documents, consortium
    members): a submission locks the same row, so an edit either finishes before the
    submission reads the documents and members it checks or sees the application submitted
    and is refused; nothing changes under a submission's feet."""
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    require_section_editable(locked, section, actor)
    return locked


@transaction.atomic
def start_application(*, track: Track, organization: Organization, actor) -> Application:
    """Open a draft application of ``organization`` to ``track`` while the call accepts them.

    Refuses an unverified e-mail address, a non-member, an organisation of the wrong kind for
    the track, and a call that is not open. Writes the draft and an audit row; sends nothing.
    """
    require_verified_email(
        actor, _("Please verify your e-mail address before starting an application.")
    )
    if not organization.memberships.filter(user=actor).exists():
        raise DomainError(_("You are not a member of this organisation."), code="forbidden")
    refusal = selectors.applicant_refusal(organization, track)
    if refusal is not None:
        raise DomainError(refusal, code="ineligible")
    if not track.call.is_accepting_new_applications:  # a two-stage call: until concept notes close
        raise DomainError(_("This call is not accepting applications."), code="closed")
    country = Country.objects.filter(code=organization.country_code).first()
    application = Application(
        call=track.call,
        track=track,
        organization=organization,
        created_by=actor,
        stage=stages.initial_stage(track.call),
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


# What the site form says of a city it does not offer (its ``ModelChoiceField``): the service
# says the same of one sent another way (the API).
CITY_NOT_OFFERED = ModelChoiceField.default_error_messages["invalid_choice"]


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
        Application.objects.select_for_update(of=("self",))
        .select_related("track", "call")
        .get(pk=application.pk)
    )
    require_section_editable(application, section, actor)
    allowed = SECTION_FIELDS.get(section)
    if allowed is None:
        raise DomainError(_("Unknown section."), code="invalid")
    allowed = stages.stage_fields(application, section, allowed)  # a concept note asks fewer
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
    chosen = submitted.get("city")
    if section == "site" and chosen and not selectors.site_cities(application).filter(pk=chosen.pk):
        # The page's drop-down does not offer it: refused with the form's own words.
        raise DomainError(CITY_NOT_OFFERED, field="city", code="invalid_choice")
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


class AnswersInvalid(DomainError):
    """Answers the questions do not accept: ``errors`` maps each question's code to the
    message for the reader. Nothing was saved. Pages show each message next to its question
    (field ``q_<code>``), the API answers 400 with them."""

    code = "invalid"

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        first = next(iter(errors))
        super().__init__(errors[first], code=self.code, field=f"q_{first}")


@transaction.atomic
def save_answers(
    *,
    application: Application,
    answers: dict,
    actor,
    base_version: int | None = None,
    edit_token: str = "",
) -> Application:
    """Write answers to the track's questions (the form's "questions" section).

    ``answers`` maps question codes to what the applicant sent; codes left out keep their
    answer (the API sends a few, the form sends all). Each value is checked and normalised by
    ``applications.questions.normalize``; any refusal raises ``AnswersInvalid`` and nothing
    is written. Conditions are evaluated here, on the server: the answer to a question that
    the other answers hide is dropped. Each stored answer keeps a snapshot of the question as
    answered. In a draft, answers to questions retired since are dropped too (the applicant
    answers their new version). Empty answers are removed; requiredness is a submission rule
    (``selectors.question_problems``), so a draft always saves.

    The same optimistic lock as the other sections (``base_version``, ``edit_token``,
    ``EditConflict``); audited during a clarification, like them."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("track", "call")
        .get(pk=application.pk)
    )
    require_section_editable(application, "questions", actor)
    questions = selectors.stage_questions(application)
    by_code = {x.code: x for x in questions}
    stored = {
        a.question.code: a
        for a in application.answers.select_related("question")
        if a.question_id in {x.pk for x in questions}
    }
    errors, cleaned = {}, {}
    for code, raw in answers.items():
        question = by_code.get(code)
        if question is None:
            errors[code] = _("There is no question “%(code)s” on this form.") % {"code": code}
            continue
        try:
            # A city question accepts the cities its form offers: the listed ones, the saved
            # answer and the application's site (``q.choosable_cities``).
            cleaned[code] = q.normalize(
                question,
                raw,
                stored=stored[code].value if code in stored else None,
                own_cities=[application.city_id],
            )
        except q.AnswerInvalid as exc:
            errors[code] = exc.message
    if errors:
        raise AnswersInvalid(errors)
    current = {code: stored[code].value if code in stored else None for code in by_code}
    merged = {**current, **cleaned}
    shown = q.visible_codes(
        questions,
        {code: value for code, value in merged.items() if value is not None},
        track_kind=application.track.kind,
    )
    final = {code: merged[code] if code in shown else None for code in by_code}
    edit = section_last_change(application, "questions")
    if (
        base_version is not None
        and edit.get("version", 0) > base_version
        and not (edit_token and edit.get("token") == edit_token)
        and final != current
    ):
        raise EditConflict(
            section="questions", version=application.version, changed_at=_changed_at(edit)
        )
    now = timezone.now()
    for code, question in by_code.items():
        value, answer = final[code], stored.get(code)
        if value is None:
            if answer is not None:
                answer.delete()
            continue
        wording = q.snapshot(question)
        if answer is None:
            answer = Answer(application=application, question=question)
        elif answer.value == value and answer.question_snapshot == wording:
            continue
        answer.value, answer.question_snapshot = value, wording
        answer.answered_at, answer.answered_by = now, actor
        answer.save()
    if application.status == S.DRAFT:
        stages.stale_answers(application, questions).delete()
    _write_section(application, "questions", fields=(), actor=actor, edit_token=edit_token)
    if application.status == S.CLARIFICATION:
        record_audit_event(
            subject=application,
            action="clarification_edit",
            actor=actor,
            detail={"section": "questions"},
        )
    return application


# --- Staff design of the questions -------------------------------------------------------------

# What staff set on a question (``create_question`` / ``update_question``).
QUESTION_FIELDS = (
    "code",
    "section",
    "section_ko",
    "section_order",
    "order",
    "type",
    "required",
    "label",
    "label_ko",
    "help_text",
    "help_text_ko",
    "options",
    "constraints",
    "condition",
    "stage",
    "identifying",
)


def _require_question_designer(actor, *, call: Call, track: Track | None) -> None:
    """Staff of the track design its questions; a question on every track of a call concerns
    every secretariat of the call, so only programme admins set those."""
    if track is None:
        require_permission(
            actor,
            CONFIGURE_CALL,
            call,
            message=_("Only programme admins set questions asked on every track of a call."),
        )
    else:
        require_permission(
            actor,
            MANAGE_TRACK,
            track,
            message=_("Only staff of this track can design its questions."),
        )


def _same_form(question: Question):
    """Live questions sharing a form with ``question``: its track's and its call's call-wide
    ones (for a call-wide question: every live question of the call)."""
    live = Question.objects.filter(call_id=question.call_id, retired_at__isnull=True)
    if question.track_id is not None:
        live = live.filter(Q(track_id=question.track_id) | Q(track__isnull=True))
    return live.exclude(pk=question.pk)


def _check_question(question: Question) -> None:
    """Refuse a question whose design the form cannot ask (a ``DomainError`` on its field)."""
    for field, message in q.definition_problems(question).items():
        raise DomainError(message, code="invalid", field=field)
    if _same_form(question).filter(code=question.code).exists():
        raise DomainError(
            _("Another question of this form already has the code “%(code)s”.")
            % {"code": question.code},
            code="invalid",
            field="code",
        )
    stage_problem = stages.condition_problem(question)
    if stage_problem:
        raise DomainError(stage_problem, code="invalid", field="condition")
    depends = (question.condition or {}).get("question")
    if depends and not _same_form(question).filter(code=depends).exists():
        raise DomainError(
            _("The condition names “%(code)s”, which is not a question of this form.")
            % {"code": depends},
            code="invalid",
            field="condition",
        )
    _validate(question)


@transaction.atomic
def create_question(*, actor, track: Track | None = None, call: Call | None = None, **fields):
    """Add a question to a track's form (``track``) or to every track of a call (``call``).

    ``fields`` are among ``QUESTION_FIELDS``. Checks the design (options of a choice, columns
    of a table, limits, a condition naming another question of the form, a code not used on
    the form), writes the question and an audit row."""
    call = track.call if track is not None else call
    _require_question_designer(actor, call=call, track=track)
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), code="invalid", field=sorted(unknown)[0])
    question = Question(call=call, track=track, **fields)
    _check_question(question)
    question.save()
    record_audit_event(
        subject=question,
        action="question_created",
        actor=actor,
        new_value=question.code,
        detail={"track": track.pk if track else None, "call": call.pk, "type": question.type},
    )
    return question


def question_is_answered(question: Question) -> bool:
    return question.answers.exists()


@transaction.atomic
def update_question(
    *, question: Question, actor, seen_version: str | None = None, **changes
) -> Question:
    """Change a question's design. Wording, help, section, order, requiredness and condition
    may change at any time (answers keep the words they were given with). Once an application
    has answered it, its type, options, constraints and code may not: the stored answers would
    no longer mean what they said. Staff then make a new version (``new_question_version``).
    Audited with the names of the changed fields. ``seen_version``: the fingerprint of the
    question the edit page showed; refused (``StaleEdit``) when it changed since."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("call", "track")
        .get(pk=question.pk)
    )
    _require_question_designer(actor, call=question.call, track=question.track)
    if question.is_retired:
        raise DomainError(_("A retired question cannot be changed."), code="retired")
    refuse_if_row_changed(question, seen_version)
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), code="invalid", field=sorted(unknown)[0])
    changed = [name for name, value in changes.items() if getattr(question, name) != value]
    locked = [name for name in changed if name in q.LOCKED_WHEN_ANSWERED]
    if locked and question_is_answered(question):
        raise DomainError(
            _(
                "Applications have answered this question: its %(what)s can no longer change. "
                "Make a new version of the question instead (the old one is retired and keeps "
                "its answers)."
            )
            % {"what": Question._meta.get_field(locked[0]).verbose_name},
            code="answered",
            field=locked[0],
        )
    if not changed:
        return question
    for name in changed:
        setattr(question, name, changes[name])
    _check_question(question)
    question.save()
    record_audit_event(
        subject=question, action="question_changed", actor=actor, detail={"fields": changed}
    )
    return question


@transaction.atomic
def retire_question(*, question: Question, actor, now=None) -> Question:
    """Take a question off the form. Its answers stay on the applications that gave them (and
    show as answered); drafts drop them when next saved. Audited."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("call", "track")
        .get(pk=question.pk)
    )
    _require_question_designer(actor, call=question.call, track=question.track)
    if question.is_retired:
        return question
    question.retired_at = now or timezone.now()
    question.save(update_fields=["retired_at"])
    record_audit_event(subject=question, action="question_retired", actor=actor)
    return question


@transaction.atomic
def new_question_version(*, question: Question, actor) -> Question:
    """Retire ``question`` and put an identical copy in its place, which staff may then change
    freely (it has no answers). The way to change an answered question's type or options."""
    old = retire_question(question=question, actor=actor)
    copy = Question(
        call=old.call,
        track=old.track,
        **{name: getattr(old, name) for name in QUESTION_FIELDS},
    )
    _check_question(copy)
    copy.save()
    record_audit_event(
        subject=copy,
        action="question_created",
        actor=actor,
        new_value=copy.code,
        detail={"replaces": old.pk},
    )
    return copy


@transaction.atomic
def move_question(*, question: Question, actor, up: bool) -> Question:
    """Move a question one place up or down within its section of the form (the order the
    applicant sees). Renumbers the section's questions 10, 20, … so the order is unambiguous.
    Audited."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("call", "track")
        .get(pk=question.pk)
    )
    _require_question_designer(actor, call=question.call, track=question.track)
    siblings = list(
        Question.objects.filter(
            call_id=question.call_id,
            track_id=question.track_id,
            retired_at__isnull=True,
            section_order=question.section_order,
            section=question.section,
        ).order_by("order", "pk")
    )
    index = next(i for i, x in enumerate(siblings) if x.pk == question.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(siblings):
        return question
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.order != position * 10:
            Question.objects.filter(pk=sibling.pk).update(order=position * 10)
    record_audit_event(
        subject=question,
        action="question_moved",
        actor=actor,
        detail={"direction": "up" if up else "down"},
    )
    question.refresh_from_db()
    return question


@transaction.atomic
def add_consortium_member(*, application: Application, actor, **fields) -> ConsortiumMember:
    """Add a member to a demonstration consortium (one lead; the overseas partner is mandatory)."""
    application = _lock_for_edit(application, "consortium", actor)
    member = ConsortiumMember(application=application, **fields)
    member.country_code = (member.country_code or "").upper()
    if member.kind == Organization.Kind.KOREAN_AGENCY:
        # The consortium page does not offer it; the API asks the same rule here.
        raise DomainError(
            _("A secretariat or ministry cannot be a member of a consortium."), field="kind"
        )
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
    _lock_for_edit(member.application, "consortium", actor)
    member.delete()


@transaction.atomic
def upload_document(
    *,
    application: Application,
    kind: str,
    uploaded_file,
    actor,
    replaces: str | None = None,
) -> Document:
    """Store an uploaded file under a generated name, replacing the same kind (except "other").

    The content is checked (type by its bytes, size limit) before anything is stored; the old
    file of a replaced document is deleted after commit. A storage failure (disk full or
    read-only) is ``core.uploads.StorageUnavailable`` on the file field, and neither a row nor
    a file is left behind: the row is written only after the file, and the file is removed if
    the row cannot be.

    Optimistic locking, as for the other sections: ``replaces`` is the public id of the
    document of this kind the user saw when they chose the file ("" when there was none).
    When another document of the kind has arrived since (a colleague's upload),
    ``EditConflict`` is raised and nothing changes. ``None`` (a client that does not say)
    replaces whatever is there.
    """
    application = _lock_for_edit(application, "documents", actor)
    if kind not in Document.Kind.values and document_requirement(application.track, kind) is None:
        # A track's own kind (own-<n>) only where the track asks for it.
        raise DomainError(_("Choose what kind of document this is."), field="kind")
    if replaces is not None and kind != Document.Kind.OTHER:
        current = application.documents.filter(kind=kind).order_by("-uploaded_at").first()
        if current is not None and str(current.public_id) != replaces:
            raise EditConflict(
                section="documents", version=application.version, changed_at=current.uploaded_at
            )
    # The formats and size the track's staff set for this kind (projects.DocumentRequirement).
    file_kind = validate_upload(uploaded_file, **upload_limits(application.track, kind))
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
    for name in old_files:
        delete_after_commit(name)
    return document


@transaction.atomic
def remove_document(*, document: Document, actor) -> None:
    """Remove a document from an editable application; the file is deleted after commit."""
    _lock_for_edit(document.application, "documents", actor)
    name = document.file.name
    document.delete()
    delete_after_commit(name)


class AlreadySubmitted(DomainError):
    """Submitting an application that is already submitted: a harmless repeat, not an error."""


@transaction.atomic
def submit_application(*, application: Application, actor) -> Application:
    """Submit a draft: checks the deadline (server clock), completeness and one-per-city.

    Locks the row so that a double click submits once: a second call finds the status changed
    and raises ``AlreadySubmitted``. Transition, audit and confirmation are done by
    ``transition_application``.

    Under concurrency (tests/applications/test_submit_concurrency.py): only the application's
    own row is locked, so the submissions of a call go on side by side; the call's row is
    share-locked (``_share_lock_call_of``), so closing the call or moving its dates waits for
    the submissions under way and the later ones see the change; one proposal per city is the
    partial unique constraint ``applications_one_per_org_city_call`` (a concurrent twin fails
    at the database, reported as ``duplicate_city``); the budget floor and ceiling are the
    track's terms, fixed once the call opens (``projects.services.track_terms_are_fixed``); the
    reference is the track's sequence, taken last (``_next_reference``).
    """
    _share_lock_call_of(application.pk)
    locked = (  # the organisation joined: completeness asks who may apply on the same row
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    _require_member(locked, actor)
    if locked.status != S.DRAFT:
        if locked.status in Application.SITE_TAKEN_STATUSES:
            raise AlreadySubmitted(
                _("This application was already submitted (reference %(ref)s).")
                % {"ref": locked.reference or "—"},
                code="already_submitted",
            )
        raise DomainError(_("Only a draft can be submitted."), code="not_draft")
    refusal = stages.deadline_refusal(locked)  # the server's clock decides
    if refusal is not None:
        raise refusal
    problems = selectors.submission_problems(locked)
    if problems:
        raise DomainError(
            " ".join(str(p.message) for p in problems), code="incomplete", field=problems[0].section
        )
    to = stages.submission_status(locked)  # a concept note has its own status and deadline
    try:
        with transaction.atomic():
            return transition_application(application=locked, to=to, actor=actor, locked=True)
    except IntegrityError as exc:
        if not selectors.site_taken_by_another(locked):  # not that constraint: a real fault
            raise
        raise DomainError(  # the partial unique constraint: a concurrent twin committed first
            _("Your organisation has already submitted a proposal for this city in this call."),
            code="duplicate_city",
        ) from exc


def _share_lock_call_of(application_id: int) -> None:
    """Hold the application's call with a shared lock on its row until the transaction ends
    (PostgreSQL), taken before the call is read (with the application, in a later statement,
    which sees the row as it is once the lock is held).

    ``FOR SHARE``, which ``select_for_update`` cannot ask for: any number of submissions hold
    it together, while a change of the row (``transition_call`` closing the call,
    ``update_call`` moving its dates) waits for them, and a submission coming after the
    change reads it. The call is locked before the application, in the order those changes
    take them. SQLite has one writer at a time and needs no lock."""
    if connection.vendor != "postgresql":
        return
    call = Call._meta.db_table
    app = Application._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM "{call}" WHERE "id" = (SELECT "call_id" FROM "{app}" WHERE "id" = %s) '
            f'FOR SHARE OF "{call}"',
            [application_id],
        )


@transaction.atomic
def withdraw_application(*, application: Application, actor, reason: str) -> Application:
    """Withdraw an application before a decision, with the applicant's reason (required)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "track")
        .get(pk=application.pk)
    )
    _require_member(application, actor)
    reason = refuse_too_long(reason)
    if not reason:
        raise DomainError(_("Please give a reason for withdrawing."), field="reason")
    if not selectors.can_be_withdrawn(application):
        raise DomainError(
            _("This application can no longer be withdrawn."), code="not_withdrawable"
        )
    ClarificationRequest.objects.filter(
        application=application, status=ClarificationRequest.Status.OPEN
    ).update(status=ClarificationRequest.Status.CANCELLED)
    return transition_application(
        application=application, to=S.WITHDRAWN, actor=actor, reason=reason, locked=True
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
        Application.objects.select_for_update(of=("self",))
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
    message = refuse_too_long(message, limit=MESSAGE_MAX_LENGTH, field="message")
    if not message:
        raise DomainError(_("Say what needs clarifying."), field="message")
    refuse_past_due(due_at)
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
        before=clarifications.snapshot(application, sections),
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
            # The reopened sections named in each language, as the reader reads them.
            **in_each_language(
                "sections",
                lambda: ", ".join(str(selectors.SECTION_LABELS[s]) for s in sections),
            ),
        },
    )
    return request


@transaction.atomic
def answer_clarification(*, application: Application, actor, response: str) -> Application:
    """The applicant answers the open request; the application returns to ``submitted``.

    Refused while a section the request reopened lacks what the submission asks for
    (``selectors.submission_problems`` of those sections only)."""
    application = (
        Application.objects.select_for_update(of=("self",))
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
    response = refuse_too_long(response, limit=MESSAGE_MAX_LENGTH, field="response")
    if not response:
        raise DomainError(_("Write your answer to the request."), field="response")
    # Only what the applicant can change now counts: the sections the request reopened. A
    # requirement staff added after the submission (a required question or document) is asked
    # of the proposal only where a request reopens its section; elsewhere it would block an
    # answer the applicant has no way to give.
    reopened = set(request.sections)
    problems = [p for p in selectors.submission_problems(application) if p.section in reopened]
    if problems:
        raise DomainError(
            " ".join(str(p.message) for p in problems), code="incomplete", field="response"
        )
    request.status = ClarificationRequest.Status.ANSWERED
    request.response = response.strip()
    request.answered_at = timezone.now()
    request.answered_by = actor
    request.after = clarifications.snapshot(application, request.sections)
    request.save(update_fields=["status", "response", "answered_at", "answered_by", "after"])
    application = transition_application(
        application=application,
        to=S.SUBMITTED,
        actor=actor,
        detail={"clarification": request.pk, "answered": True},
    )
    _tell_staff_of_answer(application, request)
    return application


def _tell_staff_of_answer(application: Application, request: ClarificationRequest) -> None:
    """Tell the track's secretariat staff, and whoever asked while they still run the track,
    that the answer is in: the application waits for them to screen it again
    (``selectors.clarifications_to_rescreen``). An asker who has left the track (or whose
    account was closed) reads neither the answer nor the screening page it links to."""
    recipients = {user.pk: user for user in secretariat_staff_of(application.track)}
    asker = request.requested_by
    if (
        asker.pk not in recipients
        and may_receive_mail(asker)
        and is_staff_of_track(asker, application.track)
    ):
        recipients[asker.pk] = asker
    context = {
        "reference": application.reference or "",
        "title": application.title,
        **in_each_language("organization", lambda: application.organization.display_name),
        "response": request.response,
        "changes": len(clarifications.changes(request)),
    }
    link = reverse("staff_applications:screen", kwargs={"pk": application.pk})
    with delivery_batch():
        for user in recipients.values():
            queue_message(
                recipient=user,
                template="applications/clarification_answered",
                context=context,
                link=link,
            )


def remind_draft_applicants(*, now=None) -> int:
    """Queue reminders to members of organisations with unsubmitted drafts whose deadline is
    within 7 days (once) and within 1 day (once); returns how many messages were written.

    The deadline is the draft's stage's (``Application.stage_deadline``): the concept notes'
    on a two-stage call's concept note, the call's closing time for a full proposal, so an
    invited applicant is reminded again before the full proposals close. Each reminder has a
    dedupe key per application, member, stage of the call and reminder, so the hourly job
    sends nothing twice, and the first run inside a reminder's window sends it: a run beat
    could not publish is caught up by the next. Only the nearer reminder is sent when both
    are due; it gives the whole days really left (a 7-day one sent late says 3 days).
    """
    now = now or timezone.now()
    soon = now + timezone.timedelta(days=7)
    reminders = ((1, "1d"), (7, "7d"))
    written = 0
    drafts = (
        Application.objects.filter(status=S.DRAFT, call__status=Call.Status.OPEN)
        .filter(
            Q(call__closes_at__gt=now, call__closes_at__lte=soon)
            | Q(call__concept_closes_at__gt=now, call__concept_closes_at__lte=soon)
        )
        .select_related("call", "track")
    )
    for application in drafts:
        deadline = application.stage_deadline
        if not now < deadline <= soon:
            continue  # the other stage's deadline is the near one
        left = deadline - now
        stage_days, reminder = next(
            (d, r) for d, r in reminders if left <= timezone.timedelta(days=d)
        )
        days = min(stage_days, -(-left // timezone.timedelta(days=1)))  # whole days, rounded up
        concept = stages.is_concept_note(application)
        key = f"concept-{reminder}" if concept else reminder
        members = members_to_tell(application.organization_id)
        with transaction.atomic():
            for member in members:
                written += len(
                    queue_message(
                        recipient=member,
                        template="applications/draft_reminder",
                        context={
                            "title": application.title,
                            **_call_names(application.call),
                            "days": days,
                            "concept": concept,
                            "closes_at": stages.korea_time(deadline),
                        },
                        link=application.get_absolute_url(),
                        dedupe_key=f"draft-reminder:{application.pk}:{member.pk}:{key}",
                    )
                )
    return written


@transaction.atomic
def screen_application(
    *,
    application: Application,
    eligible: bool,
    reason: str = "",
    actor,
    expected_status: str | None = None,
) -> Application:
    """Record the eligibility decision on a submitted application.

    Ineligible needs a reason: the applicant sees it, and the transition service queues the
    ``applications/ineligible`` message to the applicant organisation. Audited there too.
    Only the track's staff screen (the rule is asked here, whichever door calls).
    ``expected_status``: the status the screener's page showed; when a colleague screened or
    moved the application since, nothing changes and nobody is told (``StaleEdit``, whose
    ``current`` is the status now). None: not checked.
    """
    require_permission(
        actor,
        "applications.screen_application",
        application,
        message=_("You do not run this application's track."),
    )
    reason = refuse_too_long(reason)
    if not eligible and not reason:
        raise DomainError(
            _("Give the reason the application is ineligible; the applicant will see it."),
            field="reason",
        )
    if expected_status:
        current = (
            Application.objects.select_for_update(of=("self",))
            .values_list("status", flat=True)
            .get(pk=application.pk)
        )
        if current != expected_status:
            raise StaleEdit(
                _(
                    "Someone else screened or moved this application since you opened the page: "
                    "it is now “%(status)s”. Nothing was recorded and the applicant was not told."
                )
                % {"status": Application.Status(current).label},
                current=current,
                changed=["status"],
            )
    to = Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE
    return transition_application(
        application=application, to=to, actor=actor, reason=reason, detail={"screening": True}
    )


def screen_applications(
    *,
    applications: Iterable[Application],
    eligible: bool,
    reason: str = "",
    actor,
    expected_status: str | None = None,
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Screen several applications with one decision; each is its own transaction.

    Returns (screened, refused with the reason); one refusal does not undo the others.
    ``expected_status``: the status the list showed them in; one screened or moved since is
    refused (``screen_application``), the others go through.
    """
    done, refused = [], []
    for application in applications:
        try:
            done.append(
                screen_application(
                    application=application,
                    eligible=eligible,
                    reason=reason,
                    actor=actor,
                    expected_status=expected_status,
                )
            )
        except DomainError as exc:
            refused.append((application, str(exc.message)))
    return done, refused


# --- Tags, and one action on a selection of applications ------------------------------------

#: Who may put a tag on an application or take it off: the staff of its track (applications.rules).
TAG_APPLICATION = "applications.tag_application"


@transaction.atomic
def create_tag(
    *,
    actor,
    name: str,
    colour: str = Tag.Colour.GREY,
    name_ko: str = "",
    track: Track | None = None,
    call: Call | None = None,
) -> Tag:
    """Create a staff tag for one track (by its staff) or for a whole call (by programme
    admins: a call spans both secretariats). Refuses a name the scope already has (in any
    case) and a colour outside the palette. Audited on the tag. Applicants never see tags."""
    if (track is None) == (call is None):
        raise DomainError(_("A tag belongs to one track or to one whole call."))
    _require_tag_keeper(actor, track=track, call=call)
    name = (name or "").strip()
    _require_free_tag_name(name, track=track, call=call)
    tag = Tag(
        track=track,
        call=call,
        name=name,
        name_ko=(name_ko or "").strip(),
        colour=colour,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    clean_or_refuse(tag)
    tag.save()
    record_audit_event(
        subject=tag,
        action="created",
        actor=actor,
        new_value=tag.name,
        detail={"track": tag.track_id, "call": tag.call_id, "colour": tag.colour},
    )
    return tag


def _require_tag_keeper(actor, *, track: Track | None, call: Call | None) -> None:
    """A track's tags are its secretariat's to keep; a whole call's, the programme admins'."""
    if track is not None:
        require_permission(
            actor, MANAGE_TRACK, track, message=_("Only the track's secretariat keeps its tags.")
        )
    else:
        require_permission(
            actor,
            CONFIGURE_CALL,
            call,
            message=_("Only programme administrators keep the tags of a whole call."),
        )


def _require_free_tag_name(name: str, *, track, call, other_than: Tag | None = None) -> None:
    """No two tags of one track (or one call) share a name, in any case."""
    scope = Q(track=track) if track is not None else Q(call=call)
    taken = Tag.objects.filter(scope, name__iexact=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if name and taken.exists():
        raise DomainError(_("A tag with this name already exists here."), field="name")


@transaction.atomic
def update_tag(*, tag: Tag, actor, name: str, name_ko: str = "", colour: str) -> Tag:
    """Rename or recolour a tag (who may: as ``create_tag``); the applications keep it under
    its new name. Audited on the tag with what changed."""
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    _require_tag_keeper(actor, track=tag.track, call=tag.call)
    name = (name or "").strip()
    _require_free_tag_name(name, track=tag.track, call=tag.call, other_than=tag)
    old = {"name": tag.name, "name_ko": tag.name_ko, "colour": tag.colour}
    tag.name, tag.name_ko, tag.colour = name, (name_ko or "").strip(), colour
    clean_or_refuse(tag)
    new = {"name": tag.name, "name_ko": tag.name_ko, "colour": tag.colour}
    if new == old:
        return tag
    tag.save(update_fields=["name", "name_ko", "colour"])
    record_audit_event(
        subject=tag,
        action="changed",
        actor=actor,
        old_value=old["name"],
        new_value=tag.name,
        detail={
            "old": {k: v for k, v in old.items() if new[k] != v},
            "new": {k: v for k, v in new.items() if old[k] != v},
        },
    )
    return tag


@transaction.atomic
def delete_tag(*, tag: Tag, actor) -> int:
    """Delete a tag (who may: as ``create_tag``): it comes off every application that has it,
    each audited on the application (``tag_removed``), and the deletion is audited on the tag
    with the applications it left. Returns how many applications had it."""
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    _require_tag_keeper(actor, track=tag.track, call=tag.call)
    links = list(ApplicationTag.objects.filter(tag=tag).select_related("application"))
    for link in links:
        record_audit_event(
            subject=link.application,
            action="tag_removed",
            actor=actor,
            old_value=tag.name,
            detail={"tag": tag.pk, "tag_deleted": True},
        )
    record_audit_event(
        subject=tag,
        action="deleted",
        actor=actor,
        old_value=tag.name,
        detail={"applications": [link.application_id for link in links]},
    )
    tag.delete()  # its links go with it
    return len(links)


def _may_tag(actor, application: Application, tag: Tag) -> None:
    require_permission(
        actor,
        TAG_APPLICATION,
        application,
        message=_("You do not run this application's track."),
    )
    if not tag.covers(application):
        raise DomainError(
            _("The tag “%(tag)s” is not one of this application's track or call.")
            % {"tag": tag.name}
        )


@transaction.atomic
def tag_application(*, application: Application, tag: Tag, actor) -> ApplicationTag:
    """Put ``tag`` on ``application`` (staff of its track; a tag of its track or call).
    Refuses an application that already has it, so a bulk action says so rather than
    counting it as done. Audited on the application (``tag_added``)."""
    _may_tag(actor, application, tag)
    if ApplicationTag.objects.filter(application=application, tag=tag).exists():
        raise DomainError(
            _("It already has the tag “%(tag)s”.") % {"tag": tag.name}, code="duplicate"
        )
    link = ApplicationTag.objects.create(
        application=application,
        tag=tag,
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_audit_event(
        subject=application,
        action="tag_added",
        actor=actor,
        new_value=tag.name,
        detail={"tag": tag.pk},
    )
    return link


@transaction.atomic
def untag_application(*, application: Application, tag: Tag, actor) -> None:
    """Take ``tag`` off ``application`` (same rule as ``tag_application``); refuses one that
    does not have it. Audited on the application (``tag_removed``)."""
    _may_tag(actor, application, tag)
    deleted, _detail = ApplicationTag.objects.filter(application=application, tag=tag).delete()
    if not deleted:
        raise DomainError(
            _("It does not have the tag “%(tag)s”.") % {"tag": tag.name}, code="missing"
        )
    record_audit_event(
        subject=application,
        action="tag_removed",
        actor=actor,
        old_value=tag.name,
        detail={"tag": tag.pk},
    )


def for_each_application(
    applications: Iterable[Application], action
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Run ``action(application)`` (one service call, its own transaction) on each application
    of a selection. Returns (done, refused with the reason): a refusal, by a rule or the
    lifecycle, is reported for that application and does not undo the others, so staff are
    told exactly which ones went through."""
    done, refused = [], []
    for application in applications:
        try:
            action(application)
        except DomainError as exc:
            refused.append((application, str(exc.message)))
        else:
            done.append(application)
    return done, refused


# --- Notices to a track's applicants ----------------------------------------------------------


def send_applicant_notice(
    *,
    track: Track,
    audience: str,
    subject: str,
    body: str,
    actor,
    key,
    subject_ko: str = "",
    body_ko: str = "",
    public: bool = False,
) -> ApplicantNotice:
    """Send a notice to the track's applicants (``audience``: all, drafts or sent, as
    ``selectors.notice_recipients`` reads it): one e-mail and one in-app notice per person,
    written to the outbox in this transaction in each reader's language (the Korean text where
    given), with the notice's row and an audit row on the track. The track's secretariat and
    programme admins only.

    ``key`` is the form's: a notice is sent once per key, so a second click, a resent form or a
    retry after a lost answer sends nothing more (``AlreadySent`` says to how many it went).
    ``public``: also listed on the call's page among its updates, for anyone (then it may reach
    nobody yet: a call's news before anyone applied). Refused when nobody would read it, when a
    message is longer than ``core.domain.NOTE_MAX_LENGTH``, and when the Korean is half written
    (a subject without its message or the reverse: a Korean reader would get one language over
    the other); with no Korean at all, everyone gets the English."""
    require_permission(
        actor,
        MANAGE_TRACK,
        track,
        message=_("Only the track's secretariat sends notices to its applicants."),
    )
    if audience not in ApplicantNotice.Audience.values:
        raise DomainError(_("Choose who receives the notice."), field="audience")
    subject, subject_ko = subject.strip(), subject_ko.strip()
    body = refuse_too_long(body, limit=NOTE_MAX_LENGTH, field="body")
    body_ko = refuse_too_long(body_ko, limit=NOTE_MAX_LENGTH, field="body_ko")
    if not subject:
        raise DomainError(_("Give the notice a subject."), field="subject")
    if not body:
        raise DomainError(_("Write the notice."), field="body")
    if subject_ko and not body_ko:
        raise DomainError(
            _("Write the message in Korean too, or leave the Korean subject empty."),
            field="body_ko",
        )
    if body_ko and not subject_ko:
        raise DomainError(
            _("Write the subject in Korean too, or leave the Korean message empty."),
            field="subject_ko",
        )
    with transaction.atomic():
        # A form sent before (a second click, a retry): nothing more. Two at the same moment:
        # the second one's insert waits at the key's unique index for the first to commit,
        # then fails, below.
        earlier = ApplicantNotice.objects.filter(key=key).first()
        if earlier is not None:
            raise AlreadySent(earlier)
        recipients = list(selectors.notice_recipients(track, audience))
        if not recipients and not public:
            raise DomainError(
                _("Nobody would receive this notice: no applicant of the track is in that group."),
                field="audience",
            )
        notice = ApplicantNotice(
            track=track,
            audience=audience,
            subject=subject,
            subject_ko=subject_ko,
            body=body,
            body_ko=body_ko,
            recipients=len(recipients),
            public=public,
            sent_by=actor,
            key=key,
        )
        clean_or_refuse(notice, exclude=["key"])
        try:
            with transaction.atomic():
                notice.save(force_insert=True)
        except IntegrityError:  # the same form, sent at the same moment, committed first
            raise AlreadySent(ApplicantNotice.objects.get(key=key)) from None
        record_audit_event(
            subject=track,
            action="applicant_notice_sent",
            actor=actor,
            detail={
                "notice": notice.pk,
                "audience": audience,
                "recipients": len(recipients),
                "public": public,
            },
        )
        context = {
            "subject": notice.subject,
            "subject_ko": notice.subject_ko,
            "body": notice.body,
            "body_ko": notice.body_ko,
            **_call_names(track.call),
            **in_each_language("track", lambda: track.display_name),
        }
        link = reverse("projects:call_detail", args=[track.call.slug])
        # Queued together after commit, a task per batch of e-mails: one task and one broker
        # call per recipient would hold the request for as many broker time-outs in an outage.
        with delivery_batch():
            for user in recipients:
                queue_message(
                    recipient=user,
                    template="applications/applicant_notice",
                    context=context,
                    link=link,
                )
    return notice


@transaction.atomic
def unpublish_applicant_notice(*, notice: ApplicantNotice, actor) -> ApplicantNotice:
    """Take a notice off the call's page (a wrong date published, news overtaken): it is no
    longer listed among the call's updates. Audited on the track. The e-mails and in-app
    notices already sent are not taken back, and its text is never changed: a corrected
    notice is sent as a new one. The track's secretariat and programme admins only."""
    require_permission(
        actor,
        MANAGE_TRACK,
        notice.track,
        message=_("Only the track's secretariat sends notices to its applicants."),
    )
    notice = ApplicantNotice.objects.select_for_update().get(pk=notice.pk)
    if not notice.public:
        raise DomainError(_("This notice is not on the call's page."), code="not_public")
    notice.public = False
    notice.save(update_fields=["public"])
    record_audit_event(
        subject=notice.track,
        action="applicant_notice_unpublished",
        actor=actor,
        old_value="public",
        new_value="not public",
        detail={"notice": notice.pk},
    )
    return notice


class AlreadySent(DomainError):
    """The notice of this form was sent already (``send_applicant_notice``)."""

    code = "already_sent"

    def __init__(self, notice: ApplicantNotice):
        super().__init__(
            _("This notice was already sent, to %(count)s people.") % {"count": notice.recipients},
            code=self.code,
        )
        self.notice = notice
