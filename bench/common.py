"""What the hand-run benchmarks share: ports of the services they start, and the open call
full of complete drafts that the deadline rush and the chaos run submit."""

from __future__ import annotations

import contextlib
import socket
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"Nothing answered on port {port} within {timeout} s.")


def open_call_with_drafts(count: int, *, email: str, password: str | None = None):
    """One open call with a planning track (KIND, code PL, foreign governments) and ``count``
    city governments of Malaysia, each with one verified applicant (``email`` formatted with
    the index) and a complete draft carrying every required document. Returns the track and
    [(user, application)]. Needs Django set up on a database of the benchmark's own."""
    from django.utils import timezone

    from accounts import roles
    from projects.models import Track
    from tests.factories import (
        ApplicationFactory,
        CallFactory,
        CityFactory,
        CountryFactory,
        DocumentFactory,
        OrganizationFactory,
        TrackFactory,
        UserFactory,
    )

    roles.ensure_role_groups()
    kind = OrganizationFactory(name="KIND", kind="korean_agency", country_code="KR")
    call = CallFactory(
        status="open",
        opens_at=timezone.now() - timezone.timedelta(days=10),
        closes_at=timezone.now() + timezone.timedelta(days=1),
    )
    track = TrackFactory(
        call=call,
        secretariat=kind,
        kind=Track.Kind.PLANNING,
        code="PL",
        applicant_kind=Track.ApplicantKind.FOREIGN_PUBLIC,
    )
    country = CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    extra = {"password": password} if password else {}
    drafts = []
    for index in range(count):
        org = OrganizationFactory(
            name=f"City {index} Council", kind="city_government", country_code="MY"
        )
        user = UserFactory(
            email=email.format(index=index),
            roles=[roles.APPLICANT],
            organizations=[org],
            email_verified_at=timezone.now(),
            **extra,
        )
        application = ApplicationFactory(
            track=track,
            organization=org,
            created_by=user,
            country=country,
            city=CityFactory(country=country, name=f"City {index}"),
        )
        for document_kind in track.required_documents:
            DocumentFactory(application=application, kind=document_kind)
        drafts.append((user, application))
    return track, drafts
