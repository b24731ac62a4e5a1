"""The automatic-assignment job against the database, on generated committees and conflicts:
no conflicted pair (declared or detected), no load above the maximum, and every application
either reaches the minimum or is named in the job's result with a reason."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews import services
from reviews.models import Assignment, ConflictDeclaration, Job
from tests.factories import OrganizationFactory, SubmittedApplicationFactory, UserFactory
from tests.reviews.review_fixtures import committee_reviewer

pytestmark = pytest.mark.django_db


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_assignment_job_properties(role_groups, planning_track, kind_staff, data):
    n_apps = data.draw(st.integers(1, 4), label="applications")
    n_revs = data.draw(st.integers(1, 5), label="reviewers")
    minimum = data.draw(st.integers(1, 3), label="minimum")
    max_load = data.draw(st.integers(1, 4), label="max_load")
    with transaction.atomic():
        planning_track.min_reviewers = minimum
        planning_track.max_reviewer_load = max_load
        planning_track.save()
        apps = []
        for i in range(n_apps):
            org = OrganizationFactory(name=f"City {i}", email_domain=f"city{i}.gov.example")
            apps.append(
                SubmittedApplicationFactory(
                    track=planning_track, organization=org, status="eligible"
                )
            )
        reviewers = [
            committee_reviewer(planning_track, f"prop{j}@independent{j}.example.net")
            for j in range(n_revs)
        ]
        declared = data.draw(
            st.sets(st.tuples(st.integers(0, n_revs - 1), st.integers(0, n_apps - 1))),
            label="declared conflicts",
        )
        for r, a in declared:
            ConflictDeclaration.objects.create(
                reviewer=reviewers[r], application=apps[a], has_conflict=True, kind="personal"
            )
        detected = data.draw(
            st.sets(st.tuples(st.integers(0, n_revs - 1), st.integers(0, n_apps - 1))),
            label="same-organisation conflicts",
        )
        for r, a in detected:
            UserFactory(email=reviewers[r].email, organizations=[apps[a].organization])

        job = Job.objects.create(track=planning_track, kind=Job.Kind.ASSIGN, created_by=kind_staff)
        job = services.run_assignment_job(job_id=job.pk)

        forbidden = {(reviewers[r].pk, apps[a].pk) for r, a in declared | detected}
        pairs = set(Assignment.objects.values_list("reviewer_id", "application_id"))
        assert not pairs & forbidden
        for reviewer in reviewers:
            assert Assignment.objects.filter(reviewer=reviewer).count() <= max_load
        short = {s["application"]: s for s in job.result["shortfalls"]}
        for application in apps:
            count = Assignment.objects.filter(application=application).count()
            if application.pk in short:
                assert count < minimum
                assert short[application.pk]["missing"] == minimum - count
                assert short[application.pk]["reference"] in job.message
            else:
                assert count >= minimum
        assert job.status == (Job.Status.FAILED if short else Job.Status.SUCCEEDED)
        transaction.set_rollback(True)
