import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from applications.tasks import task_remind_draft_applicants
from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_remind_draft_applicants_task_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-draft-applicants"]
    assert (
        entry["task"] == task_remind_draft_applicants.name == "applications.remind_draft_applicants"
    )


def test_remind_draft_applicants_task_sends_in_member_language(complete_draft):
    user = complete_draft.created_by
    user.language = "ko"
    user.save()
    call = complete_draft.call
    call.closes_at = timezone.now() + datetime.timedelta(hours=20)
    call.save()
    assert task_remind_draft_applicants.delay().get() == 2
    notice = Message.objects.get(channel="in_app", template="applications/draft_reminder")
    assert notice.language == "ko"
    assert "마감까지 1일 남았습니다" in notice.subject
    assert task_remind_draft_applicants.delay().get() == 0


def test_remind_draft_applicants_task_ignores_far_deadline(complete_draft):
    call = complete_draft.call
    call.closes_at = timezone.now() + datetime.timedelta(days=20)
    call.save()
    assert task_remind_draft_applicants.delay().get() == 0
