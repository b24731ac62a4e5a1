"""Importing committee invitations from a CSV or XLSX file on the committee page: the preview
judges every row by the service's own rules and writes nothing; the confirm invites all the
rows through ``invite_reviewer`` or none."""

import io
import re

import openpyxl
import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from notifications.models import Message
from reviews import committee_import, services
from reviews.models import ReviewerInvitation
from tests.reviews.review_fixtures import committee_reviewer

pytestmark = pytest.mark.django_db


def _import_url(track):
    return reverse("staff_reviews:committee_import", kwargs={"track_id": track.pk})


def _csv(text: str, *, name="experts.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _xlsx(rows, *, name="experts.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _upload(client, track, uploaded):
    return client.post(_import_url(track), {"file": uploaded})


def _payload(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def _outcomes(response) -> dict[str, str]:
    return {p.row.email: p.outcome for p in response.context["preview"]}


@pytest.fixture
def committee(planning_track, kind_staff, role_groups):
    """One member and one pending invitation on the track already."""
    committee_reviewer(planning_track, "member@expert.example.net")
    services.invite_reviewer(
        track=planning_track, email="waiting@expert.example.net", actor=kind_staff
    )
    return planning_track


MIXED_CSV = (
    "email,name,affiliation\n"
    "new.one@expert.example.net,Dr New One,KRIHS\n"
    "MEMBER@expert.example.net,Member,\n"
    "waiting@expert.example.net,Waiting,\n"
    "not-an-address,Broken,\n"
    "new.one@expert.example.net,Again,\n"
    "new.two@expert.example.net,,\n"
)


def test_preview_lists_every_row_with_its_outcome_and_writes_nothing(client, committee, kind_staff):
    client.force_login(kind_staff)
    before = (ReviewerInvitation.objects.count(), Message.objects.count())
    response = _upload(client, committee, _csv(MIXED_CSV))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(p.row.line, p.outcome) for p in preview] == [
        (2, "invite"),
        (3, "member"),
        (4, "pending"),
        (5, "invalid_email"),
        (6, "duplicate"),
        (7, "invite"),
    ]
    body = response.content.decode()
    assert str(services.committee.ALREADY_MEMBER) in body
    assert str(services.committee.ALREADY_WAITING) in body
    assert "Also on row 2 of the file." in body
    assert "2 of 6 rows will be invited" in body
    assert (ReviewerInvitation.objects.count(), Message.objects.count()) == before


def test_confirm_invites_the_previewed_rows_through_the_service(client, committee, kind_staff):
    client.force_login(kind_staff)
    preview = _upload(client, committee, _csv(MIXED_CSV))
    response = client.post(
        _import_url(committee), {"action": "confirm", "payload": _payload(preview)}
    )
    assert response.status_code == 302
    assert response.url == reverse("staff_reviews:committee", kwargs={"track_id": committee.pk})
    new = ReviewerInvitation.objects.filter(
        track=committee, email__in=["new.one@expert.example.net", "new.two@expert.example.net"]
    )
    assert sorted(new.values_list("email", "name", "status")) == [
        ("new.one@expert.example.net", "Dr New One", "pending"),
        ("new.two@expert.example.net", "", "pending"),
    ]
    assert ReviewerInvitation.objects.filter(track=committee).count() == 3
    assert (
        AuditEvent.objects.filter(
            action="invited", object_id__in=[str(pk) for pk in new.values_list("pk", flat=True)]
        ).count()
        == 2
    )
    assert (
        Message.objects.filter(
            template="reviews/invitation",
            to_email__in=["new.one@expert.example.net", "new.two@expert.example.net"],
        ).count()
        == 2
    )


def test_xlsx_with_korean_headers_and_extra_columns_is_read(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    uploaded = _xlsx(
        [
            ["번호", "이름", "소속", "이메일"],
            [1, "김지원", "국토연구원", "kim.jiwon@expert.example.net"],
            [None, None, None, None],
            [2, "Lee Minho", "KAIA", " Lee.Minho@Expert.example.net "],
        ]
    )
    response = _upload(client, planning_track, uploaded)
    assert response.status_code == 200
    assert [(p.row.line, p.row.name, p.outcome) for p in response.context["preview"]] == [
        (2, "김지원", "invite"),
        (4, "Lee Minho", "invite"),
    ]
    confirm = client.post(
        _import_url(planning_track), {"action": "confirm", "payload": _payload(response)}
    )
    assert confirm.status_code == 302
    assert sorted(
        ReviewerInvitation.objects.filter(track=planning_track).values_list("email", "name")
    ) == [("kim.jiwon@expert.example.net", "김지원"), ("lee.minho@expert.example.net", "Lee Minho")]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("\ufeffE-mail,Name\npark@expert.example.net,박소연\n", "utf-8"),
        ("이메일,이름\npark@expert.example.net,박소연\n", "cp949"),
        ("email;name\npark@expert.example.net;박소연\n", "utf-8"),
    ],
    ids=["utf8-bom", "cp949-korean-excel", "semicolons"],
)
def test_csv_from_excel_is_read(client, planning_track, kind_staff, text, encoding):
    client.force_login(kind_staff)
    response = _upload(client, planning_track, _csv(text, encoding=encoding))
    assert response.status_code == 200
    assert [(p.row.email, p.row.name, p.outcome) for p in response.context["preview"]] == [
        ("park@expert.example.net", "박소연", "invite")
    ]


