"""Where uploaded files are kept: a folder under ``instance/`` by default, or S3-compatible object
storage (``COHORT_STORAGE_URL=s3://bucket/prefix``), so that app servers keep nothing of their own.

Files are stored under random keys and read back only through views that ask the access layer and
the policy first: no storage address is ever shown to a browser. Keys are made here, never from
anything a user typed.
"""

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask, current_app
from sqlalchemy import event

from ..extensions import db

KEY = re.compile(r"[a-z0-9]+(?:[/-][a-z0-9]+)*\.[a-z0-9]+")
# Where the session keeps the files to remove once its transaction ends one way or the other.
_ON_COMMIT, _ON_ROLLBACK = "cohort_discard_on_commit", "cohort_discard_on_rollback"


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes | None:
        """The file's bytes, or None if there is no such file."""

    def delete(self, key: str) -> None:
        """Remove the file; a file already gone is no error."""

    def stored(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """The key of every stored file under ``prefix`` (a folder such as "files/") and when it was
        written (UTC). Only what Cohort stores lives under its prefixes, whatever else shares the place."""


def _checked(key: str) -> str:
    if not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _checked_prefix(prefix: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+/", prefix):
        raise ValueError(f"not a storage folder: {prefix!r}")
    return prefix


class FolderStorage:
    """Files in a folder of this server (the default: ``instance/uploads``), for one server alone."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then moved into place: a reader sees the whole file or none.
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(partial, path)

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def stored(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        folder = self.root / _checked_prefix(prefix)
        for path in folder.rglob("*") if folder.is_dir() else ():
            key = path.relative_to(self.root).as_posix()
            if KEY.fullmatch(key) and path.is_file():  # a ".partial-" file is a write under way
                yield key, datetime.fromtimestamp(path.stat().st_mtime, UTC)


class ObjectStorage:
    """Files in an S3-compatible bucket, shared by every app server. Credentials come as boto3 finds
    them (``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``, a profile or a role), never in the URL."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
        )

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{_checked(key)}" if self.prefix else _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def stored(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        start = f"{self.prefix}/" if self.prefix else ""
        listed = start + _checked_prefix(prefix)
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=listed):
            for entry in page.get("Contents", ()):
                key = entry["Key"].removeprefix(start)
                if KEY.fullmatch(key):
                    yield key, entry["LastModified"]


def storage_from_url(url: str, instance_path: str) -> Storage:
    """The storage ``COHORT_STORAGE_URL`` names: empty for ``instance/uploads``, a ``file:`` path, or
    ``s3://bucket/prefix?endpoint=https://…&region=…`` (the endpoint for a service other than AWS)."""
    if not url:
        return FolderStorage(Path(instance_path) / "uploads")
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FolderStorage(parts.path)
    if parts.scheme == "s3" and parts.netloc:
        query = parse_qs(parts.query)
        endpoint = query.get("endpoint", [None])[0]
        region = query.get("region", [None])[0]
        return ObjectStorage(parts.netloc, parts.path, endpoint, region)
    raise ValueError(f"COHORT_STORAGE_URL must be empty, file:/path or s3://bucket/prefix, not {url!r}")


def discard_when_committed(keys: Iterable[str]) -> None:
    """Remove these files once the session's transaction commits (the files a change replaced); kept
    if it rolls back, as the rows that name them are then unchanged."""
    db.session.info.setdefault(_ON_COMMIT, []).extend(keys)


def discard_unless_committed(keys: Iterable[str]) -> None:
    """Remove these files if the session's transaction rolls back (the files a change stored first,
    which no row will name)."""
    db.session.info.setdefault(_ON_ROLLBACK, []).extend(keys)


def _discard(session, which: str) -> None:
    keys = session.info.pop(which, [])
    for key in keys:
        try:
            storage().delete(key)
        except Exception:  # noqa: BLE001 (a file left behind is harmless; a failed page after a commit is not)
            current_app.logger.warning("Could not remove the stored file %s", key, exc_info=True)


# Both events fire for a savepoint too; only the whole transaction's end settles what stays.
@event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_ON_ROLLBACK, None)
        _discard(session, _ON_COMMIT)


@event.listens_for(db.session, "after_rollback")
def _after_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_ON_COMMIT, None)
        _discard(session, _ON_ROLLBACK)


def init_app(app: Flask) -> None:
    app.extensions["cohort_storage"] = storage_from_url(app.config["COHORT_STORAGE_URL"], app.instance_path)


def storage() -> Storage:
    """The storage of the running app."""
    return current_app.extensions["cohort_storage"]
