"""The applications' personal data, registered in ``accounts.privacy`` (ApplicationsConfig.ready).

What is personal in an application: the contact person (name, position, e-mail, telephone)
and the uploaded documents (CVs, letters, signatures). Everything else describes the proposal
of an organisation and stays for the programme's statistics: status, call, track, country,
city, budget, co-financing, the proposal's text.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.privacy import Retention, delete_file_on_commit, register_personal_data
from accounts.selectors import is_member
from applications import clarifications, questions, selectors
from applications.models import Application, ClarificationRequest, Document
from projects.models import Call

# Submitted but not funded: not selected, reserve never called, ineligible, withdrawn, or
# stopped anywhere before a decision. Selected and awarded ones belong to awards.privacy.
NOT_FUNDED_STATUSES = tuple(
    status
    for status in Application.Status
    if status
    not in (Application.Status.DRAFT, Application.Status.SELECTED, Application.Status.AWARDED)
)
NOT_FUNDED_RETENTION = Retention(5, _("after the call closes"))
DRAFT_RETENTION = Retention(1, _("after the call closes"))
CONTACT_FIELDS = ("contact_name", "contact_position", "contact_email", "contact_phone")


def anonymise_application(application: Application) -> None:
    """Clear the contact person and delete the documents (rows, and files once the
    transaction commits), in the application and in its clarifications' snapshots. Status,
    country, track and budget stay: the statistics hold."""
    for name in CONTACT_FIELDS:
        setattr(application, name, "")
    application.save(update_fields=[*CONTACT_FIELDS, "updated_at"])
    for document in Document.objects.filter(application=application):
        delete_file_on_commit(document.file)
        document.delete()
    _clear_snapshots(application.clarification_requests.all(), documents=True)


def _clear_snapshots(requests, *, documents: bool) -> None:
    """What clarifications changed keeps the reopened sections as they were: the contact
    person goes from there too, and the documents' names with the documents."""
    for request in requests:
        request.before = clarifications.without_personal_data(
            request.before, CONTACT_FIELDS, documents=documents
        )
        request.after = clarifications.without_personal_data(
            request.after, CONTACT_FIELDS, documents=documents
        )
        request.save(update_fields=["before", "after"])


def contractor_winner() -> Q:
    """A contractor-selection proposal whose company won the project: recorded as its
    contractor, or party to its service contract (a contractor released since still carried
    out part of it). Its status stays where the review left it (``select_contractor`` records
    the winner on the project), yet it is a funded project's record, kept as those are
    (``awards.privacy.funded_due``). Agreements sit above: named through the reverse relation."""
    from django.apps import apps

    agreement = apps.get_model("awards", "Agreement")
    service_contract = agreement.objects.filter(
        project=OuterRef("call__project"), party=OuterRef("organization"), kind="service_contract"
    )
    return Q(call__kind=Call.Kind.CONTRACTOR_SELECTION) & (
        Q(organization=F("call__project__contractor")) | Q(Exists(service_contract))
    )


def not_funded_due(now):
    return Application.objects.filter(
        status__in=NOT_FUNDED_STATUSES, call__closes_at__lt=NOT_FUNDED_RETENTION.cutoff(now)
    ).exclude(contractor_winner())


def drafts_due(now):
    return Application.objects.filter(
        status=Application.Status.DRAFT, call__closes_at__lt=DRAFT_RETENTION.cutoff(now)
    )


def applications_of(user):
    """The applications a person is part of: those they started, and those of the
    organisations they belong to (with every status, drafts included)."""
    return (
        Application.objects.filter(Q(created_by=user) | Q(is_member(user)))
        .select_related("call", "track", "organization", "country", "city")
        .prefetch_related("documents", "answers")
        .order_by("created_at", "pk")
    )


def export_applications(user) -> list[dict]:
    rows = []
    for application in applications_of(user):
        # The contact person is personal data of whoever it names: a colleague's name,
        # position, address and telephone are theirs to download, not every member's.
        is_you = application.contact_email.lower() == user.email.lower()
        contact = {name: getattr(application, name) if is_you else None for name in CONTACT_FIELDS}
        rows.append(
            {
                "reference": application.reference,
                "call": str(application.call),
                "track": str(application.track),
                "organisation": application.organization.name,
                # As the applicant's pages show it: a decision not yet released stays "under
                # review" (a download must not tell more than the status page).
                "status": selectors.applicant_visible_status(application),
                "created_by_you": application.created_by_id == user.pk,
                "contact_is_you": is_you,
                **contact,
                "country": application.country.code if application.country else "",
                "city": str(application.city) if application.city else "",
                "title": application.title,
                "summary": application.summary,
                "budget_requested": application.budget_requested,
                "submitted_at": application.submitted_at,
                "created_at": application.created_at,
                # Each answer with the question as it was asked (its snapshot).
                "answers": [
                    {
                        "question": questions.asked(a.question_snapshot).label,
                        "answer": a.value,
                        "answered_at": a.answered_at,
                    }
                    for a in application.answers.all()
                ],
                "documents": [
                    {
                        "kind": d.kind,
                        # What the document is, as the applicant saw it (a track's own
                        # document by the name its staff gave it).
                        "kind_label": str(d.kind_label),
                        "file_name": d.original_name,
                        "uploaded_at": d.uploaded_at,
                        "uploaded_by_you": d.uploaded_by_id == user.pk,
                    }
                    for d in application.documents.all()
                ],
            }
        )
    return rows


def document_files(user):
    """The documents the person uploaded themself (others' uploads are theirs to ask for)."""
    for document in Document.objects.filter(uploaded_by=user).order_by("pk"):
        yield f"applications/{document.public_id}-{document.original_name}", document.file


def erase_contact_details(user) -> int:
    """On an approved erasure: the person's contact details leave every application that
    names them (by their e-mail address) or that they started. The applications themselves,
    and their documents once submitted, stay: they are the organisation's proposal to a
    public call, kept under the retention above."""
    applications = Application.objects.filter(
        Q(created_by=user) | Q(contact_email__iexact=user.email)
    ).filter(~Q(contact_name="", contact_position="", contact_email="", contact_phone=""))
    count = 0
    for application in applications.select_for_update():
        for name in CONTACT_FIELDS:
            setattr(application, name, "")
        application.save(update_fields=[*CONTACT_FIELDS, "updated_at"])
        count += 1
    # A contact the person was before a clarification changed it, or is still named as in a
    # snapshot: cleared there too (the documents stay, as on the application).
    named = (
        Q(application__created_by=user)
        | Q(before__fields__contact_email__iexact=user.email)
        | Q(after__fields__contact_email__iexact=user.email)
    )
    _clear_snapshots(
        ClarificationRequest.objects.filter(named).select_for_update(), documents=False
    )
    return count


def register() -> None:
    register_personal_data(
        "applications.application",
        label=_(
            "Applications not funded (not selected, ineligible, withdrawn): the contact "
            "person and the uploaded documents"
        ),
        retention=NOT_FUNDED_RETENTION,
        due=not_funded_due,
        anonymise=anonymise_application,
        export=export_applications,
        export_label=_("Your applications and those of your organisations"),
        files=document_files,
        erase=erase_contact_details,
    )
    register_personal_data(
        "applications.draft",
        label=_("Drafts never submitted: the contact person and the uploaded documents"),
        retention=DRAFT_RETENTION,
        due=drafts_due,
        anonymise=anonymise_application,
    )
