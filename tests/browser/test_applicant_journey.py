"""The applicant's whole journey in Chromium: register, verify, organisation, a draft filled in
two browser sessions, documents, submission, status, Korean — with axe-core on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts import roles
from applications.models import Application
from tests.browser.conftest import close_context, open_context, run_axe
from tests.factories import (
    CallFactory,
    CityFactory,
    CountryFactory,
    CriterionFactory,
    OrganizationFactory,
    TrackFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EMAIL = "aminah@klang.gov.my"
PASSWORD = "smart-city-2026!"


@pytest.fixture
def open_planning_call(db):
    roles.ensure_role_groups()
    kind = OrganizationFactory(name="KIND", kind="korean_agency", country_code="KR")
    call = CallFactory(name="K-City Network 2026", slug="2026", status="open")
    track = TrackFactory(
        call=call,
        secretariat=kind,
        kind="planning",
        code="PL",
        name="Smart City Planning",
        required_documents=["letter_of_intent", "concept_paper"],
    )
    CriterionFactory(track=track, code="feasibility", name="Feasibility", max_points=40)
    CriterionFactory(track=track, code="site", name="Preparation of the site", max_points=60)
    country = CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    CityFactory(country=country, name="Klang")
    return track


def assert_accessible(page):
    violations = run_axe(page)
    assert violations == [], [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations
    ]


def log_in(page):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_applicant_journey_from_registration_to_submitted_in_korean(
    page, live_server, open_planning_call, browser
):
    # The home page leads to the calls and to registration.
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="See the calls").click()
    expect(page.get_by_role("heading", name="Calls for proposals")).to_be_visible()
    expect(page.get_by_text("Preparation of the site (60)")).to_be_visible()
    # Closing time in Asia/Seoul, and in the visitor's own zone (Europe/Berlin here).
    local = page.locator(".local-time").first.inner_text()
    assert "your time:" in local and re.search(r"GMT\+1|CET", local), local
    assert_accessible(page)

    # Register.
    page.get_by_role("link", name="Register", exact=True).first.click()
    expect(page.get_by_role("heading", name="Register")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Aminah Rahman")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Time zone").select_option("Asia/Kuala_Lumpur")
    page.get_by_label("I have read the privacy notice", exact=False).check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Your e-mail address is not verified yet.")).to_be_visible()

    # Verify the address with the link from the e-mail.
    verification = next(m for m in mail.outbox if EMAIL in m.to)
    path = re.search(r"/accounts/verify/[^\s]+/", verification.body).group(0)
    page.goto(path)
    expect(page.get_by_text("is verified")).to_be_visible()
    assert_accessible(page)

    # Create the organisation.
    page.get_by_role("link", name="Create your organisation").click()
    expect(page.get_by_role("heading", name="Create your organisation")).to_be_visible()
    page.locator("#id_name").fill("Klang Municipal Council")
    page.get_by_label("Kind").select_option("city_government")
    page.get_by_label("Country (ISO code)").fill("MY")
    page.get_by_label("E-mail domain").fill("klang.gov.my")
    assert_accessible(page)
    page.get_by_role("button", name="Create the organisation").click()
    expect(page.get_by_role("heading", name="Klang Municipal Council")).to_be_visible()

    # Start a draft and fill the first sections.
    page.get_by_role("link", name="Go to your applications").click()
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Apply to Smart City Planning").click()
    expect(page.get_by_role("heading", name="Applicant and contact")).to_be_visible()
    page.get_by_label("Contact telephone").fill("+60 3 1234 5678")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#id_country").select_option(label="Malaysia")
    page.locator("#id_city").select_option(label="Klang (Malaysia)")
    page.get_by_label("Population").fill("900000")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Project title").fill("Klang Smart Port City master plan")
    page.get_by_label("Summary").fill("A smart-city master plan for the port district.")
    page.get_by_label("Objectives").fill("Less congestion; digital services.")
    page.get_by_label("Requested deliverable").select_option("master_plan")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    # A second browser session: log out, log in again elsewhere; the draft is still there.
    page.get_by_role("button", name="Log out").click()
    second = open_context(browser, base_url=live_server.url, locale="en-GB")
    page = second.new_page()
    page.set_default_timeout(15_000)
    log_in(page)
    page.goto("/applications/")
    page.get_by_role("link", name="Klang Smart Port City master plan").click()
    expect(page.get_by_text("Klang, Malaysia")).to_be_visible()
    page.get_by_role("link", name="Continue the draft").click()
    page.get_by_role("link", name="Budget").click()
    page.get_by_label("Requested amount (KRW)").fill("900000000")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#id_budget_requested-error")).to_be_visible()
    expect(page.get_by_label("Requested amount (KRW)")).to_have_value("900000000")
    assert_accessible(page)
    page.get_by_label("Requested amount (KRW)").fill("450000000")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Country priority rank").fill("1")
    page.get_by_role("button", name="Save", exact=True).click()

    # Upload the required documents; a forged one is refused with a reason.
    page.get_by_role("link", name="Documents").click()
    expect(page.get_by_text("Maximum size per file")).to_be_visible()
    page.get_by_label("Document").select_option("letter_of_intent")
    page.get_by_label("File").set_input_files(
        {
            "name": "letter.pdf",
            "mimeType": "application/pdf",
            "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 40,
        }
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("is really a PNG file").first).to_be_visible()
    assert_accessible(page)
    for kind, name in (("letter_of_intent", "letter.pdf"), ("concept_paper", "concept.pdf")):
        page.get_by_label("Document").select_option(kind)
        page.get_by_label("File").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": PDF}
        )
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("link", name=name)).to_be_visible()

    # Review and submit.
    page.get_by_role("link", name="Review and submit").first.click()
    expect(page.get_by_text("Everything required is there")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_text("Your application has been submitted")).to_be_visible()
    expect(page.locator("#application-status")).to_have_text("Submitted")
    application = Application.objects.get()
    assert application.status == "submitted" and application.reference == "2026-PL-001"
    assert_accessible(page)

    # Switch to Korean; the choice is kept on the profile.
    page.get_by_label("Language").select_option("ko")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#application-status")).to_have_text("제출됨")
    assert_accessible(page)
    close_context(second)
