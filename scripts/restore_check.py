"""Test a restore from backup, end to end, on this machine (docs/deployment.md, "Backups").

    .venv/bin/python scripts/restore_check.py [--server postgres://postgres@127.0.0.1:5432]
                                              [--keep] [--damage]

What a real restore does, with the same tools, on throw-away copies:

1. **The portal to back up**: a private PostgreSQL database (``kcity_restore_src_<pid>``) is
   migrated and seeded with the demo data (``seed_demo``: the programme's real calls, the 2022
   applications with their documents, reviews, awards and projects); the documents are written
   to a local folder, then moved into a bucket with ``move_files_to_bucket``, as in production.
   The bucket is served by moto's S3-compatible server, started in this process on a free port.
2. **The backup**: ``pg_dump --format=custom`` of the database, and every object of the bucket
   copied into a folder (what ``mc mirror`` does with MinIO).
3. **The restore**: ``pg_restore`` into a fresh, empty database (``kcity_restore_dst_<pid>``),
   and the folder copied into a fresh, empty bucket.
4. **The comparison**: the same tables in both databases with the same number of rows each,
   the same sequence positions (new rows after a restore do not collide with restored ones),
   and every file a restored row names present in the restored bucket with the SHA-256 of the
   original upload on disk.

Prints one line per step and a summary; exits 1 with what differs when anything does. Both
databases are dropped at the end (``--keep``: left for inspection). ``--damage`` deletes one
row and changes one file of the restored copy before comparing, to see the check fail.

Needs PostgreSQL's client tools (``pg_dump``, ``pg_restore``) and a server that lets ``--server``
create databases; touches no other database and no Redis.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def psql(url: str, sql: str) -> list[tuple]:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def row_counts(url: str) -> dict[str, int]:
    """Every table of the public schema and its number of rows."""
    tables = [
        name
        for (name,) in psql(
            url,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
    ]
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM public.\"{t}\"" for t in tables)
    return dict(psql(url, union))


def sequence_positions(url: str) -> dict[str, int | None]:
    return dict(psql(url, "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"))


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every FileField on the default storage (the models say which)."""
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db import models

    return sorted(
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField) and field.storage is default_storage
    )


def named_files(url: str) -> set[str]:
    names: set[str] = set()
    for table, column in file_columns():
        names.update(
            name for (name,) in psql(url, f'SELECT DISTINCT "{column}" FROM "{table}"') if name
        )
    return names


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Bucket:
    def __init__(self, client, name: str):
        self.client, self.name = client, name
        client.create_bucket(Bucket=name)

    def keys(self) -> list[str]:
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return sorted(keys)

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def mirror_to(self, folder: Path) -> int:
        """Copy every object into ``folder`` (``mc mirror <bucket> <folder>``)."""
        for key in self.keys():
            path = folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.read(key))
        return len(self.keys())

    def mirror_from(self, folder: Path) -> int:
        """Upload every file of ``folder`` under its relative name (``mc mirror <folder> ...``)."""
        count = 0
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            self.client.put_object(
                Bucket=self.name, Key=path.relative_to(folder).as_posix(), Body=path.read_bytes()
            )
            count += 1
        return count


