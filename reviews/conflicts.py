"""Detecting likely conflicts of interest between reviewers and applications.

A pair is a likely conflict when the reviewer
- belongs to the applicant organisation or to an organisation in its consortium;
- shares an e-mail domain with the applicant organisation, a consortium member, or a member of
  the applicant organisation (free mail such as gmail.com does not count: it says nothing);
- names, among the companies of their last 3 years (or as employer), the applicant or a
  consortium member (case-insensitive, surrounding spaces ignored).

``detect_conflicts`` reads everything it needs in a fixed number of queries and returns the
pairs with the first reason found; it writes nothing. ``record_detected_conflicts`` in
services.py stores them as ``ConflictDeclaration(source=detected)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from accounts.models import Membership, ReviewerProfile
from applications.models import Application, ConsortiumMember
from reviews.models import ConflictDeclaration

K = ConflictDeclaration.Kind

# Public mail providers: sharing one of these is no sign of a tie.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "yahoo.co.kr",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "kakao.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "example.org",
        "example.com",
    }
)


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _domain(value: str) -> str:
    value = (value or "").strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    return value.removeprefix("www.")


def detect_conflicts(
    *, reviewers: Iterable, applications: Iterable[Application]
) -> dict[tuple[int, int], str]:
    """Map (reviewer id, application id) → detected conflict kind for every likely conflict."""
    reviewers = list(reviewers)
    applications = list(applications)
    if not reviewers or not applications:
        return {}
    reviewer_ids = [r.pk for r in reviewers]
    app_ids = [a.pk for a in applications]

    reviewer_orgs: dict[int, set[int]] = defaultdict(set)
    reviewer_domains: dict[int, set[str]] = defaultdict(set)
    for user_id, org_id, org_domain in Membership.objects.filter(
        user_id__in=reviewer_ids
    ).values_list("user_id", "organization_id", "organization__email_domain"):
        reviewer_orgs[user_id].add(org_id)
        if org_domain:
            reviewer_domains[user_id].add(_domain(org_domain))
    for reviewer in reviewers:
        reviewer_domains[reviewer.pk].add(_domain(reviewer.email))
    reviewer_companies: dict[int, set[str]] = defaultdict(set)
    for profile in ReviewerProfile.objects.filter(user_id__in=reviewer_ids):
        names = [*profile.recent_company_names, profile.employer]
        reviewer_companies[profile.user_id] = {_norm(n) for n in names if n.strip()}

    # For every application: organisation ids, names and e-mail domains on its side.
    app_orgs: dict[int, set[int]] = defaultdict(set)
    app_names: dict[int, set[str]] = defaultdict(set)
    app_domains: dict[int, set[str]] = defaultdict(set)
    org_of_app: dict[int, int] = {}
    for app in Application.objects.filter(pk__in=app_ids).values(
        "pk", "organization_id", "organization__name", "organization__email_domain"
    ):
        org_of_app[app["pk"]] = app["organization_id"]
        app_orgs[app["pk"]].add(app["organization_id"])
        app_names[app["pk"]].add(_norm(app["organization__name"]))
        if app["organization__email_domain"]:
            app_domains[app["pk"]].add(_domain(app["organization__email_domain"]))
    for member in ConsortiumMember.objects.filter(application_id__in=app_ids).values(
        "application_id", "organization_id", "name", "email_domain", "organization__email_domain"
    ):
        app_id = member["application_id"]
        if member["organization_id"]:
            app_orgs[app_id].add(member["organization_id"])
        app_names[app_id].add(_norm(member["name"]))
        for domain in (member["email_domain"], member["organization__email_domain"]):
            if domain:
                app_domains[app_id].add(_domain(domain))
    member_domains: dict[int, set[str]] = defaultdict(set)
    for org_id, email in Membership.objects.filter(
        organization_id__in=set(org_of_app.values())
    ).values_list("organization_id", "user__email"):
        member_domains[org_id].add(_domain(email))
    for app_id, org_id in org_of_app.items():
        app_domains[app_id] |= member_domains[org_id]

    found: dict[tuple[int, int], str] = {}
    for reviewer in reviewers:
        r = reviewer.pk
        domains = reviewer_domains[r] - FREE_MAIL_DOMAINS - {""}
        for app_id in app_ids:
            if reviewer_orgs[r] & app_orgs[app_id]:
                found[(r, app_id)] = K.SAME_ORGANISATION
            elif domains & app_domains[app_id]:
                found[(r, app_id)] = K.SAME_EMAIL_DOMAIN
            elif reviewer_companies[r] & app_names[app_id]:
                found[(r, app_id)] = K.RECENT_COMPANY
    return found
