"""Load the demo data: the real K-City Network programme, 2020–2022, and an open 2026 call.

Idempotent: every row is found by its natural key first, and the 2022 review pipeline runs only
for an application that does not exist yet, so a second run changes nothing. Status changes go
through the transition services (with their audit rows); the 2022 results go through the
results services (aggregation, funding line, confirmation, release, awards), whose messages to
the demo applicants (all at ``*.kcity.example``) are written to the outbox like any other and
then recorded as delivered on the 2022 day they went out, so the worker does not send them
again; everything else is seeded without notifications. Each step of the 2022 round runs inside
``accounts.audit.recorded_at`` with the time it happened, so its audit rows carry 2022 dates,
not the day the demo is loaded. Every demo login has a verified e-mail address, so it can be
used at once (an applicant cannot start an application without one).

Demo passwords are generated on the first run and kept in ``var/demo-credentials.txt``
(git-ignored), which ``scripts/run_demo.py`` prints; this command prints no secret.
"""

import contextlib
import datetime
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from accounts import roles
from accounts.audit import recorded_at
from accounts.models import Membership, Organization, ReviewerProfile, User
from accounts.privacy import accept_privacy_notice
from accounts.services import verify_email
from accounts.tokens import make_email_verification_token
from applications.models import Application, ConsortiumMember, Question
from applications.selectors import submission_problems
from applications.services import (
    AlreadySent,
    answer_clarification,
    create_question,
    request_clarification,
    save_answers,
    save_application_section,
    send_applicant_notice,
    transition_application,
    upload_document,
)
from awards import funding
from awards.contractor_selection import (
    PLANNING_KINDS,
    review_deliverable,
    schedule_deliverables,
    submit_deliverable,
)
from awards.execution import agreement_execution
from awards.lifecycle import move_award
from awards.models import (
    Agreement,
    Amendment,
    Award,
    Deliverable,
    DeliverableVersion,
    PaymentRequest,
    Tranche,
)
from awards.services import award_funding
from core.timezones import programme_zone
from demo import demo_data as data
from notifications.models import Message
from notifications.services import render_message
from projects.models import Call, City, Country, Event, Project, Track
from projects.services import transition_call
from results.aggregation import aggregate_track
from results.models import Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from reviews.models import Assignment, CommitteeMember, ConflictDeclaration, Criterion, Score
from reviews.services import (
    current_interest_declaration,
    points_by_criterion,
    sign_interest_declaration,
    transition_assignment,
)

SEOUL = programme_zone()
AS = Application.Status


def seoul(*parts) -> datetime.datetime:
    """An aware datetime from Asia/Seoul wall-clock parts (stored as UTC by Django)."""
    return datetime.datetime(*parts, tzinfo=SEOUL)


@contextmanager
def delivered_at(when: datetime.datetime) -> Iterator[None]:
    """Record the messages the services queue inside the block as delivered at ``when``.

    The 2022 notices (decisions, awards) went out in 2022: left pending, the worker's resend
    job would send them all again on the demo's first start. Each e-mail is rendered as it
    would have been sent (subject and body), then marked sent; nothing is sent now. Only rows
    written inside the block change, so a later live message is never touched.
    """
    last = Message.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    messages = list(Message.objects.filter(pk__gt=last))
    for message in messages:
        if message.channel == Message.Channel.EMAIL:
            render_message(message)
        message.status = Message.Status.SENT
        message.created_at = message.sent_at = when
    Message.objects.bulk_update(messages, ["subject", "body", "status", "created_at", "sent_at"])


@contextmanager
def happened_at(when: datetime.datetime) -> Iterator[None]:
    """A step of the programme's history: its audit rows dated ``when`` and the messages it
    queued recorded as delivered then (``delivered_at``)."""
    with recorded_at(when), delivered_at(when):
        yield


def demo_upload(name: str, title: str) -> SimpleUploadedFile:
    """A small PDF as an upload, for a signed agreement, a deliverable or payment evidence."""
    return SimpleUploadedFile(name, demo_pdf(title), content_type="application/pdf")


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# The committee's funding line confirmed: the 2022 call decided.
DECIDED_2022 = seoul(2022, 6, 24, 15)


def default_credentials_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "demo-credentials.txt"


class Command(BaseCommand):
    help = "Load the K-City Network demo data (idempotent). Prints no password."

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=None,
            help="Where demo passwords are kept (default: var/demo-credentials.txt).",
        )

    def handle(self, *args, credentials_file=None, **options):
        seeder = DemoSeeder(credentials_file or default_credentials_path())
        with transaction.atomic():
            seeder.run()
        seeder.write_credentials()
        counts = {
            "calls": Call.objects.count(),
            "applications": Application.objects.count(),
            "projects": Project.objects.count(),
            "users": User.objects.count(),
        }
        self.stdout.write(
            f"Demo data ready: {counts['calls']} calls, {counts['applications']} applications, "
            f"{counts['projects']} funded projects, {counts['users']} users. "
            f"Demo logins: {seeder.credentials_path}"
        )


