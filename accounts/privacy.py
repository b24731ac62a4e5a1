"""Personal data: the privacy notice, the registry of kinds, retention, export and erasure.

Every app that stores personal data registers its kinds here (``register_personal_data``) from
its ``AppConfig.ready``: what the kind is, how long it is kept (``Retention``), which objects are
past that time (``due``), how one of them is anonymised, what a user's download holds
(``export``, ``files``) and what an approved erasure does to the user's objects (``erase``), or
why the kind is kept despite an erasure (``kept_on_erasure``: a legal retention obligation).
``accounts`` is the lowest app that owns users, so the registry lives here and knows the
higher apps only through what they register. ``notifications`` sits below ``accounts`` and may
not import it: ``AccountsConfig.ready`` registers its kind from ``notifications.privacy``.

One place for each rule: the notice page renders the retention table from the registry, the
retention job (``apply_retention``) reads the same ``Retention`` and ``due`` of every kind, and
the download (``export_personal_data``) and the erasure (``decide_erasure_request``) walk the
same kinds. See docs/privacy.md.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import roles, tokens
from accounts.audit import record_audit_event
from accounts.models import (
    AnonymisedRecord,
    ApiToken,
    ErasureRequest,
    Membership,
    OrganizationInvitation,
    ReviewerProfile,
    User,
)
from accounts.rules import DECIDE_ERASURE
from accounts.services import clear_pending_email, revoke_invitations_sent_by
from core.domain import DomainError, require_permission
from core.file_deletion import delete_after_commit
from core.storage import REMOTE_STORAGE_ERRORS, StorageUnreachable
from notifications.services import queue_message

logger = logging.getLogger(__name__)

# The version of the privacy notice (templates/accounts/privacy_notice.html). Change it when
# the notice changes in substance: every logged-in user is then asked to read it again.
PRIVACY_NOTICE_VERSION = "2026-12"

# The privacy officer named in the notice (PIPA art. 31). Settings may override these.
DEFAULT_PRIVACY_OFFICER = {
    "name": "Privacy Officer, K-City Network Secretariat",
    "name_ko": "K-City 네트워크 사무국 개인정보 보호책임자",
    "email": "privacy@kcitynetwork.kr",
    "phone": "+82-44-201-3000",
}

# Objects anonymised per transaction: a crash loses at most one batch's work, which the next
# run redoes because nothing of it was marked.
BATCH_SIZE = 200

# What an anonymised account is called, and its e-mail address (``.invalid`` is reserved:
# nothing is ever delivered there, and the unique e-mail constraint holds with the pk in it).
ANONYMISED_NAME = "Anonymised user"
ANONYMISED_EMAIL_DOMAIN = "anonymised.invalid"


def privacy_officer() -> dict[str, str]:
    """The privacy officer's contact, from ``settings.KCITY_PRIVACY_OFFICER`` if set."""
    return {**DEFAULT_PRIVACY_OFFICER, **getattr(settings, "KCITY_PRIVACY_OFFICER", {})}


