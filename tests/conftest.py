"""Fixtures shared by the whole suite: users for every role on a small two-track call."""

import pytest
from django.test import Client

from accounts import roles
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    OrganizationFactory,
    TrackFactory,
    UserFactory,
)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: no error where xdist is not loaded
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` (``make test``) with the demo package (``tests/demo``) as one unit
    of work: its tests share one ``seed_demo`` run (``tests/demo/conftest.py``), which a
    unit per module would make again on each module (about 15 s each)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class DemoPackageAsOneScope(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/demo/"):
                return "tests/demo"
            return super()._split_scope(nodeid)

    return DemoPackageAsOneScope(config, log)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "private"
    # Rate-limit counters live in the cache; no test may inherit another's attempts.
    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """``client.force_login(user)`` stands for a whole log-in: for a user who needs a second
    factor (staff, reviewers) it also records one in the session, as the verification page
    would (``tests.second_factor``). Tests of the second factor itself open a password-only
    session with ``tests.second_factor.password_only_login``."""
    from django.test.client import ClientMixin

    from tests.second_factor import force_login_with_second_factor

    monkeypatch.setattr(ClientMixin, "force_login", force_login_with_second_factor)


@pytest.fixture(autouse=True)
def _broker_not_paused():
    """A test that makes a publish fail pauses the outbox's publishing in its process
    (``notifications.services.BROKER_PAUSE_SECONDS``); the next test starts with the broker
    trusted again."""
    from notifications import services

    services._broker_failed_at = None
    yield
    services._broker_failed_at = None


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A page rendered in Korean leaves Korean active in the test thread (LocaleMiddleware
    never deactivates it); the next test starts in the default language whatever the last
    one rendered."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_eager_as_configured():
    """Tests that run a real worker turn eager mode off and must turn it back on: one that leaves
    it off would send every later task of its pytest-xdist process to the broker, where nothing
    runs it. The leak is an error of the test that caused it, not of the next one."""
    from celery._state import _set_task_join_will_block
    from django.conf import settings

    from kcity.celery import app

    yield
    # Celery marks "joining a result would block" in one process-wide flag, set and restored
    # around every eager ``delay()``: threads queuing eager tasks at once (the concurrency
    # tests' submissions) can restore each other's value and leave it set, and an in-process
    # worker's pool sets it too. A later test's eager ``.delay().get()`` would then raise
    # "Never call result.get() within a task". No test leaves threads or a worker behind.
    _set_task_join_will_block(False)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert eager == settings.CELERY_TASK_ALWAYS_EAGER, "the test left Celery's eager mode changed"


@pytest.fixture
def role_groups(db):
    roles.ensure_role_groups()


@pytest.fixture
def kind(db):
    return OrganizationFactory(
        name="KIND", kind="korean_agency", country_code="KR", email_domain="kind.or.kr"
    )


@pytest.fixture
def kaia(db):
    return OrganizationFactory(
        name="KAIA", kind="korean_agency", country_code="KR", email_domain="kaia.re.kr"
    )


@pytest.fixture
def open_call(db):
    return CallFactory(status="open")


@pytest.fixture
def planning_track(open_call, kind):
    return TrackFactory(
        call=open_call,
        secretariat=kind,
        kind="planning",
        code="PL",
        applicant_kind="foreign_public",
    )


@pytest.fixture
def demonstration_track(open_call, kaia):
    return TrackFactory(
        call=open_call,
        secretariat=kaia,
        kind="demonstration",
        code="DM",
        applicant_kind="korean_consortium",
        budget_floor=400_000_000,
        budget_ceiling=400_000_000,
    )


@pytest.fixture
def programme_admin(role_groups):
    return UserFactory(email="admin@molit.go.kr", roles=[roles.PROGRAMME_ADMIN], is_staff=True)


@pytest.fixture
def kind_staff(role_groups, kind):
    return UserFactory(
        email="staff@kind.or.kr",
        roles=[roles.SECRETARIAT_STAFF],
        is_staff=True,
        organizations=[kind],
    )


@pytest.fixture
def second_staff(role_groups, kind):
    """A colleague of ``kind_staff`` on the same tracks: two staff on one page at once."""
    return UserFactory(
        email="staff2@kind.or.kr",
        roles=[roles.SECRETARIAT_STAFF],
        is_staff=True,
        organizations=[kind],
    )


@pytest.fixture
def kaia_staff(role_groups, kaia):
    return UserFactory(
        email="staff@kaia.re.kr",
        roles=[roles.SECRETARIAT_STAFF],
        is_staff=True,
        organizations=[kaia],
    )


@pytest.fixture
def reviewer(role_groups):
    return UserFactory(email="expert@university.ac.kr", roles=[roles.REVIEWER])


@pytest.fixture
def applicant(role_groups):
    org = OrganizationFactory(
        name="Klang Municipal Council", kind="city_government", country_code="MY"
    )
    return UserFactory(email="officer@klang.gov.my", roles=[roles.APPLICANT], organizations=[org])


@pytest.fixture
def other_applicant(role_groups):
    org = OrganizationFactory(
        name="Khulna City Corporation", kind="city_government", country_code="BD"
    )
    return UserFactory(email="officer@khulna.gov.bd", roles=[roles.APPLICANT], organizations=[org])


@pytest.fixture
def application(applicant, planning_track):
    return ApplicationFactory(
        track=planning_track, organization=applicant.organizations.first(), created_by=applicant
    )


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def contractor(role_groups):
    """A member of the Korean company that carries out ``contracted_project``."""
    org = OrganizationFactory(name="Hanul Urban Planning", kind="korean_company", country_code="KR")
    return UserFactory(email="pm@hanul.example", roles=[roles.CONTRACTOR], organizations=[org])


@pytest.fixture
def contracted_project(planning_track, contractor):
    """A project funded on the KIND planning track, carried out by ``contractor``."""
    from awards.models import Award
    from tests.factories import ProjectFactory
    from tests.factories.results import reviewed_application

    application = reviewed_application(planning_track, status="awarded")
    project = ProjectFactory(contractor=contractor.organizations.first(), name="Leaky Klang plan")
    Award.objects.create(application=application, project=project, amount=400_000_000)
    return project


@pytest.fixture
def portal_data(
    planning_track,
    demonstration_track,
    applicant,
    reviewer,
    contractor,
    kind_staff,
    kaia_staff,
    programme_admin,
):
    """The small complete portal of ``tests.factories.portal.build_portal`` (the accessibility
    sweep and the role-by-URL walk both open its pages)."""
    from tests.factories.portal import build_portal

    return build_portal(
        planning_track=planning_track,
        demonstration_track=demonstration_track,
        applicant=applicant,
        reviewer=reviewer,
        contractor=contractor,
        kind_staff=kind_staff,
        kaia_staff=kaia_staff,
        programme_admin=programme_admin,
    )
