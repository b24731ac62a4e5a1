import datetime
import smtplib

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Membership, Organization, OrganizationInvitation, User
from core.domain import DomainError
from notifications.models import Message
from notifications.selectors import shown_context
from notifications.services import resend_pending_messages
from tests.conftest import login
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "Aminah Rahman",
    "email": "Aminah@Klang.gov.my",
    "password1": "smart-city-2026!",
    "password2": "smart-city-2026!",
    "language": "en",
    "time_zone": "Asia/Kuala_Lumpur",
    "privacy_consent": "on",
}


def verification_path() -> str:
    message = Message.objects.get(template="accounts/verify_email", channel="email")
    return message.context["verify_path"]


def test_signup_creates_unverified_applicant_and_queues_verification(client, role_groups):
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="aminah@klang.gov.my")
    assert user.email_verified_at is None
    assert roles.has_role(user, roles.APPLICANT)
    assert user.time_zone == "Asia/Kuala_Lumpur"
    assert verification_path().startswith("/accounts/verify/")


def test_signup_is_limited_per_address_of_the_sender(client, role_groups, settings):
    """Each try may send a verification e-mail and says whether an address has an account:
    a few an hour from one IP address, then 429 with what was typed kept."""
    settings.KCITY_SIGNUP_RATE = "2/h"
    for n in range(2):
        client.post(reverse("accounts:signup"), {**SIGNUP, "email": f"probe{n}@example.org"})
        client.logout()
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "third@example.org"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many attempts" in body and 'value="third@example.org"' in body
    assert not User.objects.filter(email="third@example.org").exists()


def test_invitations_are_limited_per_day(applicant):
    """The invitation e-mail carries the organisation's name, which its owner types: an
    unverified address sends a few a day, a verified one more, never without end."""
    from accounts import services
    from core.domain import DomainError

    organisation = applicant.organizations.get()
    for n in range(services.INVITATIONS_PER_DAY_UNVERIFIED):
        services.invite_member(organization=organisation, email=f"c{n}@x.org", actor=applicant)
    with pytest.raises(DomainError) as refused:
        services.invite_member(organization=organisation, email="more@x.org", actor=applicant)
    assert (refused.value.code, refused.value.field) == ("limited", "email")
    assert "Verify your e-mail address" in str(refused.value.message)
    User.objects.filter(pk=applicant.pk).update(email_verified_at=timezone.now())
    applicant.refresh_from_db()
    services.invite_member(organization=organisation, email="more@x.org", actor=applicant)


def test_signup_bad_input_errors_next_to_fields_values_kept(client, role_groups):
    response = client.post(
        reverse("accounts:signup"),
        {**SIGNUP, "email": "not-an-address", "password2": "different-password"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email-error"' in body and 'id="id_password2-error"' in body
    assert "The two passwords do not match." in body
    assert 'value="Aminah Rahman"' in body and 'value="not-an-address"' in body
    assert '<option value="Asia/Kuala_Lumpur" selected>' in body
    assert User.objects.count() == 0


def test_signup_bad_input_error_in_korean(client, role_groups):
    client.cookies["django_language"] = "ko"
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "password2": "x"})
    body = response.content.decode()
    assert "The two passwords do not match." not in body
    assert 'id="id_password2-error"' in body
    assert 'lang="ko"' in body


def test_signup_existing_email_refused(client, applicant):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "email": applicant.email.upper()})
    assert "An account with this e-mail address already exists." in response.content.decode()


def test_verify_email_valid_link_marks_verified(client, role_groups):
    client.post(reverse("accounts:signup"), SIGNUP)
    response = client.get(verification_path())
    assert response.status_code == 302
    assert User.objects.get().email_verified_at is not None


def test_verify_email_forged_link_refused(client, role_groups):
    client.post(reverse("accounts:signup"), SIGNUP)
    forged = verification_path()[:-3] + "abc/"
    response = client.get(forged)
    assert response.status_code == 400
    assert User.objects.get().email_verified_at is None


def test_login_with_email_case_insensitive(client, applicant):
    response = client.post(
        reverse("accounts:login"),
        {"username": applicant.email.upper(), "password": "correct-horse-battery"},
    )
    assert response.status_code == 302


def test_login_bad_password_clear_error(client, applicant):
    response = client.post(
        reverse("accounts:login"), {"username": applicant.email, "password": "wrong"}
    )
    assert "The e-mail address or password is not correct." in response.content.decode()