def anonymised_email(pk: int) -> str:
    return f"anonymised-{pk}@{ANONYMISED_EMAIL_DOMAIN}"


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """``moment`` minus whole calendar years (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


# --- The registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """How long a kind is kept: ``years`` after the event ``after`` names."""

    years: int
    after: str  # a lazy translation, e.g. "after the call closes"

    def describe(self) -> str:
        return ngettext("%(years)d year %(after)s", "%(years)d years %(after)s", self.years) % {
            "years": self.years,
            "after": self.after,
        }

    def cutoff(self, now: datetime.datetime) -> datetime.datetime:
        """Objects whose event is before this moment are past their retention."""
        return years_before(now, self.years)


@dataclass(frozen=True)
class PersonalDataKind:
    """One kind of personal data an app stores, and what the portal does with it."""

    name: str
    label: str
    retention: Retention | None = None
    # ``due(now)``: a queryset of the objects past retention (already anonymised ones are
    # left out by the registry through their marker, or by ``due`` itself when ``marks`` is
    # False because ``anonymise`` deletes the row or the model carries its own marker).
    due: Callable[[datetime.datetime], models.QuerySet] | None = None
    # ``anonymise(obj)``: anonymise one object, inside the batch's transaction (files are
    # deleted from storage only once it commits: ``delete_file_on_commit``).
    anonymise: Callable[[models.Model], None] | None = None
    # ``export(user)``: JSON-able rows for the user's download.
    export: Callable[[User], list[dict]] | None = None
    # ``files(user)``: (name in the ZIP, FieldFile) of the user's uploaded documents.
    files: Callable[[User], Iterable[tuple[str, object]]] | None = None
    # ``erase(user)``: anonymise the user's objects on an approved erasure; returns a count.
    erase: Callable[[User], int] | None = None
    # Why this kind is kept when its subject asks for erasure (a legal retention obligation).
    kept_on_erasure: str = ""
    marks: bool = True
    # The heading of the kind's rows in data.json, when it differs from ``label``.
    export_label: str = ""


_KINDS: dict[str, PersonalDataKind] = {}


def register_personal_data(name: str, *, label, retention=None, **hooks) -> PersonalDataKind:
    """Register (or replace, so a second ``ready()`` is harmless) one kind of personal data."""
    kind = PersonalDataKind(name=name, label=label, retention=retention, **hooks)
    _KINDS[name] = kind
    return kind


def registered_kinds() -> list[PersonalDataKind]:
    """Every registered kind, in registration order (apps in INSTALLED_APPS order)."""
    return list(_KINDS.values())


def get_kind(name: str) -> PersonalDataKind:
    return _KINDS[name]


def retention_table() -> list[dict]:
    """The notice's retention table: one row per kind with a retention period."""
    return [
        {"name": kind.name, "label": kind.label, "retention": kind.retention.describe()}
        for kind in registered_kinds()
        if kind.retention is not None
    ]


def delete_file_on_commit(file) -> None:
    """Delete a stored file once the current transaction commits (never before: a rolled-back
    batch must not leave rows pointing at files that are gone)."""
    if file:
        delete_after_commit(file.name)


# --- The privacy notice and consent ------------------------------------------------------------


def needs_notice(user) -> bool:
    """Whether a logged-in user has yet to accept the current version of the notice."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.privacy_notice_version != PRIVACY_NOTICE_VERSION
    )


@transaction.atomic
def accept_privacy_notice(*, user: User, source: str = "interstitial") -> User:
    """Record that ``user`` has read the current notice (version and time), with an audit
    row. Called by sign-up (``source="signup"``) and by the page that asks again after the
    notice changed. Idempotent for the same version: no second row."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.privacy_notice_version == PRIVACY_NOTICE_VERSION:
        return user
    old = user.privacy_notice_version
    user.privacy_notice_version = PRIVACY_NOTICE_VERSION
    user.privacy_consented_at = timezone.now()
    user.save(update_fields=["privacy_notice_version", "privacy_consented_at"])
    record_audit_event(
        subject=user,
        action="privacy_notice_accepted",
        actor=user,
        old_value=old,
        new_value=PRIVACY_NOTICE_VERSION,
        detail={"source": source},
    )
    return user


@transaction.atomic
def register_consenting_user(*, privacy_consent: bool, **fields) -> User:
    """Sign-up: refuse without the acknowledgement of the notice, else create the account
    (``accounts.services.register_user``) and record the acknowledgement, in one
    transaction."""
    from accounts.services import register_user

    if not privacy_consent:
        raise DomainError(
            _("Please confirm that you have read the privacy notice."),
            code="consent_required",
            field="privacy_consent",
        )
    user = register_user(**fields)
    return accept_privacy_notice(user=user, source="signup")


# --- Retention -------------------------------------------------------------------------------