class DemoSeeder:
    """Creates what is missing and leaves what exists alone."""

    def __init__(self, credentials_path: Path):
        self.credentials_path = Path(credentials_path)
        self.passwords = self._read_credentials()
        self.logins: list[tuple[str, str, str]] = []
        self.countries: dict[str, Country] = {}
        self.cities: dict[tuple[str, str], City] = {}

    # --- credentials ----------------------------------------------------------------------

    def _read_credentials(self) -> dict[str, str]:
        passwords = {}
        if self.credentials_path.exists():
            for line in self.credentials_path.read_text().splitlines():
                parts = line.split(maxsplit=2)
                if len(parts) >= 2 and "@" in parts[0]:
                    passwords[parts[0]] = parts[1]
        return passwords

    def write_credentials(self) -> None:
        self.credentials_path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{email:<44} {password:<18} {label}" for email, password, label in self.logins]
        self.credentials_path.write_text("\n".join(lines) + "\n")
        self.credentials_path.chmod(0o600)

    # --- people and organisations ---------------------------------------------------------

    def organization(self, name: str, kind: str, country_code: str, **extra) -> Organization:
        extra.setdefault("name_ko", data.ORGANIZATION_NAMES_KO.get(name, ""))
        org, _ = Organization.objects.get_or_create(
            name=name, country_code=country_code, defaults={"kind": kind, **extra}
        )
        return org

    def user(
        self,
        email: str,
        name: str,
        *,
        role_names=(),
        organizations=(),
        is_staff: bool = False,
        login_label: str | None = None,
        name_ko: str = "",
    ) -> User:
        """Get or create a user; demo logins get a stable random password, others none."""
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": name, "name_ko": name_ko, "is_staff": is_staff}
        )
        if login_label is not None:
            password = self.passwords.get(email) or secrets.token_urlsafe(12)
            if created or not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            if user.email_verified_at is None:
                # Verified through the service the e-mailed link calls (with its audit row):
                # the README's walkthrough starts an application at once.
                verified = verify_email(token=make_email_verification_token(user))
                user.email_verified_at = verified.email_verified_at
            # The walkthrough's people have read the privacy notice (accounts.privacy): the
            # README's pages open at once instead of on the notice (audited like sign-up).
            accept_privacy_notice(user=user, source="seed_demo")
            self.logins.append((email, password, login_label))
        elif created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        for index, org in enumerate(organizations):
            Membership.objects.get_or_create(
                user=user,
                organization=org,
                defaults={"role": Membership.Role.OWNER if index == 0 else Membership.Role.MEMBER},
            )
        return user

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> None:
        roles.ensure_role_groups()
        self.seed_places()
        self.seed_people()
        self.seed_historical()
        self.seed_2022()
        self.seed_events()
        self.seed_2026()
        # The Korean companies' Korean names, also in a database seeded before they were given.
        for name, name_ko in data.ORGANIZATION_NAMES_KO.items():
            Organization.objects.filter(name=name, name_ko="").update(name_ko=name_ko)

    def seed_places(self) -> None:
        for code, iso3, name, name_ko, region in data.COUNTRIES:
            self.countries[code], _ = Country.objects.update_or_create(
                code=code,
                defaults={"iso3": iso3, "name": name, "name_ko": name_ko, "region": region},
            )
        for code, name, name_ko, lat, lon in data.CITIES:
            self.cities[(code, name)], _ = City.objects.update_or_create(
                country=self.countries[code],
                name=name,
                defaults={"name_ko": name_ko, "latitude": Decimal(lat), "longitude": Decimal(lon)},
            )

    def seed_people(self) -> None:
        self.secretariats = {
            name: self.organization(
                name, Organization.Kind.KOREAN_AGENCY, "KR", name_ko=name_ko, email_domain=domain
            )
            for name, name_ko, domain in data.SECRETARIATS
        }
        molit = self.organization(
            "Ministry of Land, Infrastructure and Transport",
            Organization.Kind.KOREAN_AGENCY,
            "KR",
            name_ko="국토교통부",
            email_domain="molit.go.kr",
        )
        self.admin = self.user(
            "admin@molit.kcity.example",
            "Han Seung-woo (MOLIT)",
            role_names=[roles.PROGRAMME_ADMIN],
            organizations=[molit],
            is_staff=True,
            login_label="Programme admin (MOLIT): all tracks, admin and staff screens",
        )
        self.kind_staff = self.user(
            "staff@kind.kcity.example",
            "Oh Yu-jin (KIND)",
            role_names=[roles.SECRETARIAT_STAFF],
            organizations=[self.secretariats["KIND"]],
            is_staff=True,
            login_label="Secretariat staff, KIND: Smart City Planning track",
        )
        self.kaia_staff = self.user(
            "staff@kaia.kcity.example",
            "Shin Dong-hyun (KAIA)",
            role_names=[roles.SECRETARIAT_STAFF],
            organizations=[self.secretariats["KAIA"]],
            is_staff=True,
            login_label="Secretariat staff, KAIA: Overseas Demonstration track",
        )
        self.reviewers = []
        for email, name, affiliation, expertise in data.REVIEWERS:
            reviewer = self.user(
                email,
                name,
                name_ko=data.REVIEWER_NAMES_KO.get(email, ""),
                role_names=[roles.REVIEWER],
                # Every demo reviewer can log in: automatic assignment may give a 2026
                # application to any member of its committee (README: finish the 2026 reviews).
                login_label="Reviewer (external expert)",
            )
            ReviewerProfile.objects.update_or_create(
                user=reviewer,
                defaults={
                    "affiliation": affiliation,
                    "employer": affiliation,
                    "country_code": "KR",
                    "expertise": expertise,
                },
            )
            self.reviewers.append(reviewer)
            if current_interest_declaration(reviewer) is None:
                # Signed on loading (valid a year), so a demo reviewer can open applications at
                # once; a later run keeps it while it is current and renews it once expired.
                sign_interest_declaration(
                    reviewer=reviewer,
                    interests=f"Research and advisory work at {affiliation}; no stake in any "
                    "applicant or consortium member.",
                    actor=reviewer,
                )

    def seed_historical(self) -> None:
        description, description_ko = data.HISTORICAL_CALL_DESCRIPTION
        for year, slug, name, name_ko, reported, reported_countries in data.HISTORICAL_CALLS:
            # A record of a round run before the portal: created archived, with its reported
            # intake (statistics use it because the call holds no portal applications).
            Call.objects.get_or_create(
                slug=slug,
                defaults={
                    "year": year,
                    "name": name,
                    "name_ko": name_ko,
                    "status": Call.Status.ARCHIVED,
                    "opens_at": seoul(year, 3, 2, 10),
                    "closes_at": seoul(year, 5, 3, 18),
                    "reported_applications": reported,
                    "reported_applicant_countries": reported_countries,
                    "description": description,
                    "description_ko": description_ko,
                },
            )
        for year, code, kind, country, city, title, title_ko, budget in data.HISTORICAL_PROJECTS:
            Project.objects.get_or_create(
                code=code,
                defaults={
                    "name": title,
                    "name_ko": title_ko,
                    "year": year,
                    "track_kind": kind,
                    "country": self.countries[country],
                    "city": self.cities[(country, city)],
                    "budget_krw": budget,
                    "source": Project.Source.HISTORICAL,
                    "status": Project.Status.COMPLETED,
                    "starts_on": datetime.date(year, 8, 1),
                    "ends_on": datetime.date(year + 1, 6, 30),
                },
            )

    # --- calls and tracks --------------------------------------------------------------------

    def call_with_tracks(
        self,
        spec: dict,
        *,
        year: int,
        opens_at,
        closes_at,
        path: list[tuple[str, datetime.datetime | None]],
        required_documents: dict | None = None,
    ):
        """Get or create a call and its PL/DM tracks and criteria; a new call is moved along
        ``path`` (status, when it happened or None for now) through ``transition_call`` so its
        history is in the audit trail."""
        required_documents = required_documents or {}
        call, created = Call.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "year": year,
                "name": spec["name"],
                "name_ko": spec["name_ko"],
                "opens_at": opens_at,
                "closes_at": closes_at,
                "decisions_released_at": spec.get("decisions_released_at"),
                "description": data.CALL_DESCRIPTION,
                "description_ko": data.CALL_DESCRIPTION_KO,
                "eligibility": data.CALL_ELIGIBILITY,
                "eligibility_ko": data.CALL_ELIGIBILITY_KO,
            },
        )
        tracks = {}
        for code, track_spec in data.TRACKS_2022.items():
            secretariat = self.secretariats[track_spec["secretariat"]]
            fields = {k: v for k, v in track_spec.items() if k != "secretariat"}
            tracks[code], _ = Track.objects.get_or_create(
                call=call,
                code=code,
                defaults={
                    **fields,
                    "secretariat": secretariat,
                    "required_documents": required_documents.get(code, []),
                },
            )
            for order, (ccode, name, name_ko, max_points, tiebreak) in enumerate(
                data.CRITERIA[track_spec["kind"]], start=1
            ):
                Criterion.objects.get_or_create(
                    track=tracks[code],
                    code=ccode,
                    defaults={
                        "name": name,
                        "name_ko": name_ko,
                        "description": data.CRITERIA_GUIDANCE[ccode][0],
                        "description_ko": data.CRITERIA_GUIDANCE[ccode][1],
                        "max_points": max_points,
                        "order": order,
                        "tiebreak_priority": tiebreak,
                    },
                )
        if created:
            for status, when in path:
                with recorded_at(when):
                    transition_call(call=call, to=status, actor=self.admin, reason="demo data")
        return call, tracks

    def seed_2022(self) -> None:
        spec = {
            **data.CALL_2022,
            "decisions_released_at": seoul(*data.CALL_2022["decisions_released_at"]),
        }
        S = Call.Status
        opens_at = seoul(*data.CALL_2022["opens_at"])
        closes_at = seoul(*data.CALL_2022["closes_at"])
        call, tracks = self.call_with_tracks(
            spec,
            year=2022,
            opens_at=opens_at,
            closes_at=closes_at,
            required_documents=data.REQUIRED_DOCUMENTS_2022,
            path=[
                (S.PUBLISHED, seoul(2022, 2, 23, 10)),
                (S.OPEN, opens_at),
                (S.CLOSED, closes_at),
                (S.IN_REVIEW, seoul(2022, 5, 16, 10)),
                (S.DECIDED, DECIDED_2022),
            ],
        )
        for code, members in data.COMMITTEES.items():
            for position, index in enumerate(members):
                CommitteeMember.objects.get_or_create(
                    track=tracks[code],
                    reviewer=self.reviewers[index],
                    defaults={
                        "role": CommitteeMember.Role.CHAIR
                        if position == 0
                        else CommitteeMember.Role.MEMBER,
                        "joined_at": seoul(2022, 4, 20, 10),
                    },
                )
        contractor_org = self.organization(
            data.PLANNING_CONTRACTORS["Klang"], Organization.Kind.KOREAN_COMPANY, "KR"
        )
        self.contractor = self.user(
            "pm@hanul-planning.kcity.example",
            "Jang Hye-rin (Hanul Urban Planning)",
            role_names=[roles.CONTRACTOR],
            organizations=[contractor_org],
            login_label="Contractor: Klang smart city plan (2022)",
        )
        position = {"PL": 0, "DM": 0}
        reserve_rank = {"PL": 0, "DM": 0}
        reviewed = {"PL": [], "DM": []}
        for row in data.APPLICATIONS_2022:
            code, outcome = row[0], row[7]
            position[code] += 1
            if outcome == Decision.Outcome.RESERVE:
                reserve_rank[code] += 1
            application = self.seed_2022_application(call, tracks[code], row, index=position[code])
            if application is not None:
                reviewed[code].append(
                    (
                        application,
                        row,
                        reserve_rank[code] if outcome == Decision.Outcome.RESERVE else None,
                    )
                )
        for code, pending in reviewed.items():
            if not pending:
                continue
            staff = self.kind_staff if code == "PL" else self.kaia_staff
            # The portal's own aggregation (trimmed mean, ranks, flags), as staff would run it.
            with recorded_at(seoul(2022, 6, 13, 10)):
                aggregate_track(track=tracks[code], actor=staff)
            with recorded_at(DECIDED_2022):
                self.propose_and_confirm(tracks[code], pending, staff=staff)
        if any(reviewed.values()):
            self.release_and_award(call, tracks, reviewed)

        Track.objects.filter(call=call, criteria_locked_at__isnull=True).update(
            criteria_locked_at=seoul(2022, 5, 16, 10)
        )
        Track.objects.filter(call=call, review_deadline__isnull=True).update(
            review_deadline=seoul(2022, 6, 3, 18)
        )
        # After the award: each project's agreements, deliverables and payments (once).
        self.seed_funding_2022()

    def seed_2022_application(self, call, track, row, *, index: int):
        """Create one 2022 application and take it through review; None if it exists."""
        application = self.new_application(
            call, track, row, created_at=seoul(2022, 3, 10, 9) + datetime.timedelta(days=index)
        )
        if application is None:
            return None  # already seeded, with its whole history
        return self.review(application, track, index=index, target=row[6])

    def new_application(
        self, call, track, row: tuple, *, created_at: datetime.datetime | None = None
    ) -> Application | None:
        """The applicant organisation and its contact (found or created), then a new draft
        application of that organisation for the city, with its consortium on the
        demonstration track. ``row`` starts as the rows of ``APPLICATIONS_2022`` and
        ``WALKTHROUGH_2026`` do: track code, country code, city, organisation, its kind, amount
        requested. None when the organisation already applied for the city: the seeder never
        touches an application twice."""
        _code, country_code, city_name, org_name, org_kind, requested = row[:6]
        country = self.countries[country_code]
        city = self.cities[(country_code, city_name)]
        org_country = "KR" if org_kind == Organization.Kind.KOREAN_COMPANY else country_code
        org = self.organization(org_name, org_kind, org_country)
        contact = self.user(
            f"contact.{slugify(org_name)[:40]}@applicants.kcity.example",
            f"Project contact, {org_name}",
            role_names=[roles.APPLICANT],
            organizations=[org],
        )
        if Application.objects.filter(call=call, organization=org, city=city).exists():
            return None
        is_demo = track.kind == Track.Kind.DEMONSTRATION
        application = Application.objects.create(
            call=call,
            track=track,
            organization=org,
            created_by=contact,
            country=country,
            city=city,
            title=(
                f"Smart solution demonstration in {city_name}"
                if is_demo
                else f"Smart city master plan for {city_name}"
            ),
            summary=(
                f"A {'demonstration of a Korean smart solution' if is_demo else 'smart-city plan'}"
                f" for {city_name}, {country.name}, prepared with the local government."
            ),
            objectives="Better urban services, lower emissions, and an investable project pipeline.",
            requested_deliverable=(
                Application.Deliverable.DEMONSTRATION
                if is_demo
                else Application.Deliverable.MASTER_PLAN
            ),
            budget_requested=requested,
            contact_name=contact.name,
            contact_email=contact.email,
            prior_consultation=not is_demo,
            country_priority_rank=1,
            **({"created_at": created_at} if created_at is not None else {}),
        )
        if is_demo:
            self.seed_consortium(application, org, city_name, country_code)
        return application

    def seed_consortium(self, application, lead, city_name: str, country_code: str) -> None:
        partner_name, partner_kind = data.DEMONSTRATION_PARTNERS[city_name]
        partner = self.organization(partner_name, partner_kind, country_code)
        ConsortiumMember.objects.get_or_create(
            application=application,
            name=lead.name,
            defaults={
                "organization": lead,
                "kind": lead.kind,
                "role": ConsortiumMember.Role.LEAD,
                "country_code": "KR",
            },
        )
        ConsortiumMember.objects.get_or_create(
            application=application,
            name=partner.name,
            defaults={
                "organization": partner,
                "kind": partner.kind,
                "role": ConsortiumMember.Role.OVERSEAS_PUBLIC_PARTNER,
                "country_code": country_code,
            },
        )

    def review(self, application, track, *, index: int, target: int):
        """Submit, screen and review one 2022 application (five submitted reviews)."""
        staff = self.kind_staff if track.code == "PL" else self.kaia_staff
        owner = application.created_by
        seed = {"source": "seed_demo"}
        for status, actor, when in (
            (AS.SUBMITTED, owner, seoul(2022, 4, 4, 9) + datetime.timedelta(days=index)),
            (AS.ELIGIBLE, staff, seoul(2022, 5, 9, 14)),
            (AS.UNDER_REVIEW, staff, seoul(2022, 5, 16, 10)),
        ):
            with recorded_at(when):
                application = transition_application(
                    application=application,
                    to=status,
                    actor=actor,
                    notify=False,
                    detail=seed,
                    now=when,
                )
        self.seed_reviews(application, track, index=index, target=target)
        reviewed_at = seoul(2022, 6, 10, 17)
        with recorded_at(reviewed_at):
            application = transition_application(
                application=application,
                to=AS.REVIEWED,
                actor=staff,
                notify=False,
                detail=seed,
                now=reviewed_at,
            )
        return application

    def propose_and_confirm(self, track, pending, *, staff) -> None:
        """The portal's funding line, proposed by the track's staff and confirmed by the
        programme admin; refuses to go on if it is not the programme's real outcome."""
        propose_funding_line(track=track, actor=staff)
        decisions = {d.application_id: d for d in Decision.objects.filter(track=track)}
        for application, row, reserve in pending:
            decision = decisions[application.pk]
            if (decision.outcome, decision.reserve_rank) != (row[7], reserve):
                raise RuntimeError(
                    f"The funding line no longer gives {application.city.name} the outcome of "
                    f"the demo data ({decision.outcome}, not {row[7]})."
                )
        confirm_decisions(track=track, actor=self.admin)

    def release_and_award(self, call, tracks, reviewed) -> None:
        """Release the call's decisions, then award the selected applications through the
        results services. Their audit rows are written with the 2022 dates; the dates the
        services stamp on the records themselves are put back to 2022 afterwards."""
        released_at = seoul(*data.CALL_2022["decisions_released_at"])
        with recorded_at(released_at), delivered_at(released_at):
            release_decisions(call=call, actor=self.admin)
        Decision.objects.filter(track__call=call).update(
            created_at=DECIDED_2022, confirmed_at=DECIDED_2022, released_at=released_at
        )
        Call.objects.filter(pk=call.pk).update(decisions_released_at=released_at)
        for code, pending in reviewed.items():
            staff = self.kind_staff if code == "PL" else self.kaia_staff
            for application, row, _reserve in pending:
                if row[7] == "selected":
                    self.seed_award(application, tracks[code], staff=staff)
        # Released, and the selected awarded, on the morning of 30 June 2022.
        Application.objects.filter(call=call, decided_at__isnull=False).update(
            decided_at=released_at
        )

    def seed_reviews(self, application, track, *, index: int, target: int) -> None:
        criteria = list(track.criteria.order_by("order"))
        members = [self.reviewers[i] for i in data.COMMITTEES[track.code]]
        for position, reviewer in enumerate(members):
            offset = data.REVIEWER_OFFSETS[(position + index) % len(data.REVIEWER_OFFSETS)]
            total = Decimal(target + offset)
            assignment = Assignment.objects.create(
                application=application,
                reviewer=reviewer,
                assigned_by=self.kind_staff if track.code == "PL" else self.kaia_staff,
                assigned_at=seoul(2022, 5, 16, 11),
                due_at=seoul(2022, 6, 3, 18),
            )
            declared_at = seoul(2022, 5, 17, 9)
            ConflictDeclaration.objects.create(
                reviewer=reviewer,
                application=application,
                has_conflict=False,
                kind=ConflictDeclaration.Kind.NONE,
                declared_at=declared_at,
            )
            with recorded_at(declared_at):
                assignment = transition_assignment(
                    assignment=assignment, to=Assignment.Status.ACCEPTED, actor=reviewer
                )
                assignment = transition_assignment(
                    assignment=assignment, to=Assignment.Status.IN_PROGRESS, actor=reviewer
                )
            split = list(zip(split_total(total, criteria), criteria, strict=True))
            for points, criterion in split:
                Score.objects.create(
                    assignment=assignment,
                    criterion=criterion,
                    points=points,
                    justification=(
                        f"{criterion.name}: {points} of {criterion.max_points} points. "
                        f"{_quality(points / criterion.max_points)} for {application.city.name}."
                    ),
                )
            Assignment.objects.filter(pk=assignment.pk).update(
                total=total,
                points_by_criterion=points_by_criterion(split),
                recommendation=_recommendation(total),
                confidence=Assignment.Confidence.HIGH
                if position % 2
                else Assignment.Confidence.MEDIUM,
                overall_comment=f"Total {total} points. {_quality(total / 100)} overall.",
            )
            submitted_at = seoul(2022, 5, 27, 10) + datetime.timedelta(hours=position)
            with recorded_at(submitted_at):
                transition_assignment(
                    assignment=assignment, to=Assignment.Status.SUBMITTED, actor=reviewer
                )
            # The review was written in 2022, not on the day the demo was loaded.
            Assignment.objects.filter(pk=assignment.pk).update(submitted_at=submitted_at)

    def seed_award(self, application, track, *, staff) -> None:
        """Award through ``award_funding`` (which creates the project), name the project's
        partner and contractor, and approve the award through ``move_award``."""
        city_name = application.city.name
        if track.kind == Track.Kind.DEMONSTRATION:
            partner_name = data.DEMONSTRATION_PARTNERS[city_name][0]
            partner = Organization.objects.get(name=partner_name)
            contractor = application.organization
        else:
            partner = application.organization
            contractor = self.organization(
                data.PLANNING_CONTRACTORS[city_name], Organization.Kind.KOREAN_COMPANY, "KR"
            )
        decision = Decision.objects.get(application=application)
        awarded_at = seoul(2022, 6, 30, 10)
        with recorded_at(awarded_at), delivered_at(awarded_at):
            award = award_funding(application=application, amount=decision.amount, actor=staff)
        # The project's title and summary in Korean too (the application has only English).
        city, country = application.city, application.country
        is_demo = track.kind == Track.Kind.DEMONSTRATION
        Project.objects.filter(pk=award.project_id).update(
            name_ko=f"{city.name_ko} {'스마트 솔루션 실증' if is_demo else '스마트시티 마스터플랜'}",
            summary_ko=(
                f"현지 정부와 함께 준비한 {country.name_ko} {city.name_ko} "
                f"{'한국 스마트 솔루션 실증' if is_demo else '스마트시티 계획'}입니다."
            ),
            partner=partner,
            contractor=contractor,
            starts_on=datetime.date(2022, 8, 1),
            ends_on=datetime.date(2023, 6, 30),
        )
        Award.objects.filter(pk=award.pk).update(created_at=awarded_at)
        # Approved by the programme admin; the agreements and the moves that need them follow
        # in ``seed_funding_2022``.
        with recorded_at(seoul(2022, 7, 8, 10)):
            move_award(award=award, to=Award.Status.APPROVED, actor=self.admin)

    # --- after the award: agreements, deliverables and payments of the 2022 projects ---------

    AGREEMENT_PERIOD_2022 = (datetime.date(2022, 8, 1), datetime.date(2023, 6, 30))

    def seed_funding_2022(self) -> None:
        """Each 2022 project without an agreement gets its agreements, deliverables and
        payments through the funding, deliverable and lifecycle services, step by step as
        ``data.FUNDING_2022_STAGES`` tells (the others: everything handed in, paid in full,
        completed). Each step's audit rows and messages carry its day; the times the services
        stamp on the rows themselves are put back to that day. A project that has an agreement
        is left as it is, so a second run changes nothing."""
        awards = (
            Award.objects.filter(application__call__year=2022, project__isnull=False)
            .exclude(status=Award.Status.CANCELLED)
            .select_related("application__track", "application__city", "application__created_by")
            .order_by("pk")
        )
        for award in awards:
            if not Agreement.objects.filter(project_id=award.project_id).exists():
                self.seed_project_funding(award)

    def seed_project_funding(self, award: Award) -> None:
        project = award.project
        planning = project.track_kind in PLANNING_KINDS
        staff = self.kind_staff if award.application.track.code == "PL" else self.kaia_staff
        stage = data.FUNDING_2022_STAGES.get(award.application.city.name, "completed")
        # The grant agreement with the partner pays a demonstration project; a planning
        # project's money goes to its Korean contractor under the service contract.
        paying = self.signed_agreement(
            project,
            Agreement.Kind.GRANT,
            project.partner,
            staff=staff,
            created=seoul(2022, 7, 11, 10),
            signed=seoul(2022, 7, 20, 15),
            budget=not planning,
        )
        self.move(award, Award.Status.CONTRACTED, seoul(2022, 7, 22, 10), staff)
        if planning:
            paying = self.signed_agreement(
                project,
                Agreement.Kind.SERVICE,
                project.contractor,
                staff=staff,
                created=seoul(2022, 7, 25, 10),
                signed=seoul(2022, 7, 29, 15),
                budget=True,
            )
        self.move(award, Award.Status.IN_PROGRESS, seoul(2022, 8, 1, 9), staff)
        payer = self.member_of(paying.party, "finance" if not planning else "pm")
        worker = award.application.created_by if not planning else payer
        tranches = {t.after_deliverable: t for t in paying.tranches.order_by("number")}
        self.pay(tranches.pop(""), payer, staff, requested=seoul(2022, 8, 3, 10))
        for deliverable in project.deliverables.order_by("due_on", "pk"):
            final = deliverable.kind == Deliverable.Kind.FINAL
            if final and stage == "final_report_due":
                self.extend_for_final_report(paying, payer, staff)
                return
            returned = (
                data.FUNDING_2022_INTERIM_RETURNED
                if stage == "final_report_due" and deliverable.kind == Deliverable.Kind.INTERIM
                else ""
            )
            accepted = self.deliver(deliverable, worker, staff, returned=returned)
            tranche = tranches.get(deliverable.kind)
            if tranche is None:
                continue
            until = PaymentRequest.Status.PAID
            if final and stage == "final_payment_checked":
                until = PaymentRequest.Status.CHECKED
            elif final and stage == "final_payment_returned":
                until = PaymentRequest.Status.RETURNED
            self.pay(tranche, payer, staff, requested=accepted + days(3), until=until)
        if stage == "completed":
            self.move(award, Award.Status.COMPLETED, seoul(2023, 6, 30, 17), staff)

    def member_of(self, organization: Organization, mailbox: str) -> User:
        """A member of ``organization`` who acts for it (its first member, or a new one without
        a password: only the Klang contractor's is a demo login)."""
        member = User.objects.filter(memberships__organization=organization).order_by("pk").first()
        if member is not None:
            return member
        domain = slugify(organization.name.split(" ")[0])
        role = (
            roles.CONTRACTOR
            if organization.kind == Organization.Kind.KOREAN_COMPANY
            else (roles.APPLICANT)
        )
        title = "Project manager" if mailbox == "pm" else "Finance officer"
        return self.user(
            f"{mailbox}@{domain}.kcity.example",
            f"{title}, {organization.name}",
            role_names=[role],
            organizations=[organization],
        )

    def move(self, award: Award, to: str, when: datetime.datetime, staff) -> None:
        """Move the award (and its project) through ``move_award`` unless it is there already."""
        order = [
            Award.Status.PROPOSED,
            Award.Status.APPROVED,
            Award.Status.CONTRACTED,
            Award.Status.IN_PROGRESS,
            Award.Status.COMPLETED,
        ]
        award.refresh_from_db(fields=["status"])
        if award.status in order and order.index(award.status) >= order.index(to):
            return
        with happened_at(when):
            move_award(award=award, to=to, actor=staff)

    def signed_agreement(
        self, project, kind: str, party, *, staff, created, signed, budget: bool
    ) -> Agreement:
        """Create the agreement, budget the whole award when it pays (the default schedule
        comes with the budget) and sign it with its signed copy."""
        starts_on, ends_on = self.AGREEMENT_PERIOD_2022
        what = "master plan" if project.track_kind in PLANNING_KINDS else "demonstration"
        scope = f"The smart-city {what} for {project.city.name}: " + (
            "the Korean company's work, its reports and the invitational training."
            if kind == Agreement.Kind.SERVICE
            else "cooperation, local data and counterparts for the project."
        )
        with happened_at(created):
            agreement = funding.create_agreement(
                project=project,
                kind=kind,
                party=party,
                starts_on=starts_on,
                ends_on=ends_on,
                scope=scope,
                actor=staff,
            )
            if budget:
                funding.set_budget_lines(
                    agreement=agreement, lines=self.budget_lines(project), actor=staff
                )
        Agreement.objects.filter(pk=agreement.pk).update(created_at=created)
        with happened_at(signed):
            return funding.sign_agreement(
                agreement=agreement,
                signed_on=signed.date(),
                uploaded=demo_upload(
                    f"{agreement.reference}-signed.pdf", f"{agreement.reference} (signed)"
                ),
                actor=staff,
            )

    def budget_lines(self, project) -> dict[str, int]:
        """The whole award by budget line (``data.BUDGET_SHARES_2022``), in whole won; what
        rounding leaves goes to the first line."""
        kind = "planning" if project.track_kind in PLANNING_KINDS else "demonstration"
        amount = project.award.amount
        lines = {
            category: amount * share // 100 for category, share in data.BUDGET_SHARES_2022[kind]
        }
        first = data.BUDGET_SHARES_2022[kind][0][0]
        lines[first] += amount - sum(lines.values())
        return lines

    def claim_lines(self, tranche: Tranche) -> dict[str, int]:
        """A tranche claimed on the budget lines in proportion to their plan (the last tranche:
        what each line has left), adding up to the tranche exactly."""
        agreement = tranche.agreement
        plan = dict(agreement.budget_lines.values_list("category", "planned_krw"))
        if not agreement.tranches.filter(number__gt=tranche.number).exists():
            claimed = {line.category: line.claimed for line in agreement_execution(agreement).lines}
            return {c: planned - claimed.get(c, 0) for c, planned in plan.items()}
        total = sum(plan.values())
        lines = {c: planned * tranche.amount_krw // total for c, planned in plan.items()}
        largest = max(plan, key=plan.get)
        lines[largest] += tranche.amount_krw - sum(lines.values())
        return lines

    def pay(
        self,
        tranche: Tranche,
        payer,
        staff,
        *,
        requested: datetime.datetime,
        until: str = PaymentRequest.Status.PAID,
    ) -> None:
        """The party asks for the tranche with its evidence; the track's staff check it (or
        return it), a programme admin approves it and records it paid — as far as ``until``."""
        S = PaymentRequest.Status
        reference = tranche.agreement.reference
        with happened_at(requested):
            request = funding.request_payment(
                tranche=tranche,
                lines=self.claim_lines(tranche),
                uploaded_evidence=demo_upload(
                    f"{reference}-tranche-{tranche.number}-costs.pdf",
                    f"{reference}: costs of tranche {tranche.number}",
                ),
                note=f"Tranche {tranche.number} of the schedule.",
                actor=payer,
            )
        stamps = {"requested_at": requested}
        checked = requested + days(3)
        if until == S.RETURNED:
            with happened_at(checked):
                funding.return_payment(
                    request=request, feedback=data.FUNDING_2022_FINAL_RETURNED, actor=staff
                )
        else:
            with happened_at(checked):
                funding.check_payment(request=request, actor=staff)
            stamps["checked_at"] = checked
        if until == S.PAID:
            approved = checked + days(2)
            with happened_at(approved):
                funding.approve_payment(request=request, actor=self.admin)
            stamps["approved_at"] = approved
        # The history's own times before the payment is recorded: a payment is dated on or
        # after the day of its approval, which ``record_payment`` reads from the request.
        PaymentRequest.objects.filter(pk=request.pk).update(**stamps)
        if until == S.PAID:
            paid = checked + days(6)
            with happened_at(paid):
                funding.record_payment(
                    request=request,
                    paid_on=paid.date(),
                    payment_reference=f"MOLIT-{paid:%Y%m%d}-{request.pk:05d}",
                    actor=self.admin,
                )

    def deliver(self, deliverable, worker, staff, *, returned: str = "") -> datetime.datetime:
        """The contractor hands the deliverable in a week before it is due and the track's
        staff accept it five days later (``returned``: first sent back with that feedback and
        handed in again four days after). Returns when it was accepted."""
        name = deliverable.get_kind_display()
        code = deliverable.project.code
        submitted = datetime.datetime.combine(
            deliverable.due_on - days(7), datetime.time(10), tzinfo=SEOUL
        )
        versions = []
        if returned:
            with happened_at(submitted):
                submit_deliverable(
                    deliverable=deliverable,
                    uploaded=demo_upload(f"{code}-{deliverable.kind}-v1.pdf", f"{code}: {name}"),
                    actor=worker,
                )
            versions.append(submitted)
            with happened_at(submitted + days(5)):
                review_deliverable(
                    deliverable=deliverable, accept=False, feedback=returned, actor=staff
                )
            submitted += days(9)
        with happened_at(submitted):
            submit_deliverable(
                deliverable=deliverable,
                uploaded=demo_upload(
                    f"{code}-{deliverable.kind}-v{len(versions) + 1}.pdf", f"{code}: {name}"
                ),
                actor=worker,
            )
        versions.append(submitted)
        accepted = submitted + days(5)
        with happened_at(accepted):
            review_deliverable(deliverable=deliverable, accept=True, feedback="", actor=staff)
        Deliverable.objects.filter(pk=deliverable.pk).update(
            submitted_at=submitted, reviewed_at=accepted
        )
        for number, when in enumerate(versions, start=1):
            DeliverableVersion.objects.filter(deliverable=deliverable, number=number).update(
                submitted_at=when
            )
        return accepted

    def extend_for_final_report(self, agreement: Agreement, party, staff) -> None:
        """The Klang story: the contractor asked to extend its contract (the partner moved the
        public consultation), a programme admin approved it, and the final report is now due
        within weeks, so the demo contractor has it to hand in."""
        now = timezone.now().replace(microsecond=0)
        requested, decided = now - days(21), now - days(14)
        new_end = timezone.localdate() + days(120)
        with happened_at(requested):
            amendment = funding.request_amendment(
                agreement=agreement,
                kind=Amendment.Kind.DATES,
                changes={"ends_on": new_end.isoformat()},
                reason=data.FUNDING_2022_EXTENSION_REASON,
                actor=party,
            )
        with happened_at(decided):
            funding.decide_amendment(amendment=amendment, approve=True, note="", actor=self.admin)
            schedule_deliverables(project=agreement.project, actor=staff)
        Amendment.objects.filter(pk=amendment.pk).update(requested_at=requested, decided_at=decided)

    def seed_events(self) -> None:
        for kind, name, partners, city, starts, ends in data.EVENTS:
            Event.objects.get_or_create(
                name=name,
                defaults={
                    "name_ko": data.EVENT_TITLES_KO[name],
                    "kind": kind,
                    "partners": partners,
                    "city": self.cities[city] if city else None,
                    "starts_on": datetime.date(*starts),
                    "ends_on": datetime.date(*ends),
                },
            )

    def seed_2026(self) -> None:
        """An open call, so the applicant journey can be tried, with two demo applicants."""
        now = timezone.now().astimezone(SEOUL).replace(minute=0, second=0, microsecond=0)
        S = Call.Status
        call, tracks = self.call_with_tracks(
            data.CALL_2026,
            year=2026,
            opens_at=now - datetime.timedelta(days=14),
            closes_at=now + datetime.timedelta(days=60),
            path=[(S.PUBLISHED, None), (S.OPEN, None)],
            required_documents=data.REQUIRED_DOCUMENTS_2026,
        )
        city_org = self.organization(
            "Iloilo City Government", Organization.Kind.CITY_GOVERNMENT, "PH"
        )
        city_officer = self.user(
            "officer@iloilo.kcity.example",
            "Maria Santos (Iloilo City)",
            role_names=[roles.APPLICANT],
            organizations=[city_org],
            login_label="Applicant, city official: a draft in the open 2026 call",
        )
        Application.objects.get_or_create(
            call=call,
            organization=city_org,
            created_by=city_officer,
            defaults={
                "track": tracks["PL"],
                "country": self.countries["PH"],
                "city": self.cities[("PH", "Iloilo")],
                "title": "Iloilo smart river-city master plan",
                "summary": "A smart-city master plan for the Iloilo River corridor.",
                "requested_deliverable": Application.Deliverable.MASTER_PLAN,
                "budget_requested": 400_000_000,
                "contact_name": city_officer.name,
                "contact_email": city_officer.email,
            },
        )
        company = self.organization(
            "Mirae Smart City Co., Ltd.", Organization.Kind.KOREAN_COMPANY, "KR"
        )
        self.user(
            "manager@mirae-smartcity.kcity.example",
            "Lim Jae-hyun (Mirae Smart City)",
            role_names=[roles.APPLICANT],
            organizations=[company],
            login_label="Applicant, Korean company: demonstration track",
        )
        self.seed_questions(call, tracks)
        self.seed_walkthrough(call, tracks, review_deadline=now + datetime.timedelta(days=90))
        self.seed_notice(tracks)

    def seed_notice(self, tracks) -> None:
        """The planning track's notice to its applicants, through the staff's service, once
        (a second seeding finds it sent), its messages recorded as delivered when seeded."""
        row = dict(data.NOTICE_2026)
        track = tracks[row.pop("track")]
        with contextlib.suppress(AlreadySent), delivered_at(timezone.now()):
            send_applicant_notice(track=track, actor=self.kind_staff, **row)

    def seed_questions(self, call, tracks) -> None:
        """The 2026 form's own questions, through the service staff use (audited), once: a
        question whose code is already on the form is left as it is."""
        for row in data.QUESTIONS_2026:
            fields = {key: value for key, value in row.items() if key != "track"}
            track = tracks[row["track"]] if row["track"] else None
            live = Question.objects.filter(call=call, code=row["code"], retired_at__isnull=True)
            if live.exists():
                continue
            if track is None:
                create_question(call=call, actor=self.admin, **fields)
            else:
                staff = self.kaia_staff if row["track"] == "DM" else self.kind_staff
                create_question(track=track, actor=staff, **fields)

    def seed_walkthrough(self, call, tracks, *, review_deadline) -> None:
        """Applications submitted to the open call by other demo organisations, a committee of
        the demo reviewers and review settings the demo committee can meet, so staff can take
        the track from screening to a complete set of reviews in the browser."""
        Track.objects.filter(call=call, review_deadline__isnull=True).update(
            review_deadline=review_deadline, min_reviewers=data.WALKTHROUGH_MIN_REVIEWERS
        )
        for code, members in data.COMMITTEES_2026.items():
            for position, index in enumerate(members):
                CommitteeMember.objects.get_or_create(
                    track=tracks[code],
                    reviewer=self.reviewers[index],
                    defaults={
                        "role": CommitteeMember.Role.CHAIR
                        if position == 0
                        else CommitteeMember.Role.MEMBER,
                    },
                )
        for row in data.WALKTHROUGH_2026:
            self.seed_walkthrough_application(call, tracks[row[0]], row)
        self.seed_clarification(call)

    def seed_clarification(self, call) -> None:
        """One walkthrough proposal returned for clarification and answered, through the
        services staff and applicants use, once (a second seeding finds the round)."""
        row = data.CLARIFICATION_2026
        application = Application.objects.filter(call=call, city__name=row["city"]).first()
        if application is None or application.clarification_requests.exists():
            return
        contact = application.created_by
        with delivered_at(timezone.now()):
            request_clarification(
                application=application,
                actor=self.kind_staff,
                message=row["message"],
                sections=row["sections"],
            )
            save_application_section(
                application=application,
                section="project",
                data={
                    "outputs": row["outputs"],
                    "objectives": application.objectives + row["objectives_added"],
                },
                actor=contact,
            )
            answer_clarification(application=application, actor=contact, response=row["response"])

    def seed_walkthrough_application(self, call, track, row) -> None:
        application = self.new_application(call, track, row)
        if application is None:
            return
        contact = application.created_by
        city_name = application.city.name
        for kind in track.required_documents:
            upload_document(
                application=application,
                kind=kind,
                uploaded_file=SimpleUploadedFile(
                    f"{kind}-{slugify(city_name)}.pdf",
                    demo_pdf(f"{kind.replace('_', ' ').capitalize()}: {city_name}"),
                    content_type="application/pdf",
                ),
                actor=contact,
            )
        population, challenges, strategy = data.WALKTHROUGH_ANSWERS_2026[city_name]
        save_answers(
            application=application,
            answers={
                "population": population,
                "challenges": challenges,
                "has_strategy": bool(strategy),
                "strategy_details": strategy,
            },
            actor=contact,
        )
        problems = submission_problems(application)
        if problems:  # the demo data itself is wrong: fail loudly rather than seed a half call
            raise RuntimeError("; ".join(str(p.message) for p in problems))
        transition_application(
            application=application,
            to=AS.SUBMITTED,
            actor=contact,
            notify=False,
            detail={"source": "seed_demo"},
        )


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF showing ``title`` (ASCII), for the demo documents."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


def split_total(total: Decimal, criteria) -> list[Decimal]:
    """Share a reviewer's total over the criteria in proportion to their maxima (half points),
    so the criterion scores add up exactly to ``total`` and each stays within its maximum."""
    half = Decimal("0.5")
    points = [
        (c.max_points * total / 100 / half).quantize(Decimal(1), rounding=ROUND_HALF_UP) * half
        for c in criteria
    ]
    diff = total - sum(points)
    step = half if diff > 0 else -half
    i = 0
    while diff != 0:
        candidate = points[i % len(points)] + step
        if 0 <= candidate <= criteria[i % len(points)].max_points:
            points[i % len(points)] = candidate
            diff -= step
        i += 1
    return points


def _quality(ratio) -> str:
    if ratio >= Decimal("0.8"):
        return "Excellent and well evidenced"
    if ratio >= Decimal("0.7"):
        return "Good, with minor gaps"
    if ratio >= Decimal("0.6"):
        return "Adequate but thinly evidenced"
    return "Weak and insufficiently prepared"


def _recommendation(total: Decimal) -> str:
    if total >= 80:
        return Assignment.Recommendation.FUND
    if total >= 70:
        return Assignment.Recommendation.FUND_WITH_CHANGES
    if total >= 65:
        return Assignment.Recommendation.RESERVE
    return Assignment.Recommendation.REJECT
