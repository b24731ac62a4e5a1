"""Celery's process-wide "joining would block" flag, which threads queuing eager tasks at once
can leave set (tests/conftest.py resets it after each test). The two tests run in this order:
the first leaves the flag set as such a race does, the second must start with it cleared and
join an eager result."""

import threading

import pytest
from celery._state import task_join_will_block
from celery.result import denied_join_result

from applications.tasks import task_remind_draft_applicants


@pytest.mark.django_db  # the test database is set up before, not between, the two tests
def test_interleaved_eager_calls_in_two_threads_leave_the_flag_set():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with denied_join_result():  # saves "not set", sets it
            first_in.set()
            second_in.wait(5)
        first_out.set()  # restores "not set" while the second is still inside

    def second():
        first_in.wait(5)
        with denied_join_result():  # saves "set" (the first's), sets it
            second_in.set()
            first_out.wait(5)
        # restores "set": the flag stays set after both are done

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert task_join_will_block()


@pytest.mark.django_db
def test_the_next_test_starts_with_the_flag_cleared_and_joins_an_eager_result():
    assert not task_join_will_block()
    assert task_remind_draft_applicants.delay().get(timeout=5) == 0  # no draft to remind
