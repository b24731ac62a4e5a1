"""An accessibility and phone sweep: every GET page each role can open, in English and in
Korean, passes axe-core with no serious or critical violation (KWCAG / WCAG 2.1 AA), has the
right ``lang`` and no duplicate id, and fits a phone: at 390 px wide no page is wider than the
screen (a table or chart may scroll inside its own box; the page itself may not), so nothing
is cut off or needs a sideways scroll of the whole page.

One small but complete data set is built through the factories and the services (a call with a
planning and a demonstration track, criteria, applications from draft to awarded with a released
decision, a funded project with a contractor and a deliverable, a reviewer with assignments, an
event, notices), then each role's pages are visited in one browser context per language: each
page is opened once, checked at the desktop's width and then laid out at the phone's
(``page_too_wide``). The problems of a role are collected and asserted once, so one run shows
all of them.
"""

import pytest
from django.conf import settings

from tests.browser.conftest import (
    PAGE_WIDTH,
    PHONE,
    close_context,
    log_in,
    open_context,
    page_too_wide,
    run_axe,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ("en", "ko")
PLANNING_SECTIONS = ("applicant", "site", "project", "readiness", "budget", "priority", "documents")


def public_pages(d) -> list[str]:
    return [
        "/",
        "/calls/",
        f"/calls/{d['call'].slug}/",
        f"/applications/form/{d['planning'].pk}/",
        f"/applications/form/{d['demonstration'].pk}/",
        "/calls/portfolio/",
        f"/calls/portfolio/{d['project'].code}/",
        "/calls/events/",
        "/calls/programme/",
        "/help/",
        "/help/faq/",
        "/accessibility/",
        "/this-page-does-not-exist/",
    ]


def account_pages(*, every: bool) -> list[str]:
    """The profile and notices of any member; the password and token pages differ between
    roles only by the header, so two roles stand for all (keeps the sweep fast)."""
    pages = ["/accounts/profile/", "/notifications/"]
    # The privacy pages (download, erasure) are the same for every role: one role stands for all.
    every_pages = ["/accounts/password/", "/accounts/tokens/", "/accounts/my-data/"]
    # Changing the e-mail address (a change waiting for confirmation on the applicant's).
    every_pages += ["/accounts/email/"]
    # The second factor's pages: staff see their own (a device set up), an applicant, for whom
    # it is optional, sees the setting-up page with its QR code and key.
    every_pages += ["/accounts/two-factor/", "/accounts/two-factor/set-up/"]
    return [*pages, *every_pages, "/accounts/erasure/"] if every else pages


def staff_pages(d, *, admin: bool) -> list[str]:
    """The staff screens. KIND staff open their planning track's review pages, programme
    admins the demonstration track's (a consortium track, with reviews under way), so each
    track's pages are seen without visiting every page twice."""
    pl, dm = d["planning"].pk, d["demonstration"].pk
    code = d["project"].code
    if admin:
        track_pages = [
            f"/staff/applications/tracks/{dm}/screening/",
            f"/staff/reviews/tracks/{dm}/",
            f"/staff/reviews/tracks/{dm}/criteria/",
            f"/staff/reviews/criteria/{d['dm_criterion'].pk}/edit/",
            f"/staff/reviews/tracks/{dm}/committee/",
            f"/staff/reviews/tracks/{dm}/assignments/",
            f"/staff/reviews/tracks/{dm}/board/",
            f"/staff/applications/tracks/{dm}/applications/",
            # The call's configuration (issue 14): calls, copy, documents, the form's preview
            # in both languages, questions, tags, the message templates and held messages.
            "/staff/calls/",
            f"/staff/calls/{d['call'].pk}/",
            f"/staff/calls/{d['call'].pk}/copy/",
            f"/staff/calls/tracks/{dm}/documents/",
            f"/staff/calls/tracks/{dm}/preview/",
            f"/staff/calls/tracks/{dm}/preview/?lang=ko",
            f"/staff/applications/tracks/{dm}/questions/",
            f"/staff/applications/tracks/{dm}/questions/preview/",
            f"/staff/applications/tracks/{dm}/tags/",
            f"/staff/applications/tracks/{dm}/notices/",
            "/staff/messages/templates/",
            "/staff/messages/templates/applications/submitted/",
            # A long name without spaces in the title: it must wrap on a phone.
            "/staff/messages/templates/applications/invited_to_full_proposal/",
            "/staff/messages/held/",
            # The programme's events, recorded by staff.
            "/staff/events/",
            f"/staff/events/{d['event'].pk}/",
        ]
    else:
        track_pages = [
            f"/staff/applications/tracks/{pl}/screening/",
            f"/staff/applications/{d['submitted'].pk}/screen/",
            # The back office's History: the row's audit trail, on a phone too.
            f"/admin/applications/application/{d['submitted'].pk}/history/",
            f"/applications/{d['submitted'].pk}/request-clarification/",
            f"/staff/reviews/tracks/{pl}/",
            f"/staff/reviews/tracks/{pl}/criteria/",
            f"/staff/reviews/criteria/{d['criterion'].pk}/edit/",
            f"/staff/reviews/tracks/{pl}/committee/",
            f"/staff/reviews/tracks/{pl}/committee/import/",
            f"/staff/reviews/tracks/{pl}/assignments/",
            f"/staff/reviews/tracks/{pl}/board/",
            f"/staff/reviews/assignments/{d['submitted_review'].pk}/reopen/",
            # Invited to an applicant organisation: staff may not join, said on the page.
            f"/accounts/invitations/{d['staff_membership_invitation'].token}/",
            f"/staff/applications/tracks/{pl}/applications/",
        ]
    return [
        "/staff/",
        "/staff/statistics/",
        "/staff/dashboards/",
        f"/staff/dashboards/calls/{d['call'].slug}/",
        "/staff/execution/",
        "/staff/execution/?group=project",
        "/staff/projects/",
        f"/staff/projects/{code}/",
        f"/staff/projects/{code}/contractor/{d['selection'].pk}/",
        "/staff/reviews/",
        *track_pages,
        "/staff/reviews/results/",
        f"/staff/reviews/results/{pl}/",
        f"/staff/reviews/results/{pl}/applications/{d['awarded'].pk}/reviews/",
        f"/staff/reviews/results/{pl}/jobs/{d['job'].pk}/",
        f"/staff/reviews/results/{pl}/selection/",
        f"/staff/reviews/results/{pl}/decisions/{d['decision'].pk}/",
        f"/staff/reviews/results/{pl}/awards/",
        f"/staff/reviews/results/{pl}/awards/{d['award'].pk}/cancel/",
        "/calls/deliverables/",
        f"/calls/deliverables/{d['deliverable'].pk}/",
        # Agreements and payments (awards.funding).
        f"/staff/projects/{code}/agreements/",
        f"/staff/projects/{code}/agreements/{d['agreement'].pk}/",
        f"/staff/projects/{code}/agreements/{d['draft_agreement'].pk}/",
        "/staff/payments/",
        f"/staff/payments/{d['payment'].pk}/",
        *account_pages(every=not admin),
    ]


def pages_for(role: str, d) -> list[str]:
    """Every GET page of ``role`` (a 403 or 404 page is a page too)."""
    if role == "anonymous":
        return [
            *public_pages(d),
            "/accounts/login/",
            "/accounts/signup/",
            "/privacy/",
            "/accounts/password-reset/",
            "/accounts/password-reset/sent/",
            "/accounts/password-reset/MQ/not-a-token/",
            "/accounts/password-reset/complete/",
            "/accounts/verify/not-a-token/",
        ]
    if role == "applicant":
        draft, awarded = d["draft"].pk, d["awarded"].pk
        # The public pages as a member sees them (the rest differ only by the header).
        return [
            "/",
            f"/calls/{d['call'].slug}/",
            "/this-page-does-not-exist/",
            "/applications/",
            f"/applications/{draft}/",
            *(f"/applications/{draft}/edit/{section}/" for section in PLANNING_SECTIONS),
            f"/applications/{d['consortium_draft'].pk}/edit/consortium/",
            f"/applications/{draft}/review/",
            f"/applications/{d['submitted'].pk}/",
            f"/applications/{d['submitted'].pk}/withdraw/",
            f"/applications/{awarded}/",
            f"/applications/{d['returned'].pk}/",
            f"/applications/{d['returned'].pk}/edit/site/",
            f"/accounts/invitations/{d['colleague'].token}/",
            # A confirmation link of a changed e-mail address that is no longer valid.
            "/accounts/email/confirm/not-a-token/",
            # The notices' second page (the list has 30 a page).
            "/notifications/?page=2",
            f"/accounts/organisations/{d['org'].pk}/",
            f"/accounts/organisations/{d['org'].pk}/edit/",
            "/accounts/organisations/new/",
            *account_pages(every=True),
            "/accounts/password/done/",
            "/staff/",
            f"/applications/{d['other'].pk}/",
            # The partner follows its project's agreements, read-only.
            "/calls/agreements/",
            f"/calls/agreements/{d['agreement'].pk}/",
        ]
    if role == "reviewer":
        return [
            "/",
            "/reviews/",
            "/reviews/profile/",
            "/reviews/declaration/",
            f"/reviews/invitations/{d['invitation'].token}/",
            # Invited to an applicant organisation: told beforehand what joining means.
            f"/accounts/invitations/{d['reviewer_membership_invitation'].token}/",
            f"/reviews/assignments/{d['invited'].pk}/",
            f"/reviews/assignments/{d['accepted'].pk}/",
            f"/reviews/assignments/{d['accepted'].pk}/application/",
            f"/reviews/assignments/{d['accepted'].pk}/score/",
            *account_pages(every=False),
            f"/staff/reviews/tracks/{d['planning'].pk}/",
        ]
    if role == "contractor":
        return [
            "/",
            "/calls/deliverables/",
            f"/calls/deliverables/{d['deliverable'].pk}/",
            f"/calls/portfolio/{d['project'].code}/",
            "/applications/",
            *account_pages(every=False),
            "/staff/",
            "/calls/agreements/",
            f"/calls/agreements/{d['agreement'].pk}/",
            f"/calls/agreements/{d['agreement'].pk}/tranches/{d['tranche_2'].pk}/request/",
            f"/calls/agreements/{d['agreement'].pk}/amendments/new/",
        ]
    return staff_pages(d, admin=role == "programme_admin")


# axe 4.10 no longer reports duplicate ids outside ARIA references (WCAG 2.1 still asks for
# unique ids, 4.1.1): the sweep looks for them itself.
DUPLICATE_IDS = """() => {
    const seen = {};
    for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
    return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


# The main menu's links and buttons narrower or shorter than 32 px: on a phone they are tapped
# with a finger (a bare line of text is 24 px, and the wrapped rows of the menu almost touched).
SMALL_MENU_TARGETS = """() => [...document.querySelectorAll('header nav a, header nav button')]
    .map((el) => [el.textContent.trim(), el.getBoundingClientRect()])
    .filter(([, box]) => box.width > 0 && (box.height < 32 || box.width < 32))
    .map(([text, box]) => `${text} ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def small_menu_targets(page) -> list[str]:
    """The main menu's targets too small for a finger at the phone's width (``PHONE``)."""
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        return page.evaluate(SMALL_MENU_TARGETS)
    finally:
        page.set_viewport_size(desktop)


def submit_empty_form(page) -> None:
    """Submit the page's main form as it is: the errors show next to the fields and in the
    summary at the top, a state axe must check too."""
    page.locator("main form[method='post'] button[type='submit']").first.click()
    page.wait_for_selector(".error-summary")


def submit_without_csrf_cookie(page) -> None:
    """A form posted after its CSRF cookie has gone: the "form has expired" page."""
    page.context.clear_cookies(name=settings.CSRF_COOKIE_NAME)
    page.locator("main form[method='post'] button[type='submit']").first.click()
    page.wait_for_load_state("load")


def show_server_error_page(page) -> None:
    """The 500 page, rendered without a request as Django does, shown at the portal's address
    so its style sheet loads."""
    from django.template.loader import render_to_string

    page.set_content(render_to_string("500.html"))


def show_database_unavailable_page(page) -> None:
    """The 503 page of a database out of reach, shown the same way."""
    from django.template.loader import render_to_string

    page.set_content(render_to_string("503.html"))


# Pages written in English with their Korean paragraphs marked ko, whatever the language.
STANDALONE_PAGES = (show_server_error_page, show_database_unavailable_page)


def save_section(page) -> None:
    """Save a section of the draft: the page comes back with its success message."""
    page.locator("main form button[name='save']").click()
    page.wait_for_selector(".message")


def open_justifications(page) -> None:
    """Open a row's justifications on the ranking board (loaded by htmx into the row)."""
    page.locator("table.ranking tr.justifications summary").first.click()
    page.wait_for_selector(".review-list")


def submit_empty_email_change(page) -> None:
    """Ask for an e-mail change with nothing typed (the page's first form cancels the change
    already asked for): the errors next to the fields and in the summary."""
    page.locator("main form.narrow button[type='submit']").click()
    page.wait_for_selector(".error-summary")


EXPERT_LIST = (
    "email,name\n"
    "new.expert@university.ac.kr,New Expert\n"
    "a-very-long-address-without-any-spaces@some-institute-of-technology.example.ac.kr,Long\n"
    "not-an-address,Broken\n"
    "expert@university.ac.kr,Already invited\n"
)


def preview_expert_list(page) -> None:
    """Upload a list of experts on the committee's import page: the preview of every row."""
    page.set_input_files(
        "main input[type=file]",
        files=[{"name": "experts.csv", "mimeType": "text/csv", "buffer": EXPERT_LIST.encode()}],
    )
    page.locator("main form[enctype] button[type='submit']").click()
    page.wait_for_selector("table.table-stack")


def states_for(role: str, d) -> list[tuple[str, object]]:
    """Pages in a state reached by an action: (URL, what to do once it has loaded)."""
    if role == "anonymous":
        return [
            ("/accounts/login/", submit_empty_form),
            ("/accounts/signup/", submit_empty_form),
            ("/accounts/login/", submit_without_csrf_cookie),
            ("/", show_server_error_page),
            ("/", show_database_unavailable_page),
        ]
    if role == "applicant":
        return [
            ("/accounts/organisations/new/", submit_empty_form),
            (f"/applications/{d['draft'].pk}/edit/project/", save_section),
            ("/accounts/email/", submit_empty_email_change),
        ]
    if role == "reviewer":
        return [("/reviews/profile/", submit_empty_form)]
    if role == "kind_staff":
        return [
            (f"/staff/reviews/results/{d['planning'].pk}/", open_justifications),
            (f"/staff/reviews/tracks/{d['planning'].pk}/committee/import/", preview_expert_list),
        ]
    if role == "programme_admin":
        return [(f"/staff/reviews/results/{d['planning'].pk}/", open_justifications)]
    return []


@pytest.fixture
def portal(portal_data, applicant, reviewer, contractor, kind_staff, programme_admin):
    """The sweep's data (``portal_data``) and the user of each logged-in role."""
    d = portal_data
    # Agreements and payments, made through awards.funding: the contractor's signed service
    # contract with tranche 1 requested and tranche 2 due (its interim report accepted), an
    # amendment waiting, and the partner's grant agreement still a draft.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from awards import funding
    from awards.models import Deliverable

    def pdf():
        return SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")

    project = d["project"]
    # A notice to the planning track's applicants, published on the call's page (its updates).
    import uuid

    from applications.services import send_applicant_notice

    send_applicant_notice(
        track=d["planning"],
        audience="all",
        subject="Information session on 3 March",
        subject_ko="3월 3일 설명회",
        body="Join us online at 10:00 Korea time.",
        body_ko="한국 시각 10시에 온라인으로 참여하십시오.",
        public=True,
        key=uuid.uuid4(),
        actor=kind_staff,
    )
    # A clarification answered on the submitted application, with what the answer changed
    # (a long text marked word by word): its staff screen and the applicant's page show them.
    from applications import clarifications
    from applications.models import ClarificationRequest

    submitted = d["submitted"]
    before = clarifications.snapshot(submitted, ["project"])
    after = clarifications.snapshot(submitted, ["project"])
    before["fields"]["summary"] = "A plan for the port district with a data hub run by the city."
    after["fields"]["summary"] = (
        "A plan for the port district with adaptive signals and a data hub run jointly by the "
        "city and the province, which also pays for its upkeep."
    )
    ClarificationRequest.objects.create(
        application=submitted,
        requested_by=kind_staff,
        message="Say who runs the data hub.\nAnd who pays for it.",
        sections=["project"],
        status=ClarificationRequest.Status.ANSWERED,
        response="The province joins the city.",
        answered_by=submitted.created_by,
        answered_at=submitted.submitted_at,
        previous_status="submitted",
        before=before,
        after=after,
    )
    d["agreement"] = funding.create_agreement(
        project=project,
        kind="service_contract",
        party=project.contractor,
        starts_on=project.starts_on,
        ends_on=project.starts_on,
        actor=kind_staff,
    )
    funding.set_budget_lines(
        agreement=d["agreement"],
        lines={"personnel": 200_000_000, "travel": 100_000_000},
        actor=kind_staff,
    )
    funding.sign_agreement(
        agreement=d["agreement"], signed_on=project.starts_on, uploaded=pdf(), actor=kind_staff
    )
    d["payment"] = funding.request_payment(
        tranche=d["agreement"].tranches.get(number=1),
        lines={"personnel": 60_000_000, "travel": 30_000_000},
        uploaded_evidence=pdf(),
        actor=contractor,
    )
    Deliverable.objects.create(
        project=project, kind="interim_report", due_on=project.starts_on, status="accepted"
    )
    d["tranche_2"] = d["agreement"].tranches.get(number=2)
    funding.request_amendment(
        agreement=d["agreement"],
        kind="dates",
        changes={"ends_on": "2030-12-31"},
        reason="The survey season moved.",
        actor=contractor,
    )
    d["draft_agreement"] = funding.create_agreement(
        project=project,
        kind="grant_agreement",
        party=project.partner,
        starts_on=project.starts_on,
        ends_on=project.starts_on,
        actor=kind_staff,
    )
    # The applicant is a member of a second organisation (the dashboard's "Apply as"), has
    # asked to change their e-mail address, and has two pages of notices; a reviewer and a
    # staff member are invited to the applicant's organisation.
    from accounts.models import Membership
    from accounts.services import invite_member, request_email_change
    from notifications.services import queue_message
    from tests.factories import OrganizationFactory

    Membership.objects.create(
        user=applicant,
        organization=OrganizationFactory(
            name="Selangor State Economic Planning Unit", kind="city_government"
        ),
        role=Membership.Role.OWNER,
    )
    request_email_change(
        user=applicant,
        actor=applicant,
        new_email="new.officer@klang.gov.my",
        confirmation="correct-horse-battery",
        ip="127.0.0.1",
    )
    for n in range(31):
        queue_message(
            recipient=applicant,
            template="applications/withdrawn",
            context={"reference": f"2026-PL-{n:03d}", "title": "Plan", "call": "Call"},
            channels=("in_app",),
            link="/applications/",
        )
    d["reviewer_membership_invitation"] = invite_member(
        organization=d["org"], email=reviewer.email, actor=applicant
    )
    d["staff_membership_invitation"] = invite_member(
        organization=d["org"], email=kind_staff.email, actor=applicant
    )
    users = {
        "applicant": applicant,
        "reviewer": reviewer,
        "contractor": contractor,
        "kind_staff": kind_staff,
        "programme_admin": programme_admin,
    }
    return d, users


ROLES = ("anonymous", "applicant", "reviewer", "contractor", "kind_staff", "programme_admin")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_is_accessible_and_fits_a_phone(role, browser, live_server, portal):
    d, users = portal
    user = users.get(role)
    problems = []
    for language in LANGUAGES:
        context = open_context(
            browser, base_url=live_server.url, locale="en-GB", timezone_id="Europe/Berlin"
        )
        try:
            # axe-core in every document from the start (run_axe then finds it): loading it
            # again on each of the ~300 pages would take a good part of the run.
            context.add_init_script(path=settings.BASE_DIR / "static" / "vendor" / "axe.min.js")
            page = context.new_page()
            page.set_default_timeout(15_000)
            if user is not None:
                log_in(page, live_server, user)
            context.add_cookies(
                [
                    {
                        "name": settings.LANGUAGE_COOKIE_NAME,
                        "value": language,
                        "url": live_server.url,
                    }
                ]
            )
            for url, action in [
                *((url, None) for url in pages_for(role, d)),
                *states_for(role, d),
            ]:
                response = page.goto(url)
                if action is not None:
                    action(page)
                status = response.status if response is not None else None
                if status is None or status >= 500:
                    problems.append((language, url, f"HTTP {status}"))
                    continue
                html_lang = page.locator("html").get_attribute("lang")
                if html_lang != ("en" if action in STANDALONE_PAGES else language):
                    problems.append((language, url, f"<html lang={html_lang!r}>"))
                duplicates = page.evaluate(DUPLICATE_IDS)
                if duplicates:
                    problems.append((language, url, "duplicate ids", duplicates))
                for violation in run_axe(page):
                    problems.append(
                        (
                            language,
                            url,
                            violation["id"],
                            [node["target"] for node in violation["nodes"]][:5],
                        )
                    )
                too_wide = page_too_wide(page)
                if too_wide:
                    problems.append((language, url, "phone", too_wide))
                if url == "/" or url == "/staff/":  # the menu is the same on every page
                    small = small_menu_targets(page)
                    if small:
                        problems.append((language, url, "menu targets on a phone", small))
        finally:
            close_context(context)
    assert problems == [], "\n".join(map(repr, problems))


def test_the_phone_check_names_a_page_wider_than_the_phone(browser):
    """The phone check itself, on a page opened at the desktop's width as the sweep opens them:
    a box wider than the phone is reported, with the box, and so is one the style sheet widens
    only on a phone; the same box inside a scrolling wrapper is not; the page is left at the
    desktop's width."""
    context = browser.new_context()
    try:
        page = context.new_page()
        desktop = page.viewport_size
        page.set_content(
            '<main><p>Fits</p><div class="wide" style="width:800px">Budget</div></main>'
        )
        assert page.evaluate(PAGE_WIDTH) is None  # fits the desktop
        assert 'div.wide "Budget"' in page_too_wide(page)
        assert page.viewport_size == desktop
        page.set_content(
            "<style>@media (max-width: 500px) { .narrow { width: 450px } }</style>"
            '<main><div class="narrow">Tranche</div></main>'
        )
        assert 'div.narrow "Tranche"' in page_too_wide(page)
        page.set_content(
            '<main><div style="overflow-x:auto"><table style="width:800px"><tr><td>KRW</td>'
            "</tr></table></div></main>"
        )
        assert page_too_wide(page) is None
        assert PHONE["width"] < desktop["width"]
    finally:
        context.close()


def test_sweep_opens_each_page_with_its_expected_status(client, portal):
    """The sweep is only worth something if the pages it visits are the real pages, not login
    redirects or errors: each role gets 200 on its pages, and the error pages it means to see."""
    d, users = portal
    statuses = {}
    for role in ROLES:
        client.logout()
        if role in users:
            client.force_login(users[role])
        for url in pages_for(role, d):
            statuses[(role, url)] = client.get(url).status_code
    not_ok = {key: code for key, code in statuses.items() if code != 200}
    assert not_ok == {
        ("anonymous", "/this-page-does-not-exist/"): 404,
        ("anonymous", "/accounts/verify/not-a-token/"): 400,
        ("applicant", "/this-page-does-not-exist/"): 404,
        ("applicant", "/staff/"): 403,
        # The owner opening the invitation meant for a colleague: refused, on a page.
        ("applicant", f"/accounts/invitations/{d['colleague'].token}/"): 400,
        ("applicant", f"/applications/{d['other'].pk}/"): 404,
        ("applicant", "/accounts/email/confirm/not-a-token/"): 400,
        ("kind_staff", f"/accounts/invitations/{d['staff_membership_invitation'].token}/"): 400,
        ("reviewer", f"/staff/reviews/tracks/{d['planning'].pk}/"): 403,
        ("contractor", "/staff/"): 403,
    }


def test_results_fragments_opened_without_htmx_are_whole_pages(client, portal):
    """The board's no-script link to a row's justifications, and the aggregation job's URL,
    give a page with its language, title and heading; htmx still gets the bare fragment."""
    d, users = portal
    client.force_login(users["kind_staff"])
    base = f"/staff/reviews/results/{d['planning'].pk}"
    for url, fragment_id in (
        (f"{base}/applications/{d['awarded'].pk}/reviews/", f'id="reviews-{d["awarded"].pk}"'),
        (f"{base}/jobs/{d['job'].pk}/", 'id="aggregation-job"'),
    ):
        page = client.get(url).content.decode()
        assert '<html lang="en"' in page and "<h1>" in page and fragment_id in page, url
        fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in fragment and fragment_id in fragment, url