def due_objects(kind: PersonalDataKind, now: datetime.datetime) -> models.QuerySet:
    """The objects of ``kind`` past retention at ``now`` and not anonymised yet."""
    queryset = kind.due(now)
    if kind.marks:
        done = AnonymisedRecord.objects.filter(kind=kind.name).values("object_id")
        queryset = queryset.exclude(pk__in=done)
    return queryset.order_by("pk")


def plan_retention(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """How many objects of each kind the retention job would anonymise now (the dry run)."""
    now = now or timezone.now()
    return {
        kind.name: due_objects(kind, now).count()
        for kind in registered_kinds()
        if kind.due is not None and kind.anonymise is not None
    }


def apply_retention(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Anonymise every object past its kind's retention; returns the count per kind.

    Each batch runs in its own transaction: the objects are locked, anonymised, marked
    (``AnonymisedRecord``, or the model's own marker) and counted in one audit row whose
    subject is the model's content type. A crash loses only the batch in flight; the next run starts from what is still unmarked, so the job is idempotent and
    resumable. Statistics stay true: statuses, countries, tracks, budgets and scores are not
    touched, only names, contacts, free text about people and uploaded files. Sends nothing.

    An object that cannot be anonymised (its ``anonymise`` raises) holds up only itself: its
    batch is rolled back and done again one object at a time, the failing one is logged and
    left for the next run, and the rest of its kind and every later kind go on. Before, one
    such row stopped the whole job, night after night.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind in registered_kinds():
        if kind.due is None or kind.anonymise is None:
            continue
        counts[kind.name] = 0
        failed: set = set()
        while True:
            try:
                done = _anonymise_batch(kind, now, batch_size, skip=failed)
            except Exception:  # noqa: BLE001 - one object's fault must not stop the job
                done = _anonymise_one_by_one(kind, now, batch_size, failed)
                if done is None:
                    break
            else:
                if not done:
                    break
            counts[kind.name] += done
    return counts


def _anonymise_one_by_one(
    kind: PersonalDataKind, now: datetime.datetime, batch_size: int, failed: set
) -> int | None:
    """The next batch of ``kind``, one object per transaction; an object whose anonymisation
    raises is logged and added to ``failed`` (skipped for the rest of this run). The number
    anonymised, or None when nothing was left to try."""
    ids = list(
        due_objects(kind, now).exclude(pk__in=failed).values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return None
    done = 0
    for pk in ids:
        try:
            done += _anonymise_batch(kind, now, 1, only=pk)
        except Exception:  # noqa: BLE001 - logged; the next run tries it again
            logger.exception("Retention: %s object %s could not be anonymised", kind.name, pk)
            failed.add(pk)
    return done


@transaction.atomic
def _anonymise_batch(
    kind: PersonalDataKind,
    now: datetime.datetime,
    batch_size: int,
    *,
    skip: Iterable = (),
    only=None,
) -> int:
    due = due_objects(kind, now).exclude(pk__in=list(skip))
    if only is not None:
        due = due.filter(pk=only)
    ids = list(due.values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0
    model = kind.due(now).model
    objects = list(model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk"))
    for obj in objects:
        kind.anonymise(obj)
    if kind.marks:
        AnonymisedRecord.objects.bulk_create(
            [
                AnonymisedRecord(
                    kind=kind.name, object_id=obj.pk, anonymised_at=now, reason="retention"
                )
                for obj in objects
            ]
        )
    # One row per batch: the audit trail names the model whose rows were anonymised (its
    # content type is the subject), the kind, the count and the ids.
    record_audit_event(
        subject=_content_type(model),
        action="retention_applied",
        new_value=str(len(objects)),
        detail={
            "kind": kind.name,
            "count": len(objects),
            "ids": [obj.pk for obj in objects],
            "retention": kind.retention.describe() if kind.retention else "",
        },
    )
    return len(objects)


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model, for_concrete_model=True)


# --- The accounts' own kind: the account itself ------------------------------------------------

INACTIVE_ACCOUNT_RETENTION = Retention(3, gettext_lazy("after the last log-in"))


def inactive_accounts_due(now: datetime.datetime) -> models.QuerySet:
    """Accounts with no application (made or of their organisation) and no log-in for three
    years; staff and superusers are the programme's own and are closed by hand."""
    # Applications sit above accounts: asked for by name at call time (docs/architecture.md).
    from django.apps import apps

    application = apps.get_model("applications", "Application")
    with_applications = application.objects.values("created_by")
    organisations_with_applications = application.objects.values("organization")
    cutoff = INACTIVE_ACCOUNT_RETENTION.cutoff(now)
    return (
        User.objects.filter(anonymised_at__isnull=True, is_staff=False, is_superuser=False)
        .exclude(groups__name__in=[roles.PROGRAMME_ADMIN, roles.SECRETARIAT_STAFF])
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff)
        .exclude(pk__in=with_applications)
        .exclude(memberships__organization__in=organisations_with_applications)
        .distinct()
    )


def anonymise_account(user: User) -> dict:
    """Anonymise an account in place: name and e-mail become placeholders, the password is
    unusable and the account inactive (so its sessions end at their next request: Django ties
    a session to the password hash, and an inactive user is not authenticated), its API
    tokens are revoked, its second-factor devices and log-in lock-out records deleted, its
    reviewer profile's free text cleared, invitations sent to its address anonymised and the
    open invitations it sent revoked (``services.revoke_invitations_sent_by``, as when an
    account is deactivated: they were sent on the authority of an account that has ended).

    The row stays, so what the account wrote (applications, reviews) keeps an author for
    the statistics. Memberships stay (an organisation's history). Returns what it did.
    Call inside a transaction; writes no audit row (the caller does).
    """
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    now = timezone.now()
    old_email, old_repr = user.email, str(user)
    user.name = ANONYMISED_NAME
    user.name_ko = ""
    user.email = anonymised_email(user.pk)
    user.set_unusable_password()
    user.is_active = False
    user.anonymised_at = now
    # A pending change of address too (its link is void with the address it was sent from).
    user.pending_email = ""
    user.pending_email_requested_at = None
    user.save(
        update_fields=[
            "name",
            "name_ko",
            "email",
            "password",
            "is_active",
            "anonymised_at",
            "pending_email",
            "pending_email_requested_at",
        ]
    )
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _forget_lockout_records(old_email)
    _forget_admin_log_names(old_repr, old_email, user)
    ReviewerProfile.objects.filter(user=user).update(
        affiliation="", employer="", recent_companies="", biography=""
    )
    invitations = OrganizationInvitation.objects.filter(email__iexact=old_email).update(
        email=user.email
    )
    # After the anonymisation: the audit rows name the sender by its placeholder address.
    sent_revoked = revoke_invitations_sent_by(user=user, actor=None, reason="account_erased")
    return {
        "tokens_revoked": tokens,
        "invitations": invitations,
        "invitations_revoked": sent_revoked,
    }


def _forget_lockout_records(email: str) -> None:
    """django-axes keeps the address typed and the client IP of log-in attempts."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=email).delete()


def _forget_admin_log_names(old_repr: str, old_email: str, user: User) -> None:
    """Django's admin log (``LogEntry``, the back office's "Recent actions") keeps each changed
    object's ``str()`` as it was: the account's is "name <e-mail>", and its memberships',
    invitations' and requests' start with it. Those names become the placeholders; what was
    done, when and by whom stays (the audit trail is the record; this is a convenience list).
    """
    from django.contrib.admin.models import LogEntry

    pattern = re.compile(re.escape(old_email), re.IGNORECASE)
    for entry in LogEntry.objects.filter(object_repr__icontains=old_email).only("object_repr"):
        entry.object_repr = pattern.sub(user.email, entry.object_repr.replace(old_repr, str(user)))
        entry.save(update_fields=["object_repr"])


def export_account(user: User) -> list[dict]:
    """The profile, consent, memberships, reviewer profile, API tokens, erasure requests and
    organisation invitations to the person's address."""
    profile = ReviewerProfile.objects.filter(user=user).first()
    return [
        {
            "email": user.email,
            "name": user.name,
            "name_ko": user.name_ko,
            "language": user.language,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_verified_at": user.email_verified_at,
            "pending_email": user.pending_email,
            "pending_email_requested_at": user.pending_email_requested_at,
            "privacy_notice_version": user.privacy_notice_version,
            "privacy_consented_at": user.privacy_consented_at,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "memberships": [
                {
                    "organisation": m.organization.name,
                    "country": m.organization.country_code,
                    "role": m.role,
                    "since": m.created_at,
                }
                for m in Membership.objects.filter(user=user).select_related("organization")
            ],
            "reviewer_profile": None
            if profile is None
            else {
                "affiliation": profile.affiliation,
                "employer": profile.employer,
                "country": profile.country_code,
                "expertise": profile.expertise,
                "recent_companies": profile.recent_company_names,
                "biography": profile.biography,
            },
            "api_tokens": [
                {
                    "name": t.name,
                    "scope": t.scope,
                    "created_at": t.created_at,
                    "expires_at": t.expires_at,
                    "revoked_at": t.revoked_at,
                }
                for t in ApiToken.objects.filter(user=user)
            ],
            "erasure_requests": [
                {
                    "requested_at": r.created_at,
                    "status": r.status,
                    "reason": r.reason,
                    "decided_at": r.decided_at,
                    "decision_reason": r.decision_reason,
                }
                for r in ErasureRequest.objects.filter(user=user)
            ],
            # Invitations to join an organisation sent to the person's address.
            "invitations": [
                {
                    "organisation": i.organization.name,
                    "email": i.email,
                    "invited_at": i.created_at,
                    "expires_at": i.expires_at,
                    "accepted_at": i.accepted_at,
                    "revoked_at": i.revoked_at,
                }
                for i in OrganizationInvitation.objects.filter(email__iexact=user.email)
                .select_related("organization")
                .order_by("created_at", "pk")
            ],
        }
    ]


def register_account_kind() -> None:
    """The account itself (``AccountsConfig.ready``). Its marker is ``User.anonymised_at``."""
    register_personal_data(
        "accounts.account",
        label=gettext_lazy(
            "Your account: name, e-mail address, language, time zone, organisation "
            "memberships, reviewer profile, log-in and consent records"
        ),
        retention=INACTIVE_ACCOUNT_RETENTION,
        due=inactive_accounts_due,
        anonymise=anonymise_account,
        export=export_account,
        marks=False,
    )


def pending_email_changes_due(now: datetime.datetime) -> models.QuerySet:
    """Accounts whose pending change of address was asked for longer ago than its link works
    (``tokens.EMAIL_CHANGE_MAX_AGE``): the address typed has no use left."""
    cutoff = now - datetime.timedelta(seconds=tokens.EMAIL_CHANGE_MAX_AGE)
    return User.objects.filter(pending_email_requested_at__lt=cutoff)


def forget_pending_email_change(user: User) -> None:
    clear_pending_email(user)


def register_pending_email_change_kind() -> None:
    """A new address asked for and not confirmed (``AccountsConfig.ready``): kept only while
    its link works (three days), then cleared by the retention job; cleared at once by a
    confirmation, a cancellation or an erasure (``anonymise_account``). Exported with the
    account. No retention in years, so not a row of the notice's table: the notice's account
    row covers it."""
    register_personal_data(
        "accounts.pending_email_change",
        label=gettext_lazy("A new e-mail address you asked for, until you confirm it"),
        due=pending_email_changes_due,
        anonymise=forget_pending_email_change,
        marks=False,
    )


INVITATION_RETENTION = Retention(1, gettext_lazy("after the invitation expired"))


def invitations_due(now: datetime.datetime) -> models.QuerySet:
    """Organisation invitations that expired a year ago (accepted, revoked or never answered):
    the address of someone who never joined has no use left, and a member's is on the
    account."""
    return OrganizationInvitation.objects.filter(expires_at__lt=INVITATION_RETENTION.cutoff(now))


def anonymise_invitation(invitation: OrganizationInvitation) -> None:
    """The address becomes a placeholder; the organisation, the sender and the dates stay."""
    OrganizationInvitation.objects.filter(pk=invitation.pk).update(
        email=f"invitation-{invitation.pk}@{ANONYMISED_EMAIL_DOMAIN}"
    )


def register_invitation_kind() -> None:
    """Invitations to join an organisation (``AccountsConfig.ready``). Exported with the
    account; an erasure anonymises them with the account (``anonymise_account``)."""
    register_personal_data(
        "accounts.invitation",
        label=gettext_lazy("Invitations to join an organisation: the invited e-mail address"),
        retention=INVITATION_RETENTION,
        due=invitations_due,
        anonymise=anonymise_invitation,
    )


def register_outbox_kind() -> None:
    """The outbox's messages (``notifications.privacy``, which may not import this module)."""
    from notifications import privacy as outbox

    retention = Retention(outbox.RETENTION_YEARS, gettext_lazy("after it was written"))
    register_personal_data(
        "notifications.message",
        label=gettext_lazy("Messages the portal sent you: e-mails and notices"),
        retention=retention,
        due=lambda now: outbox.messages_due(retention.cutoff(now)),
        anonymise=outbox.delete_message,
        export=outbox.export_messages,
        erase=outbox.erase_messages,
        marks=False,
    )


# --- Download my data --------------------------------------------------------------------------


@transaction.atomic
def export_personal_data(*, user: User, actor: User) -> bytes:
    """A ZIP of everything the portal holds about ``user``: ``data.json`` (every registered
    kind's export) and their uploaded documents under ``files/``. Only for the user themself;
    writes an audit row. Built in memory in the request: a person's documents are bounded by
    the upload limit times the few applications they make, a few hundred MB at worst."""
    if actor is None or actor.pk != user.pk:
        raise DomainError(_("You can only download your own data."), code="forbidden")
    data = {
        "generated_at": timezone.now(),
        "privacy_notice_version": PRIVACY_NOTICE_VERSION,
        "kinds": {},
    }
    buffer = io.BytesIO()
    file_count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind in registered_kinds():
            if kind.export is not None:
                label = str(kind.export_label or kind.label)
                data["kinds"][kind.name] = {"label": label, "rows": kind.export(user)}
            if kind.files is None:
                continue
            for name, file in kind.files(user):
                try:
                    with file.open("rb") as handle:
                        archive.writestr(f"files/{name}", handle.read())
                except FileNotFoundError:
                    continue  # a file gone from storage: the row in data.json still says so
                except (OSError, *REMOTE_STORAGE_ERRORS) as exc:
                    # The storage cannot be read (the bucket down, a disk error): 503, not 500.
                    raise StorageUnreachable(f"{type(exc).__name__}: {exc}") from exc
                file_count += 1
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
    record_audit_event(
        subject=user,
        action="personal_data_exported",
        actor=actor,
        detail={"kinds": sorted(data["kinds"]), "files": file_count},
    )
    return buffer.getvalue()


# --- Erasure -----------------------------------------------------------------------------------


def _programme_admins():
    return User.objects.filter(
        Q(groups__name=roles.PROGRAMME_ADMIN) | Q(is_superuser=True), is_active=True
    ).distinct()


@transaction.atomic
def request_erasure(*, user: User, reason: str) -> ErasureRequest:
    """The user asks for their personal data to be erased. One pending request at a time.
    Writes an audit row and tells the programme admins (outbox) that a request awaits them."""
    if user.anonymised_at is not None:
        raise DomainError(_("This account has already been anonymised."), code="anonymised")
    if ErasureRequest.objects.filter(user=user, status=ErasureRequest.Status.PENDING).exists():
        raise DomainError(
            _("You already have a request waiting for a decision."), code="pending", field="reason"
        )
    erasure_request = ErasureRequest(user=user, reason=(reason or "").strip())
    erasure_request.full_clean()
    erasure_request.save()
    record_audit_event(subject=erasure_request, action="erasure_requested", actor=user)
    path = reverse("admin:accounts_erasurerequest_change", args=[erasure_request.pk])
    for admin in _programme_admins():
        queue_message(
            recipient=admin,
            template="accounts/erasure_requested",
            context={"request_id": erasure_request.pk, "review_path": path},
            link=path,
        )
    return erasure_request


@transaction.atomic
def decide_erasure_request(
    *, erasure_request: ErasureRequest, approve: bool, reason: str, actor: User
) -> ErasureRequest:
    """A programme admin approves or refuses a pending erasure request, with a reason.

    Approval runs every registered kind's ``erase`` for the user, except kinds kept under a
    legal retention obligation (listed in the audit row), then anonymises the account
    (``anonymise_account``). A refusal changes nothing but the request. Either way an audit row
    is written and the user is told by e-mail, at the address they had (the only copy of it
    left is in that outbox row, purged with the outbox after a year).
    """
    require_permission(
        actor,
        DECIDE_ERASURE,
        erasure_request,
        message=_("Only a programme admin can decide erasure requests, and not their own."),
    )
    erasure_request = (
        ErasureRequest.objects.select_for_update().select_related("user").get(pk=erasure_request.pk)
    )
    if not erasure_request.is_pending:
        raise DomainError(_("This request has already been decided."), code="decided")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Give the reason for the decision."), code="invalid", field="decision_reason"
        )
    user = User.objects.select_for_update().get(pk=erasure_request.user_id)
    email, language = user.email, user.language
    detail: dict = {}
    if approve:
        detail = erase_user(user=user)
    erasure_request.status = (
        ErasureRequest.Status.APPROVED if approve else ErasureRequest.Status.REFUSED
    )
    erasure_request.decided_at = timezone.now()
    erasure_request.decided_by = actor
    erasure_request.decision_reason = reason
    erasure_request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    record_audit_event(
        subject=erasure_request,
        action="erasure_approved" if approve else "erasure_refused",
        actor=actor,
        old_value=ErasureRequest.Status.PENDING,
        new_value=erasure_request.status,
        detail={"reason": reason, **detail},
    )
    queue_message(
        to_email=email,
        template="accounts/erasure_approved" if approve else "accounts/erasure_refused",
        context={"reason": reason},
        channels=("email",),
        language=language,
    )
    return erasure_request


def erase_user(*, user: User) -> dict:
    """Run every kind's ``erase`` for ``user`` (those kept by law are listed, not run), then
    anonymise the account. Call inside a transaction; returns what was done for the audit."""
    erased, kept = {}, []
    for kind in registered_kinds():
        if kind.kept_on_erasure:
            kept.append(kind.name)
        elif kind.erase is not None:
            erased[kind.name] = kind.erase(user)
    account = anonymise_account(user)
    return {"erased": erased, "kept": kept, "account": account}


def erasure_kept_kinds() -> list[dict]:
    """The kinds an erasure keeps, with why (shown on the request page and in the notice)."""
    return [
        {"label": kind.label, "why": kind.kept_on_erasure}
        for kind in registered_kinds()
        if kind.kept_on_erasure
    ]


def erasure_requests_for_staff():
    """The back office's list: requests with their user and decider, pending first."""
    return ErasureRequest.objects.select_related("user", "decided_by").order_by(
        models.Case(models.When(status=ErasureRequest.Status.PENDING, then=0), default=1),
        "-created_at",
    )