def reset_messages():
    return Message.objects.filter(template="accounts/password_reset", channel="email")


def ask_for_reset(client, email: str):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_password_reset_queues_link_through_outbox_and_is_rate_limited(
    client, applicant, settings, django_capture_on_commit_callbacks
):
    settings.KCITY_RESET_RATE = "2/h"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):  # the delivery task, eager
            response = ask_for_reset(client, applicant.email.upper())
        assert response.status_code == 302
    first, second = reset_messages().order_by("pk")
    assert first.recipient == applicant and first.to_email == applicant.email
    assert first.sensitive and first.status == second.status == Message.Status.SENT
    uid, token = first.context["uid"], first.context["token"]
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    assert first.link == path
    assert token not in str(shown_context(first))  # staff never see the key
    assert [email.to for email in mail.outbox] == [[applicant.email]] * 2
    assert mail.outbox[0].subject == "Reset your K-City Network Portal password"
    assert f"{settings.SITE_URL}{path}\n" in mail.outbox[0].body
    assert f"Hello {applicant.name}," in mail.outbox[0].body

    response = ask_for_reset(client, applicant.email)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert reset_messages().count() == 2


def test_password_reset_email_in_the_users_language(
    client, applicant, django_capture_on_commit_callbacks
):
    applicant.language = "ko"
    applicant.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_reset(client, applicant.email)  # asked from the English page
    assert reset_messages().get().language == "ko"
    [email] = mail.outbox
    assert email.subject == "K-City 네트워크 포털 비밀번호 재설정"
    assert "비밀번호 재설정을 요청하셨습니다." in email.body
    assert "/accounts/password-reset/" in email.body


def test_password_reset_unknown_address_queues_nothing_and_answers_the_same(
    client, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = ask_for_reset(client, applicant.email)
        unknown = ask_for_reset(client, "nobody@example.net")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert list(reset_messages().values_list("to_email", flat=True)) == [applicant.email]
    assert [email.to for email in mail.outbox] == [[applicant.email]]
    page = client.get(unknown["Location"]).content.decode()
    assert "If an account exists for the address you entered" in page


@pytest.mark.parametrize("account", ["inactive", "no usable password"])
def test_password_reset_not_for_inactive_or_passwordless_accounts(client, applicant, account):
    if account == "inactive":
        applicant.is_active = False
    else:
        applicant.set_unusable_password()
    applicant.save()
    response = ask_for_reset(client, applicant.email)
    assert response.status_code == 302
    assert not reset_messages().exists()


def test_password_reset_smtp_failure_is_kept_for_retry(
    client, applicant, monkeypatch, django_capture_on_commit_callbacks
):
    sends = []

    def refuse(self, fail_silently=False):
        sends.append(self.to)
        raise smtplib.SMTPConnectError(421, b"Service not available")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with django_capture_on_commit_callbacks() as after_commit:
        response = ask_for_reset(client, applicant.email)
    # The page answers as always and has sent nothing itself: the row waits for the worker.
    assert response.status_code == 302
    assert sends == []
    message = reset_messages().get()
    assert message.status == Message.Status.PENDING

    for callback in after_commit:  # the delivery task queued after commit (eager)
        callback()
    assert sends == [[applicant.email]]
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.attempts == 1
    assert message.last_error.startswith("SMTPConnectError")
    assert message.next_attempt_at > timezone.now()
    assert mail.outbox == []

    monkeypatch.undo()  # the mail server is back; the retry is due
    reset_messages().update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert resend_pending_messages(older_than_seconds=0) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 2)
    [email] = mail.outbox
    assert message.link in email.body


def test_password_reset_bad_email_error(client, role_groups):
    response = client.post(reverse("accounts:password_reset"), {"email": "nope"})
    assert 'id="id_email-error"' in response.content.decode()


def test_password_change_wrong_old_password_error(client, applicant):
    login(client, applicant)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "a-new-pass-99",
            "new_password2": "a-new-pass-99",
        },
    )
    assert response.status_code == 200
    assert 'id="id_old_password-error"' in response.content.decode()


def test_profile_update_saves_language_and_zone(client, applicant):
    login(client, applicant)
    response = client.post(
        reverse("accounts:profile"),
        {"name": "New Name", "language": "ko", "time_zone": "Asia/Dhaka"},
    )
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert (applicant.name, applicant.language, applicant.time_zone) == (
        "New Name",
        "ko",
        "Asia/Dhaka",
    )


