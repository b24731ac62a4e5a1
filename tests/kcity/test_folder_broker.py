"""The demo's folder broker (``kcity/folder_broker.py``): a message is seen only whole, and
taken by one consumer.

Kombu's own filesystem transport creates the file before writing it: a worker that listed the
folder in between read an empty message, stopped with "Unrecoverable error: JSONDecodeError"
and the message was lost (CI, ``test_a_worker_without_queue_option_consumes_every_queue``).
"""

import contextlib
import os
import threading
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection

from kcity import folder_broker
from kcity.celery import make_broker_folders


@pytest.fixture
def folders(tmp_path):
    options = folder_broker.folder_options(tmp_path)
    make_broker_folders(options)
    return options


def channel_on(options):
    connection = Connection(
        "filesystem://", transport=settings.FOLDER_BROKER_TRANSPORT, transport_options=options
    )
    return connection, connection.default_channel


def test_the_demo_settings_name_this_transport(folders):
    connection, channel = channel_on(folders)
    assert isinstance(channel, folder_broker.Channel)
    connection.release()


def test_messages_are_taken_when_the_processed_folder_was_never_made(tmp_path):
    """Only the message folder exists (as a hand-made configuration might leave it): the
    channel makes the folder a message is taken through, instead of skipping every message."""
    options = folder_broker.folder_options(tmp_path)
    os.makedirs(options["data_folder_in"])
    connection, channel = channel_on(options)
    channel._put("default", {"number": 1})
    assert channel._get("default") == {"number": 1}
    assert os.listdir(options["data_folder_in"]) == []
    connection.release()


def test_a_message_being_written_is_not_seen_until_it_is_whole(folders, monkeypatch):
    producer, writing = channel_on(folders)
    consumer, reading = channel_on(folders)
    seen_while_writing = []
    rename = os.replace

    def look_then_rename(source, target):
        # The payload is on disk under its partial name; a consumer finds nothing yet.
        assert os.path.getsize(source) > 0
        with contextlib.suppress(Empty):
            seen_while_writing.append(reading._get("mail"))
        rename(source, target)

    monkeypatch.setattr(folder_broker.os, "replace", look_then_rename)
    writing._put("mail", {"body": "x" * 100_000})

    assert seen_while_writing == []
    assert reading._get("mail") == {"body": "x" * 100_000}
    with pytest.raises(Empty):
        reading._get("mail")
    assert sorted(os.listdir(folders["data_folder_in"])) == []
    assert sorted(os.listdir(folders["processed_folder"])) == []  # store_processed is off
    producer.release()
    consumer.release()


def test_each_message_is_taken_once_whole_by_consumers_taking_at_the_same_time(folders):
    """A producer writes large messages while two consumers take them: every message arrives
    once and decodes; none is lost or seen twice."""
    count = 150
    body = "k" * 50_000
    taken, errors = [], []
    done_writing = threading.Event()

    def produce():
        connection, channel = channel_on(folders)
        for number in range(count):
            channel._put("default", {"number": number, "body": body})
        connection.release()
        done_writing.set()

    def consume():
        connection, channel = channel_on(folders)
        while True:
            try:
                message = channel._get("default")
            except Empty:
                if done_writing.is_set() and not os.listdir(folders["data_folder_in"]):
                    break
                continue
            except Exception as exc:  # a partial file: what kombu's own transport hit
                errors.append(exc)
                continue
            taken.append(message["number"])
            assert message["body"] == body
        connection.release()

    threads = [threading.Thread(target=consume) for _ in range(2)]
    threads.append(threading.Thread(target=produce))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(taken) == list(range(count))
