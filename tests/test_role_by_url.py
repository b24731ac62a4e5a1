"""Nobody reaches another party's data by any door.

One portal (``tests.factories.portal.build_portal``) belongs to party A: a KIND planning track with
its applicant, reviewers, decisions, award, funded project, contractor and deliverable, and a
KAIA demonstration track with a reviewer's assignments. Every URL of the site that names an
object is opened, by GET and by POST, as each outsider: an applicant of another organisation, a
reviewer of no committee, a contractor of another company, and the staff of the other
secretariat. None of them may get the page, and none of their POSTs may change anything (no
audit row, no message). The same outsiders read every API list, where party A's rows must not
appear, and every API detail of A's rows; the other secretariat's staff open the back office's
change page of A's rows.

A test fails when a URL is added without saying here how it is reached (``OBJECT_URLS``) or why it
names no other party's object (``NO_OBJECT``, ``TOKEN``), so the walk stays complete.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import roles
from accounts.models import AuditEvent
from notifications.models import Message
from tests.factories import OrganizationFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

# URL name → the party-A kwargs it is opened with. Planning-track objects are KIND's, whose
# outsider staff are KAIA's; the demonstration track is KAIA's, whose outsiders are KIND's.
OBJECT_URLS = {
    "accounts:organization": lambda d: {"pk": d["org"].pk},
    "accounts:organization_edit": lambda d: {"pk": d["org"].pk},
    "accounts:invitation_revoke": lambda d: {"pk": d["colleague"].pk},
    "accounts:organization_leave": lambda d: {"pk": d["org"].pk},
    "accounts:membership_remove": lambda d: {
        "pk": d["org"].pk,
        "membership_pk": d["org"].memberships.order_by("pk").first().pk,
    },
    "awards:deliverable": lambda d: {"pk": d["deliverable"].pk},
    "awards:deliverable_file": lambda d: {"pk": d["deliverable"].pk},
    "awards:deliverable_version_file": lambda d: {"pk": d["deliverable"].pk, "number": 1},
    "awards:letter": lambda d: {"award_pk": d["award"].pk},
    # Agreements and payments (awards.funding): party A's service contract and its request.
    "awards:agreement": lambda d: {"pk": d["agreement"].pk},
    "awards:agreement_file": lambda d: {"pk": d["agreement"].pk},
    "awards:request_payment": lambda d: {"pk": d["agreement"].pk, "tranche_pk": d["tranche"].pk},
    "awards:request_amendment": lambda d: {"pk": d["agreement"].pk},
    "awards:payment_evidence": lambda d: {"pk": d["payment"].pk},
    "staff_awards:agreements": lambda d: {"code": d["project"].code},
    "staff_awards:agreement": lambda d: {"code": d["project"].code, "pk": d["agreement"].pk},
    "staff_awards:agreement_budget": lambda d: {
        "code": d["project"].code,
        "pk": d["agreement"].pk,
    },
    "staff_awards:agreement_schedule": lambda d: {
        "code": d["project"].code,
        "pk": d["agreement"].pk,
    },
    "staff_awards:agreement_sign": lambda d: {"code": d["project"].code, "pk": d["agreement"].pk},
    "staff_awards:agreement_terminate": lambda d: {
        "code": d["project"].code,
        "pk": d["agreement"].pk,
    },
    "staff_awards:tranche_withhold": lambda d: {
        "code": d["project"].code,
        "pk": d["agreement"].pk,
        "tranche_pk": d["tranche"].pk,
    },
    "staff_awards:amendment_decide": lambda d: {
        "code": d["project"].code,
        "pk": d["agreement"].pk,
        "amendment_pk": d["amendment"].pk,
    },
    "staff_awards:payment_request": lambda d: {"pk": d["payment"].pk},
    "api:agreement-detail": lambda d: {"pk": d["agreement"].pk},
    "api:agreement-terminate": lambda d: {"pk": d["agreement"].pk},
    "api:payment-request-detail": lambda d: {"pk": d["payment"].pk},
    "api:payment-request-check": lambda d: {"pk": d["payment"].pk},
    "api:payment-request-approve": lambda d: {"pk": d["payment"].pk},
    "api:payment-request-pay": lambda d: {"pk": d["payment"].pk},
    "api:payment-request-return": lambda d: {"pk": d["payment"].pk},
    "api:payment-request-reject": lambda d: {"pk": d["payment"].pk},
    "applications:detail": lambda d: {"pk": d["submitted"].pk},
    "applications:section": lambda d: {"pk": d["draft"].pk, "section": "project"},
    "applications:consortium_remove": lambda d: {"pk": d["draft"].pk, "member_pk": 1},
    "applications:document_remove": lambda d: {"pk": d["draft"].pk, "document_pk": 1},
    "applications:review": lambda d: {"pk": d["draft"].pk},
    "applications:submit": lambda d: {"pk": d["draft"].pk},
    "applications:withdraw": lambda d: {"pk": d["submitted"].pk},
    "applications:answer_clarification": lambda d: {"pk": d["returned"].pk},
    "applications:request_clarification": lambda d: {"pk": d["submitted"].pk},
    "applications:summary_pdf": lambda d: {"pk": d["submitted"].pk},
    "applications:document_download": lambda d: {"public_id": d["document"].public_id},
    "reviews:assignment": lambda d: {"pk": d["accepted"].pk},
    "reviews:declare": lambda d: {"pk": d["invited"].pk},
    "reviews:decline": lambda d: {"pk": d["invited"].pk},
    "reviews:report_conflict": lambda d: {"pk": d["accepted"].pk},
    "reviews:application": lambda d: {"pk": d["accepted"].pk},
    "reviews:score": lambda d: {"pk": d["accepted"].pk},
    "reviews:browse": lambda d: {"track_id": d["planning"].pk},
    "reviews:browse_application": lambda d: {"pk": d["submitted"].pk},
    "reviews:document_download": lambda d: {
        "pk": d["accepted"].pk,
        "document": d["dm_document"].public_id,
    },
    "notifications:read": lambda d: {"pk": d["notice"].pk},
    # Programme admins only: the templates' preview and the held messages show applicants' data.
    "staff_notifications:templates": lambda d: {},
    "staff_notifications:template_edit": lambda d: {"name": "applications/decision"},
    "staff_notifications:template_version": lambda d: {
        "name": "applications/decision",
        "version": 1,
    },
    "staff_notifications:template_reset": lambda d: {"name": "applications/decision"},
    "staff_notifications:held": lambda d: {},
    "staff_awards:awards": lambda d: {"track_id": d["planning"].pk},
    "staff_awards:award_advance": lambda d: {"track_id": d["planning"].pk, "pk": d["award"].pk},
    "staff_awards:award_letter": lambda d: {"track_id": d["planning"].pk, "pk": d["award"].pk},
    "staff_awards:award_cancel": lambda d: {"track_id": d["planning"].pk, "pk": d["award"].pk},
    "staff_awards:project": lambda d: {"code": d["project"].code},
    "staff_awards:result": lambda d: {"code": d["project"].code, "call_id": d["selection"].pk},
    "staff_awards:publish": lambda d: {"code": d["project"].code, "call_id": d["selection"].pk},
    "staff_awards:winner": lambda d: {"code": d["project"].code, "call_id": d["selection"].pk},
    "staff_applications:screening": lambda d: {"track_id": d["planning"].pk},
    "staff_applications:screen": lambda d: {"pk": d["submitted"].pk},
    "staff_applications:track_applications": lambda d: {"track_id": d["planning"].pk},
    "staff_applications:questions": lambda d: {"track_id": d["planning"].pk},
    "staff_applications:questions_preview": lambda d: {"track_id": d["planning"].pk},
    "staff_applications:question_edit": lambda d: {
        "track_id": d["planning"].pk,
        "pk": d["question"].pk,
    },
    "staff_applications:question_retire": lambda d: {
        "track_id": d["planning"].pk,
        "pk": d["question"].pk,
    },
    "staff_applications:question_new_version": lambda d: {
        "track_id": d["planning"].pk,
        "pk": d["question"].pk,
    },
    "staff_applications:question_move": lambda d: {
        "track_id": d["planning"].pk,
        "pk": d["question"].pk,
    },
    "staff_applications:tags": lambda d: {"track_id": d["planning"].pk},
    "staff_applications:applicant_notices": lambda d: {"track_id": d["planning"].pk},
    "staff_applications:tag_edit": lambda d: {"track_id": d["planning"].pk, "pk": d["tag"].pk},
    "staff_applications:tag_delete": lambda d: {"track_id": d["planning"].pk, "pk": d["tag"].pk},
    "staff_applications:applicant_notice_unpublish": lambda d: {
        "track_id": d["planning"].pk,
        "pk": d["notice"].pk,
    },
    "staff_applications:shortlist": lambda d: {"track_id": d["planning"].pk},
    "staff_results:board": lambda d: {"track_id": d["planning"].pk},
    "staff_results:justifications": lambda d: {
        "track_id": d["planning"].pk,
        "application_id": d["awarded"].pk,
    },
    "staff_results:aggregate": lambda d: {"track_id": d["planning"].pk},
    "staff_results:job": lambda d: {"track_id": d["planning"].pk, "job_id": d["job"].pk},
    "staff_results:selection": lambda d: {"track_id": d["planning"].pk},
    "staff_results:decision": lambda d: {"track_id": d["planning"].pk, "pk": d["decision"].pk},
    "staff_results:export": lambda d: {
        "track_id": d["planning"].pk,
        "kind": "rankings",
        "fmt": "csv",
    },
    "staff_projects:call": lambda d: {"call_id": d["planning"].call_id},
    "staff_projects:call_copy": lambda d: {"call_id": d["planning"].call_id},
    "staff_projects:call_status": lambda d: {"call_id": d["planning"].call_id},
    "staff_projects:track_preview": lambda d: {"track_id": d["planning"].pk},
    "staff_projects:requirements": lambda d: {"track_id": d["planning"].pk},
    "staff_projects:requirement_edit": lambda d: {"pk": d["requirement"].pk},
    "staff_projects:requirement_move": lambda d: {"pk": d["requirement"].pk},
    "staff_projects:requirement_delete": lambda d: {"pk": d["requirement"].pk},
    "staff_reviews:track": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:start_review": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:criteria": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:criterion_edit": lambda d: {"pk": d["criterion"].pk},
    "staff_reviews:criterion_delete": lambda d: {"pk": d["criterion"].pk},
    "staff_reviews:criterion_move": lambda d: {"pk": d["criterion"].pk},
    "staff_reviews:committee": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:committee_import": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:invitation_revoke": lambda d: {"pk": d["invitation"].pk},
    "staff_reviews:member_remove": lambda d: {"pk": d["member"].pk},
    "staff_reviews:assignments": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:auto": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:detect_conflicts": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:job": lambda d: {"pk": d["assign_job"].pk},
    "staff_reviews:assignment_remove": lambda d: {"pk": d["submitted_review"].pk},
    "staff_reviews:reopen": lambda d: {"pk": d["submitted_review"].pk},
    "staff_reviews:board": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:remind": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:visibility": lambda d: {"track_id": d["planning"].pk},
    "staff_reviews:bulk_assign": lambda d: {"track_id": d["planning"].pk},
    # The API: every endpoint that names one of A's rows, actions included.
    "api:application-detail": lambda d: {"pk": d["submitted"].pk},
    "api:application-documents": lambda d: {"pk": d["submitted"].pk},
    "api:application-document": lambda d: {
        "pk": d["submitted"].pk,
        "document_id": d["document"].public_id,
    },
    "api:application-add-consortium-member": lambda d: {"pk": d["consortium_draft"].pk},
    "api:application-consortium-member": lambda d: {"pk": d["consortium_draft"].pk, "member_id": 1},
    "api:application-answer-clarification": lambda d: {"pk": d["returned"].pk},
    "api:application-clarifications": lambda d: {"pk": d["returned"].pk},
    "api:application-request-clarification": lambda d: {"pk": d["submitted"].pk},
    "api:application-screen": lambda d: {"pk": d["submitted"].pk},
    "api:application-shortlist": lambda d: {"pk": d["submitted"].pk},
    "api:application-submit": lambda d: {"pk": d["draft"].pk},
    "api:application-withdraw": lambda d: {"pk": d["submitted"].pk},
    "api:assignment-detail": lambda d: {"pk": d["accepted"].pk},
    "api:assignment-declare-conflict": lambda d: {"pk": d["invited"].pk},
    "api:assignment-decline": lambda d: {"pk": d["invited"].pk},
    "api:assignment-other-reviews": lambda d: {"pk": d["accepted"].pk},
    "api:assignment-save-scores": lambda d: {"pk": d["accepted"].pk},
    "api:assignment-submit": lambda d: {"pk": d["accepted"].pk},
    "api:award-detail": lambda d: {"pk": d["award"].pk},
    "api:award-move": lambda d: {"pk": d["award"].pk},
    "api:committee-member-detail": lambda d: {"pk": d["member"].pk},
    "api:conflict-declaration-detail": lambda d: {"pk": d["declaration"].pk},
    "api:decision-detail": lambda d: {"pk": d["decision"].pk},
    "api:decision-change": lambda d: {"pk": d["decision"].pk},
    "api:deliverable-detail": lambda d: {"pk": d["deliverable"].pk},
    "api:deliverable-accept": lambda d: {"pk": d["deliverable"].pk},
    "api:deliverable-return": lambda d: {"pk": d["deliverable"].pk},
    "api:deliverable-upload": lambda d: {"pk": d["deliverable"].pk},
    "api:job-detail": lambda d: {"pk": d["job"].pk},
    "api:result-detail": lambda d: {"pk": d["awarded"].result.pk},
    "api:reviewer-invitation-detail": lambda d: {"pk": d["invitation"].pk},
    "api:reviewer-invitation-revoke": lambda d: {"pk": d["invitation"].pk},
    "api:staff-assignment-detail": lambda d: {"pk": d["submitted_review"].pk},
    "api:staff-assignment-remove": lambda d: {"pk": d["submitted_review"].pk},
    "api:staff-criterion-detail": lambda d: {"pk": d["criterion"].pk},
    "api:staff-track-detail": lambda d: {"pk": d["planning"].pk},
    "api:staff-track-aggregate": lambda d: {"pk": d["planning"].pk},
    "api:staff-track-confirm-decisions": lambda d: {"pk": d["planning"].pk},
    "api:staff-track-propose-funding-line": lambda d: {"pk": d["planning"].pk},
    "api:staff-track-release-decisions": lambda d: {"pk": d["planning"].pk},
    "api:token-revoke": lambda d: {"id": d["token"].public_id},
}

# URLs that name no other party's object: public pages, the user's own lists and forms (which
# show only what the selectors give the user), and a track any applicant may start in.
NO_OBJECT = {
    "home",
    "favicon",
    "healthz",
    "readyz",
    "robots",
    "accounts:signup",
    "accounts:resend_verification",
    "accounts:login",
    "accounts:logout",
    "accounts:set_language",
    "accounts:session_alive",
    "accounts:profile",
    "accounts:password_change",
    "accounts:password_change_done",
    "accounts:email_change",
    "accounts:email_change_cancel",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:organization_create",
    # Personal data: the public notice and the user's own consent, download and erasure request.
    "privacy",
    "accounts:privacy_accept",
    "accounts:my_data",
    "accounts:my_data_download",
    "accounts:erasure_request",
    "accounts:tokens",
    "accounts:token_revoke",  # by the token's public id, within the user's own tokens
    # The user's own second factor; the reset names the colleague by e-mail, in the form.
    "accounts:two_factor",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:two_factor_recovery_codes",
    "accounts:two_factor_disable",
    "accounts:two_factor_reset",
    "admin_login",  # a redirect to accounts:login
    "reporting:programme",
    "reporting:help",
    "reporting:faq",
    "reporting:accessibility",
    "awards:deliverables",
    # The user's own agreements and the staff's payment queue: rows from awards.funding's
    # selectors (tests/awards/test_funding_views.py).
    "awards:agreements",
    "staff_awards:payment_requests",
    "projects:call_list",
    "projects:portfolio",
    "projects:events",
    # An event's material: public with its event (every recorded event is on the events page).
    "projects:event_material",
    # The programme's events, public data, recorded by programme admins and secretariat staff
    # alike (projects.manage_events); tests/projects/test_events_programme.py.
    "staff_events:events",
    "staff_events:event",
    "projects:project_detail",  # the public portfolio
    "projects:call_detail",
    # A document's template: public with its published call (a draft's: 404 but to its staff,
    # tests/projects/test_document_requirements.py).
    "projects:document_template",
    # A track's form in outline: as public as its call (a draft's: 404 but to its staff,
    # tests/applications/test_form_outline.py).
    "applications:form_outline",
    "staff_projects:calls",  # every call, to programme admins only
    "applications:dashboard",
    "applications:start",
    "reviews:workspace",
    "reviews:profile",
    "reviews:declaration",
    "notifications:list",
    "notifications:read_all",
    "staff_reporting:index",
    "staff_reporting:statistics",
    "staff_reporting:system_status",
    "staff_reporting:dashboards",
    "staff_reporting:call_dashboard",
    # Rows from projects_for_staff: tests/reporting/test_execution_scope.py.
    "staff_reporting:execution",
    "staff_reporting:execution_export",
    "staff_awards:projects",
    "staff_results:index",
    "staff_reviews:index",
    "api-schema",
    "api-docs",
    "api:api-root",
    "api:me",
    # Public catalogue and open data.
    "api:call-list",
    "api:call-detail",
    "api:city-list",
    "api:city-detail",
    "api:country-list",
    "api:country-detail",
    "api:criterion-list",
    "api:criterion-detail",
    "api:event-list",
    "api:event-detail",
    "api:project-list",
    "api:project-detail",
    "api:track-list",
    "api:track-detail",
    "api:track-question-list",  # a published call's form, as public as the call
    "api:statistics-list",
    "api:statistics-detail",
    # Lists: rows from the user's selector; test_outsiders_see_none_of_party_a_in_api_lists.
    "javascript-catalog",
    "set_language",
}
# Reached by a secret in the address itself; each has its own tests of the wrong account.
TOKEN = {
    "accounts:verify_email",
    "accounts:accept_invitation",
    "accounts:password_reset_confirm",
    "accounts:email_change_confirm",
    "reviews:invitation",
}
# What party A's pages and files show that an outsider must never read.
PLANNING_SECRETS = ("Klang flood sensors", "Klang e-mobility", "Klang bus lanes")
SECRETS = {
    "other_applicant": (*PLANNING_SECRETS, "Mukdahan smart grid"),
    "other_reviewer": (*PLANNING_SECRETS, "Mukdahan smart grid"),
    "other_contractor": (*PLANNING_SECRETS, "Mukdahan smart grid"),
    # KAIA's staff run the demonstration track: its applications are theirs to see.
    "other_staff": PLANNING_SECRETS,
}
OUTSIDERS = ("other_applicant", "other_reviewer", "other_contractor", "other_staff")


def _url_names(patterns=None, namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            if str(p.pattern) in ("admin/", "^admin/"):
                continue
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


@pytest.fixture
def party_a(portal_data, planning_track, applicant, reviewer, contractor, kind_staff):
    from accounts.token_services import create_api_token
    from applications.models import Document
    from projects.models import DocumentRequirement
    from reviews.models import CommitteeMember, ConflictDeclaration, Job
    from tests.factories import DocumentFactory

    d = portal_data
    d["document"] = DocumentFactory(application=d["submitted"], kind=Document.Kind.SITE_MAP)
    d["dm_document"] = DocumentFactory(
        application=d["accepted"].application, kind=Document.Kind.SITE_MAP
    )
    d["member"] = CommitteeMember.objects.filter(track=planning_track).first() or (
        CommitteeMember.objects.create(track=planning_track, reviewer=UserFactory())
    )
    d["assign_job"] = Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN)
    d["requirement"] = DocumentRequirement.objects.create(
        track=planning_track, kind=Document.Kind.SITE_MAP, name="Site map"
    )
    d["declaration"] = ConflictDeclaration.objects.filter(reviewer=reviewer).first()
    d["token"] = create_api_token(user=applicant, name="ci")[0]
    d["question"] = QuestionFactory(track=planning_track, code="vision")
    from applications.services import create_tag

    d["tag"] = create_tag(actor=kind_staff, name="Site visit", track=planning_track)
    # A notice to the track's applicants published on the call's page.
    from applications.models import ApplicantNotice

    d["notice"] = ApplicantNotice.objects.create(
        track=planning_track, audience="all", subject="Webinar", body="On 3 March.", public=True
    )
    # A version of the deliverable, for its own download door.
    from tests.factories.funding import DeliverableVersionFactory

    DeliverableVersionFactory(deliverable=d["deliverable"], number=1)
    # The project's signed service contract, its first tranche requested with its evidence,
    # and an amendment asked for (awards.funding, as the pages make them).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from awards import funding

    def pdf():
        return SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")

    d["agreement"] = funding.create_agreement(
        project=d["project"],
        kind="service_contract",
        party=d["project"].contractor,
        starts_on=d["project"].starts_on,
        ends_on=d["project"].starts_on,
        actor=kind_staff,
    )
    funding.set_budget_lines(
        agreement=d["agreement"], lines={"personnel": 100_000_000}, actor=kind_staff
    )
    funding.sign_agreement(
        agreement=d["agreement"], signed_on=d["project"].starts_on, uploaded=pdf(), actor=kind_staff
    )
    d["tranche"] = d["agreement"].tranches.get(number=1)
    d["payment"] = funding.request_payment(
        tranche=d["tranche"], lines={"personnel": 1_000}, uploaded_evidence=pdf(), actor=contractor
    )
    d["amendment"] = funding.request_amendment(
        agreement=d["agreement"],
        kind="scope",
        changes={"scope": "Klang flood sensors, second river"},
        reason="More sensors",
        actor=contractor,
    )
    d["notice"] = Message.objects.filter(recipient=applicant, channel="in_app").first()
    assert d["notice"] is not None
    return d


@pytest.fixture
def outsiders(role_groups, kaia_staff):
    other_org = OrganizationFactory(name="Other City", kind="city_government", country_code="TH")
    company = OrganizationFactory(name="Other Company", kind="korean_company", country_code="KR")
    return {
        "other_applicant": UserFactory(
            email="someone@other.go.th", roles=[roles.APPLICANT], organizations=[other_org]
        ),
        "other_reviewer": UserFactory(email="lone@expert.example", roles=[roles.REVIEWER]),
        "other_contractor": UserFactory(
            email="pm@other.example", roles=[roles.CONTRACTOR], organizations=[company]
        ),
        # The planning track is KIND's: KAIA's staff are outsiders to it.
        "other_staff": kaia_staff,
    }


def test_every_url_is_walked_or_said_to_name_no_other_partys_object():
    names = set(_url_names())
    unexplained = names - set(OBJECT_URLS) - NO_OBJECT - TOKEN - set(API_LISTS)
    assert unexplained == set()
    assert set(OBJECT_URLS) <= names, set(OBJECT_URLS) - names


def _changed_since(audit_before: int, messages_before: int) -> bool:
    return AuditEvent.objects.count() != audit_before or Message.objects.count() != messages_before


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_reach_no_page_file_or_action_of_party_a(client, party_a, outsiders, outsider):
    user = outsiders[outsider]
    client.force_login(user)
    reached = []
    for name, kwargs in OBJECT_URLS.items():
        url = reverse(name, kwargs=kwargs(party_a))
        response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        if response.status_code == 200 or any(s.encode() in body for s in SECRETS[outsider]):
            reached.append(("GET", url, response.status_code))
        audit, messages = AuditEvent.objects.count(), Message.objects.count()
        response = client.post(url, {"reason": "x", "eligible": "true", "to": "approved"})
        if response.status_code in (200, 201) or _changed_since(audit, messages):
            reached.append(("POST", url, response.status_code))
    assert reached == []


API_LISTS = (
    "api:application-list",
    "api:assignment-list",
    "api:conflict-declaration-list",
    "api:staff-criterion-list",
    "api:reviewer-invitation-list",
    "api:committee-member-list",
    "api:staff-assignment-list",
    "api:result-list",
    "api:decision-list",
    "api:award-list",
    "api:staff-track-list",
    "api:job-list",
    "api:deliverable-list",
    "api:agreement-list",
    "api:payment-request-list",
    "api:token-list",
)


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_see_none_of_party_a_in_api_lists(client, party_a, outsiders, outsider):
    client.force_login(outsiders[outsider])
    leaked = []
    for name in API_LISTS:
        response = client.get(reverse(name))
        assert response.status_code in (200, 403), (name, response.status_code)
        if any(s.encode() in response.content for s in SECRETS[outsider]):
            leaked.append(name)
    assert leaked == []


def test_other_secretariat_opens_no_back_office_page_of_party_a(client, party_a, kaia_staff):
    from django.contrib import admin

    rows = {
        "applications.application": party_a["submitted"],
        "reviews.assignment": party_a["submitted_review"],
        "reviews.criterion": party_a["criterion"],
        "results.decision": party_a["decision"],
        "awards.award": party_a["award"],
        "awards.deliverable": party_a["deliverable"],
        "awards.agreement": party_a["agreement"],
        "awards.paymentrequest": party_a["payment"],
        "awards.amendment": party_a["amendment"],
        "projects.track": party_a["planning"],
    }
    client.force_login(kaia_staff)
    opened = []
    for label, obj in rows.items():
        assert type(obj) in admin.site._registry, label
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = client.get(url)
        if response.status_code == 200:
            opened.append(url)
    assert opened == []