def test_profile_bad_time_zone_error(client, applicant):
    login(client, applicant)
    response = client.post(
        reverse("accounts:profile"), {"name": "X", "language": "en", "time_zone": "Mars/Base"}
    )
    assert 'id="id_time_zone-error"' in response.content.decode()


def test_language_switcher_saves_choice_to_profile(client, applicant):
    login(client, applicant)
    response = client.post(reverse("accounts:set_language"), {"language": "ko", "next": "/calls/"})
    assert response.status_code == 302 and response.url == "/calls/"
    applicant.refresh_from_db()
    assert applicant.language == "ko"


def test_organization_create_makes_owner(client, role_groups):
    user = UserFactory(email="lead@zuunmod.gov.mn", email_verified_at=timezone.now())
    login(client, user)
    response = client.post(
        reverse("accounts:organization_create"),
        {
            "name": "Zuunmod City",
            "kind": "city_government",
            "country_code": "mn",
            "email_domain": "@Zuunmod.gov.mn",
        },
    )
    organization = Organization.objects.get(name="Zuunmod City")
    assert response.url == reverse("accounts:organization", kwargs={"pk": organization.pk})
    assert organization.country_code == "MN"
    assert organization.email_domain == "zuunmod.gov.mn"
    assert Membership.objects.get(organization=organization).role == "owner"


def test_organization_create_bad_input_errors_values_kept(client, role_groups):
    login(client, UserFactory())
    response = client.post(
        reverse("accounts:organization_create"),
        {"name": "Zuunmod City", "kind": "", "country_code": "Mongolia"},
    )
    body = response.content.decode()
    assert 'id="id_kind-error"' in body and 'id="id_country_code-error"' in body
    assert 'value="Zuunmod City"' in body
    assert not Organization.objects.filter(name="Zuunmod City").exists()


def test_organization_create_korean_agency_not_offered(client, role_groups):
    login(client, UserFactory())
    body = client.get(reverse("accounts:organization_create")).content.decode()
    assert 'value="korean_agency"' not in body


def test_invitation_accepted_by_invitee_only(client, applicant, role_groups):
    organization = applicant.organizations.first()
    login(client, applicant)
    client.post(
        reverse("accounts:organization", kwargs={"pk": organization.pk}),
        {"email": "Colleague@klang.gov.my"},
    )
    invitation = OrganizationInvitation.objects.get()
    assert invitation.email == "colleague@klang.gov.my"
    # Someone else, logged in, cannot use the link and learns nothing of the organisation.
    intruder = UserFactory(email="intruder@example.org", email_verified_at=timezone.now())
    login(client, intruder)
    url = reverse("accounts:accept_invitation", kwargs={"token": invitation.token})
    page = client.get(url)
    assert page.status_code == 400 and organization.name not in page.content.decode()
    client.post(url)
    assert not Membership.objects.filter(user=intruder).exists()
    # The invitee joins only by accepting.
    invitee = UserFactory(email="colleague@klang.gov.my", email_verified_at=timezone.now())
    assert not Membership.objects.filter(user=invitee).exists()
    login(client, invitee)
    response = client.post(url)
    assert response.status_code == 302
    assert Membership.objects.get(user=invitee).organization == organization
    assert invitee.groups.filter(name=roles.APPLICANT).exists()


def test_invitation_by_non_owner_forbidden(client, applicant, role_groups):
    organization = applicant.organizations.first()
    member = UserFactory()
    Membership.objects.create(user=member, organization=organization, role="member")
    login(client, member)
    response = client.post(
        reverse("accounts:organization", kwargs={"pk": organization.pk}), {"email": "x@y.org"}
    )
    assert response.status_code == 403
    assert OrganizationInvitation.objects.count() == 0


def test_organization_page_of_other_organisation_not_found(client, applicant, other_applicant):
    login(client, other_applicant)
    organization = applicant.organizations.first()
    response = client.get(reverse("accounts:organization", kwargs={"pk": organization.pk}))
    assert response.status_code == 404
    assert applicant.email not in response.content.decode()


def test_signup_gives_applicant_group(client, role_groups):
    client.post(reverse("accounts:signup"), SIGNUP)
    assert Group.objects.get(name=roles.APPLICANT).user_set.count() == 1


def test_invitation_bad_email_error_kept(client, applicant):
    organization = applicant.organizations.first()
    login(client, applicant)
    response = client.post(
        reverse("accounts:organization", kwargs={"pk": organization.pk}), {"email": "colleague@"}
    )
    body = response.content.decode()
    assert 'id="id_email-error"' in body and 'value="colleague@"' in body
    assert OrganizationInvitation.objects.count() == 0


