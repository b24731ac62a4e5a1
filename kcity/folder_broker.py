"""The demo's folder broker (``make run`` without ``REDIS_URL``): kombu's filesystem transport,
with each message appearing in the folder whole and taken by exactly one consumer.

Kombu's own transport creates a message's file and then writes into it. A worker that lists the
folder in between takes an empty file, cannot decode it and stops ("Unrecoverable error:
JSONDecodeError", seen in CI), and the message is lost. It also moves a message it takes to the
system's temporary folder, which on another file system is a copy and a delete, not a rename,
so two workers could both take the same message.

Here a message is written under a name no consumer looks at (``.<name>.part``), flushed to
disk and renamed into place whole. A consumer takes a message by renaming it into the broker's
own ``processed_folder`` (the same file system), which succeeds for one consumer only, then
reads it and, unless ``store_processed`` is set, deletes it. Names, ordering and the folders
are kombu's, so a folder written by either transport is read by the other.

Named by ``FOLDER_BROKER_TRANSPORT`` in ``kcity/settings/base.py``, which selects it through
``CELERY_BROKER_TRANSPORT``; the broker URL stays ``filesystem://``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads


def folder_options(folder: Path | str) -> dict:
    """The transport options of a folder broker kept in ``folder``: messages in ``out``, each
    taken through ``processed`` and deleted (``store_processed`` off), and kombu's exchange
    table in ``control`` (kombu's default is a folder of the working directory)."""
    folder = Path(folder)
    return {
        "data_folder_in": str(folder / "out"),
        "data_folder_out": str(folder / "out"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A message is taken by a rename into this folder: were it missing, none could be.
        os.makedirs(self.processed_folder, exist_ok=True)

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:  # another queue's, or still being written
                continue
            taken = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except OSError:
                continue  # another consumer took it first
            try:
                with open(taken, "rb") as file:
                    payload = file.read()
                if not self.store_processed:
                    os.remove(taken)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {taken!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