def _broken_xlsx():
    good = _xlsx([["email"], ["a@expert.example.net"]]).read()
    return SimpleUploadedFile("experts.xlsx", good[: len(good) // 2])


BAD_FILES = {
    "pdf": (lambda: SimpleUploadedFile("experts.pdf", b"%PDF-1.7 ..."), "not a CSV or Excel"),
    "pdf-named-csv": (
        lambda: SimpleUploadedFile("experts.xlsx", b"%PDF-1.7 ..."),
        "could not be read as an Excel",
    ),
    "empty": (lambda: SimpleUploadedFile("experts.csv", b""), "empty"),
    "header-only": (lambda: _csv("email,name\n"), "The file lists nobody"),
    "no-email-column": (lambda: _csv("name,phone\nKim,010\n"), "No e-mail column"),
    "xlsx-no-email-column": (lambda: _xlsx([["name"], ["Kim"]]), "No e-mail column"),
    "too-big": (
        lambda: _csv("email\n" + "a@expert.example.net\n" * 60_000),
        "the limit is 1.0",
    ),
    "too-many-rows": (
        lambda: _csv("email\n" + "".join(f"e{i}@x.example.net\n" for i in range(501))),
        "at most 500",
    ),
    "broken-xlsx": (_broken_xlsx, "could not be read as an Excel"),
    "binary-named-csv": (
        lambda: SimpleUploadedFile("experts.csv", b"MZ\x90\x00\x03\x00"),
        "could not be read as a CSV",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_next_to_the_field(client, planning_track, kind_staff, case):
    make, expected = BAD_FILES[case]
    client.force_login(kind_staff)
    response = _upload(client, planning_track, make())
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert any(expected in str(error) for error in errors), errors
    assert 'id="id_file-error"' in response.content.decode()
    assert not ReviewerInvitation.objects.exists()


def test_other_track_staff_cannot_preview_or_confirm(
    client, planning_track, kind_staff, kaia_staff
):
    client.force_login(kind_staff)
    payload = _payload(_upload(client, planning_track, _csv("email\nx@expert.example.net\n")))
    client.force_login(kaia_staff)
    assert client.get(_import_url(planning_track)).status_code == 403
    assert _upload(client, planning_track, _csv("email\nx@expert.example.net\n")).status_code == 403
    confirm = client.post(_import_url(planning_track), {"action": "confirm", "payload": payload})
    assert confirm.status_code == 403
    assert not ReviewerInvitation.objects.exists()


def test_tampered_payload_is_refused(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    payload = _payload(_upload(client, planning_track, _csv("email\nx@expert.example.net\n")))
    data = signing.loads(payload, salt=committee_import.SIGNING_SALT)
    data["rows"][0][1] = "attacker@evil.example.net"
    forged = signing.dumps(data, salt="another salt", compress=True)
    for bad in (payload[:-2] + "xx", forged, ""):
        response = client.post(_import_url(planning_track), {"action": "confirm", "payload": bad})
        assert response.status_code == 400
        assert "can no longer be confirmed" in response.content.decode()
    assert not ReviewerInvitation.objects.exists()


def test_payload_holds_only_for_its_track_and_user(
    client, planning_track, demonstration_track, kind_staff, second_staff, programme_admin
):
    client.force_login(kind_staff)
    payload = _payload(_upload(client, planning_track, _csv("email\nx@expert.example.net\n")))
    client.force_login(second_staff)  # a colleague on the same track
    response = client.post(_import_url(planning_track), {"action": "confirm", "payload": payload})
    assert response.status_code == 400
    client.force_login(programme_admin)  # may manage both tracks; the list was for the first
    response = client.post(
        _import_url(demonstration_track), {"action": "confirm", "payload": payload}
    )
    assert response.status_code == 400
    assert not ReviewerInvitation.objects.exists()


def test_confirm_is_all_or_nothing(client, planning_track, kind_staff, second_staff):
    client.force_login(kind_staff)
    preview = _upload(
        client,
        planning_track,
        _csv(
            "email,name\n"
            "first@expert.example.net,First\n"
            "second@expert.example.net,Second\n"
            "third@expert.example.net,Third\n"
        ),
    )
    # Meanwhile a colleague invites the third expert by hand.
    services.invite_reviewer(
        track=planning_track, email="third@expert.example.net", actor=second_staff
    )
    mails_before = Message.objects.count()
    response = client.post(
        _import_url(planning_track), {"action": "confirm", "payload": _payload(preview)}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Nobody was invited: third@expert.example.net" in body
    assert list(
        ReviewerInvitation.objects.filter(track=planning_track).values_list("email", flat=True)
    ) == ["third@expert.example.net"]
    assert Message.objects.count() == mails_before
    assert not AuditEvent.objects.filter(action="invited", actor=kind_staff).exists()
    # The list is shown again as it stands now, ready to confirm without the third row.
    assert _outcomes(response) == {
        "first@expert.example.net": "invite",
        "second@expert.example.net": "invite",
        "third@expert.example.net": "pending",
    }
    again = client.post(
        _import_url(planning_track), {"action": "confirm", "payload": _payload(response)}
    )
    assert again.status_code == 302
    assert ReviewerInvitation.objects.filter(track=planning_track).count() == 3


def test_committee_page_offers_the_import(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_reviews:committee", kwargs={"track_id": planning_track.pk})
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'action="{_import_url(planning_track)}"' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'accept=".csv,.xlsx"' in body


def test_service_and_preview_refuse_an_invalid_address_alike(planning_track, kind_staff):
    refusal = services.invitation_refusal(planning_track, "not-an-address")
    assert refusal is not None and refusal.code == "invalid_email"
    with pytest.raises(services.committee.DomainError) as caught:
        services.invite_reviewer(track=planning_track, email="not-an-address", actor=kind_staff)
    assert caught.value.message == refusal.message


def test_semicolon_csv_with_commas_in_names_is_read(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    text = "email;name\nkim@expert.example.net;Kim, Jiwon\n"
    response = _upload(client, planning_track, _csv(text))
    assert response.status_code == 200
    assert [(p.row.email, p.row.name) for p in response.context["preview"]] == [
        ("kim@expert.example.net", "Kim, Jiwon")
    ]


def test_import_page_in_korean(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    client.cookies["django_language"] = "ko"
    response = _upload(client, planning_track, _csv("이메일,이름\nkim@expert.example.net,김지원\n"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="ko">' in body and "kim@expert.example.net" in body
    assert response.context["preview"][0].outcome == "invite"
