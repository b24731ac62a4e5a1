"""Download my data: the user's own data and documents, nobody else's."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from accounts import privacy
from accounts.audit import audit_events_for
from applications.models import Answer
from applications.questions import snapshot
from core.domain import DomainError
from notifications.models import Message
from tests.factories import (
    AssignmentFactory,
    DocumentFactory,
    QuestionFactory,
    SubmittedApplicationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(applicant, other_applicant, reviewer):
    organisation = applicant.organizations.get()
    mine = SubmittedApplicationFactory(
        organization=organisation, created_by=applicant, contact_email=applicant.email
    )
    my_document = DocumentFactory(application=mine, original_name="site-map.pdf")
    question = QuestionFactory(track=mine.track, code="population", label="Population")
    Answer.objects.create(
        application=mine,
        question=question,
        value="About 900,000",
        question_snapshot=snapshot(question),
    )
    theirs = SubmittedApplicationFactory(
        organization=other_applicant.organizations.get(),
        created_by=other_applicant,
        contact_name="Rahim Uddin",
        contact_email=other_applicant.email,
    )
    DocumentFactory(application=theirs, original_name="their-letter.pdf")
    Message.objects.create(
        recipient=applicant, channel="in_app", template="applications/submitted", body="Mine"
    )
    Message.objects.create(
        recipient=other_applicant, channel="in_app", template="applications/submitted", body="X"
    )
    review = AssignmentFactory(application=theirs, reviewer=reviewer, overall_comment="Solid.")
    return {"mine": mine, "theirs": theirs, "document": my_document, "review": review}


def read(archive: bytes):
    bundle = zipfile.ZipFile(io.BytesIO(archive))
    return bundle, json.loads(bundle.read("data.json"))


def test_export_holds_the_users_data_and_documents_not_anothers(data, applicant):
    bundle, content = read(privacy.export_personal_data(user=applicant, actor=applicant))
    kinds = content["kinds"]
    assert kinds["accounts.account"]["rows"][0]["email"] == applicant.email
    assert kinds["accounts.account"]["rows"][0]["memberships"][0]["organisation"] == (
        "Klang Municipal Council"
    )
    applications = kinds["applications.application"]["rows"]
    assert [row["reference"] for row in applications] == [data["mine"].reference]
    assert applications[0]["documents"][0]["file_name"] == "site-map.pdf"
    assert applications[0]["documents"][0]["kind_label"] == data["document"].kind_label
    [answer] = applications[0]["answers"]
    assert (answer["question"], answer["answer"]) == ("Population", "About 900,000")
    assert [row["body"] for row in kinds["notifications.message"]["rows"]] == ["Mine"]
    assert kinds["reviews.review"]["rows"] == []
    text = json.dumps(content)
    assert "Rahim Uddin" not in text and "their-letter.pdf" not in text
    files = [name for name in bundle.namelist() if name.startswith("files/")]
    assert files == [f"files/applications/{data['document'].public_id}-site-map.pdf"]
    assert bundle.read(files[0]).startswith(b"%PDF")
    event = audit_events_for(applicant).get(action="personal_data_exported")
    assert event.actor == applicant and event.detail["files"] == 1


def test_export_of_a_reviewer_holds_their_reviews(data, reviewer):
    _bundle, content = read(privacy.export_personal_data(user=reviewer, actor=reviewer))
    reviews = content["kinds"]["reviews.review"]["rows"]
    assert [row["overall_comment"] for row in reviews] == ["Solid."]


def test_export_only_for_the_user_themself(data, applicant, programme_admin):
    with pytest.raises(DomainError):
        privacy.export_personal_data(user=applicant, actor=programme_admin)
    assert not audit_events_for(applicant).filter(action="personal_data_exported").exists()


def test_my_data_page_and_download(client, data, applicant):
    client.force_login(applicant)
    page = client.get(reverse("accounts:my_data"))
    assert page.status_code == 200
    assert "Your applications and those of your organisations" in page.content.decode()
    response = client.post(reverse("accounts:my_data_download"))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="kcity-my-data-')
    _bundle, content = read(response.content)
    assert content["kinds"]["accounts.account"]["rows"][0]["email"] == applicant.email


def test_my_data_needs_login_and_post(client, applicant):
    assert client.get(reverse("accounts:my_data")).status_code == 302
    client.force_login(applicant)
    assert client.get(reverse("accounts:my_data_download")).status_code == 405


def test_export_shows_the_status_the_applicant_may_see(data, applicant):
    """A decision not yet released is "under review" in the download, as on the status page."""
    from applications.models import Application

    Application.objects.filter(pk=data["mine"].pk).update(status=Application.Status.SELECTED)
    _bundle, content = read(privacy.export_personal_data(user=applicant, actor=applicant))
    [row] = content["kinds"]["applications.application"]["rows"]
    assert row["status"] == Application.Status.UNDER_REVIEW
