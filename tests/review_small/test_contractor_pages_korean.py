"""The contractor's pages in Korean (its user's language): ``lang="ko"``, every input labelled,
and no English sentence of the templates left (names typed by people aside). A regression guard:
the review found these pages translated."""

import html
import re

import pytest
from django.urls import reverse

from awards import funding
from awards.models import Deliverable
from tests.awards.test_funding import ask

pytestmark = pytest.mark.django_db

# Data typed by people or fixed names that stay as they are in Korean.
KEPT = {"Asia", "Seoul).", "English", "K-City", "Klang flood sensors", "Hanul Urban Planning"}
KEPT |= {"fix", "new", "note", "invoice.pdf", "x"}


def _visible_english(body: str) -> set[str]:
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    attrs = re.findall(r'(?:aria-label|title|placeholder|alt|data-label)="([^"]*)"', body)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + " ".join(attrs))
    runs = {w.strip() for w in re.findall(r"[A-Za-z][A-Za-z' ,.:()-]{3,}", text)}
    return {w for w in runs if re.search(r"[a-z]{3}", w)} - KEPT


def _unlabelled_inputs(body: str) -> list[str]:
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', body))
    missing = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", body):
        if re.search(r'type="(hidden|submit)"', tag) or "aria-label" in tag:
            continue
        found = re.search(r'id="([^"]+)"', tag)
        if not found or found.group(1) not in labelled:
            missing.append(tag)
    return missing


def test_contractor_pages_in_korean_leave_no_english(
    client, project, contract, contractor, kind_staff
):
    contractor.language = "ko"
    contractor.save(update_fields=["language"])
    payment = ask(contract, 1, contractor, note="note")
    funding.return_payment(request=payment, feedback="fix", actor=kind_staff)
    funding.request_amendment(
        agreement=contract, kind="scope", changes={"scope": "new"}, actor=contractor, reason="x"
    )
    deliverable = Deliverable.objects.filter(project=project).first()
    first = contract.tranches.get(number=1)
    client.force_login(contractor)
    pages = [
        reverse("awards:deliverables"),
        reverse("awards:deliverable", args=[deliverable.pk]),
        reverse("awards:agreements"),
        reverse("awards:agreement", args=[contract.pk]),
        reverse("awards:request_payment", args=[contract.pk, first.pk]),
        reverse("awards:request_amendment", args=[contract.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        assert '<html lang="ko">' in body, page
        assert '<meta name="viewport" content="width=device-width' in body, page
        assert _visible_english(body) == set(), page
        assert _unlabelled_inputs(body) == [], page
