"""README's demo logins and walkthrough, as an examiner on a fresh machine meets them."""

import re
from pathlib import Path

from django.conf import settings

from accounts.models import User
from applications.models import Application
from applications.services import screen_application
from projects.models import Call
from reviews.models import Assignment, CommitteeMember
from reviews.services import create_assignment_job, run_assignment_job, start_review

README = Path(settings.BASE_DIR) / "README.md"


def _logins(demo) -> dict[str, str]:
    lines = [line.split(maxsplit=2) for line in demo.credentials.read_text().splitlines()]
    return {email: password for email, password, _label in lines}


def test_readme_lists_exactly_the_demo_logins(demo):
    """The logins make run prints are the ones README's table names, no more, no fewer."""
    table = README.read_text().split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([\w.-]+@[\w.-]+\.kcity\.example)`", table))
    assert named == set(_logins(demo))


def test_every_2026_committee_member_can_log_in(demo):
    """README: "to play it from the start, finish the 2026 reviews first". Automatic assignment
    may give an application to any member of the track's committee, so each needs a login."""
    logins = _logins(demo)
    members = CommitteeMember.objects.filter(track__call__slug="k-city-network-2026")
    without = sorted(set(members.values_list("reviewer__email", flat=True)) - set(logins))
    assert without == []
    for email, password in logins.items():
        assert User.objects.get(email=email).check_password(password), email


def test_2026_reviews_can_all_be_finished_with_demo_logins(demo):
    """Walk README steps 2 and 3 through the services: screen, start the review, assign
    automatically; every assignment then belongs to a reviewer the README gives a login."""
    logins = _logins(demo)
    call = Call.objects.get(slug="k-city-network-2026")
    staff = {"PL": "staff@kind.kcity.example", "DM": "staff@kaia.kcity.example"}
    for track in call.tracks.all():
        actor = User.objects.get(email=staff[track.code])
        for application in track.applications.filter(status=Application.Status.SUBMITTED):
            screen_application(application=application, eligible=True, actor=actor)
        start_review(track=track, actor=actor)
        run_assignment_job(job_id=create_assignment_job(track=track, actor=actor).pk)
    assigned = Assignment.objects.filter(application__call=call)
    assert assigned.count() >= 3 * 7
    reviewers = set(assigned.values_list("reviewer__email", flat=True))
    assert sorted(reviewers - set(logins)) == []