class Check:
    def __init__(self):
        self.started = time.monotonic()
        self.problems: list[str] = []

    def step(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:5.1f}s] {text}", flush=True)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        default=os.environ.get("RESTORE_CHECK_SERVER", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server (URL without database) where the two databases are made.",
    )
    parser.add_argument("--keep", action="store_true", help="Do not drop the two databases.")
    parser.add_argument(
        "--damage",
        action="store_true",
        help="Delete a row and change a file of the restored copy: the check must fail.",
    )
    args = parser.parse_args()

    source_name, target_name = (
        f"kcity_restore_src_{os.getpid()}",
        f"kcity_restore_dst_{os.getpid()}",
    )
    source_url = database_url(args.server, source_name)
    target_url = database_url(args.server, target_name)
    maintenance_url = database_url(args.server, "postgres")
    check = Check()
    # The test settings: tasks run inline and e-mail stays in memory, so seeding sends nothing
    # and queues nothing; no Redis is asked.
    os.environ["DJANGO_SETTINGS_MODULE"] = "kcity.settings.test"
    os.environ["DATABASE_URL"] = source_url
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    # Only warnings: not a line per task the seed runs, nor per request the S3 server answers.
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    psql(maintenance_url, f'CREATE DATABASE "{source_name}"')
    work = Path(tempfile.mkdtemp(prefix="kcity-restore-"))
    server = None
    try:
        import boto3
        import django
        from django.core.management import call_command
        from django.test.utils import override_settings
        from moto.server import ThreadedMotoServer

        from core.storage import s3_storage_config

        media, dump, mirror = work / "private", work / "kcity.dump", work / "bucket-mirror"
        django.setup()
        override_settings(MEDIA_ROOT=media).enable()
        check.step(f"migrate {source_name}")
        call_command("migrate", interactive=False, verbosity=0)
        check.step("seed_demo (the programme's data and documents)")
        call_command("seed_demo", credentials_file=work / "credentials.txt", stdout=io.StringIO())
        originals = {
            path.relative_to(media).as_posix(): sha256(path.read_bytes())
            for path in media.rglob("*")
            if path.is_file()
        }

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="restore-check",
            aws_secret_access_key="restore-check",
        )
        live = Bucket(client, "kcity-live")
        storage = s3_storage_config(
            bucket=live.name,
            endpoint_url=endpoint,
            region="us-east-1",
            access_key="restore-check",
            secret_key="restore-check",
        )
        with override_settings(STORAGES={"default": storage}):
            check.step("move_files_to_bucket (the documents into the live bucket)")
            call_command("move_files_to_bucket", stdout=io.StringIO())
        from django.db import connections

        connections.close_all()

        check.step("backup: pg_dump --format=custom, and the bucket mirrored to a folder")
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--dbname={source_url}",
                f"--file={dump}",
            ],
            check=True,
        )
        mirrored = live.mirror_to(mirror)

        check.step(f"restore: pg_restore into {target_name}, the folder into a new bucket")
        psql(maintenance_url, f'CREATE DATABASE "{target_name}"')
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target_url}", str(dump)],
            check=True,
        )
        restored = Bucket(client, "kcity-restored")
        restored.mirror_from(mirror)

        if args.damage:
            check.step("damage: one row deleted, one file changed in the restored copy")
            psql(
                target_url,
                'DELETE FROM "notifications_message" WHERE id = (SELECT min(id) FROM "notifications_message")',
            )
            key = restored.keys()[0]
            client.put_object(Bucket=restored.name, Key=key, Body=b"not the original")

        check.step("compare")
        before, after = row_counts(source_url), row_counts(target_url)
        check.expect(
            sorted(before) == sorted(after), f"tables differ: {sorted(set(before) ^ set(after))}"
        )
        for table in sorted(set(before) & set(after)):
            check.expect(
                before[table] == after[table],
                f"{table}: {before[table]} rows backed up, {after[table]} restored",
            )
        check.expect(
            sequence_positions(source_url) == sequence_positions(target_url),
            "sequence positions differ",
        )
        names = named_files(target_url)
        check.expect(names == named_files(source_url), "the restored rows name other files")
        check.expect(set(originals) == names, "the uploads on disk are not the files the rows name")
        restored_keys = set(restored.keys())
        for name in sorted(names):
            if name not in restored_keys:
                check.problems.append(f"{name}: named by a row, missing from the restored bucket")
            elif sha256(restored.read(name)) != originals.get(name):
                check.problems.append(f"{name}: restored file's SHA-256 differs from the upload")

        rows = sum(after.values())
        check.step(
            f"{len(after)} tables, {rows} rows, {len(sequence_positions(target_url))} sequences; "
            f"{len(names)} files named by rows, {mirrored} objects mirrored, "
            f"{len(restored_keys)} restored"
        )
        for problem in check.problems:
            print(f"DIFFERS: {problem}")
        print("RESTORE CHECK " + ("FAILED" if check.problems else "PASSED"))
        return 1 if check.problems else 0
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not have started
            pass
        if not args.keep:
            for name in (source_name, target_name):
                psql(maintenance_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