def test_organization_page_query_count_does_not_grow_with_members(
    client, applicant, django_assert_max_num_queries
):
    organization = applicant.organizations.first()
    login(client, applicant)
    url = reverse("accounts:organization", kwargs={"pk": organization.pk})
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for n in range(5):
        Membership.objects.create(user=UserFactory(), organization=organization)
        OrganizationInvitation.objects.create(
            organization=organization,
            email=f"invitee{n}@klang.gov.my",
            invited_by=applicant,
            expires_at=timezone.now() + timezone.timedelta(days=3),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("invitee") == 5


def test_profile_query_count_does_not_grow_with_invitations(
    client, applicant, other_applicant, django_assert_max_num_queries
):
    login(client, applicant)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("accounts:profile"))
    for _ in range(4):
        org = OrganizationFactory()
        OrganizationInvitation.objects.create(
            organization=org,
            email=applicant.email,
            invited_by=other_applicant,
            expires_at=timezone.now() + timezone.timedelta(days=3),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(reverse("accounts:profile")).content.decode()
    assert body.count("View and accept") == 4


def test_language_switcher_anonymous_refuses_foreign_redirect(client, role_groups):
    response = client.post(
        reverse("accounts:set_language"), {"language": "ko", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"
    assert client.cookies["django_language"].value == "ko"


def test_organization_edit_by_owner_saves(client, applicant):
    organization = applicant.organizations.first()
    login(client, applicant)
    response = client.post(
        reverse("accounts:organization_edit", kwargs={"pk": organization.pk}),
        {
            "name": organization.name,
            # Kind and country are not the owner's to change: sent anyway, they are ignored.
            "kind": "international_organization",
            "country_code": "KR",
            "email_domain": "@MBDK.gov.my",
            "website": "mbdk.gov.my",
        },
    )
    assert response.status_code == 302
    kind, country = organization.kind, organization.country_code
    organization.refresh_from_db()
    assert organization.email_domain == "mbdk.gov.my"  # normalised as on creation
    assert organization.website == "https://mbdk.gov.my"
    assert (organization.kind, organization.country_code) == (kind, country)


def test_organization_edit_refuses_a_name_taken_in_the_country(client, applicant):
    organization = applicant.organizations.first()
    OrganizationFactory(name="Iloilo City Hall", country_code=organization.country_code)
    login(client, applicant)
    response = client.post(
        reverse("accounts:organization_edit", kwargs={"pk": organization.pk}),
        {"name": "ILOILO city hall", "email_domain": "", "website": ""},
    )
    assert response.status_code == 200
    assert 'id="id_name-error"' in response.content.decode()
    organization.refresh_from_db()
    assert organization.name != "ILOILO city hall"


def test_korean_agency_edited_by_programme_admin_keeps_its_kind(client, programme_admin, kind):
    Membership.objects.create(user=programme_admin, organization=kind, role="owner")
    login(client, programme_admin)
    response = client.post(
        reverse("accounts:organization_edit", kwargs={"pk": kind.pk}),
        {"name": kind.name, "email_domain": kind.email_domain, "website": "kind.or.kr"},
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.kind == "korean_agency" and kind.website == "https://kind.or.kr"


def test_update_organization_service_refuses_kind_or_country(applicant):
    from accounts.services import update_organization

    organization = applicant.organizations.first()
    with pytest.raises(DomainError) as exc:
        update_organization(organization=organization, actor=applicant, kind="korean_company")
    assert exc.value.code == "fixed_field"


def test_organization_edit_by_member_forbidden(client, applicant):
    organization = applicant.organizations.first()
    member = UserFactory()
    Membership.objects.create(user=member, organization=organization, role="member")
    login(client, member)
    response = client.post(
        reverse("accounts:organization_edit", kwargs={"pk": organization.pk}),
        {"name": "Hijacked", "kind": "city_government", "country_code": "MY"},
    )
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Hijacked"


def test_organization_edit_bad_input_error(client, applicant):
    organization = applicant.organizations.first()
    login(client, applicant)
    response = client.post(
        reverse("accounts:organization_edit", kwargs={"pk": organization.pk}),
        {"name": "", "email_domain": "mbdk.gov.my", "website": "not a web address"},
    )
    body = response.content.decode()
    assert 'id="id_name-error"' in body and 'value="mbdk.gov.my"' in body
