"""Object stores: one small interface over a local directory or an S3 prefix (the landing zone, the lake).

Keys are '/'-separated paths relative to the store root and are validated on every call, so no key can
name a file outside the root. boto3 is imported only when an S3 store first talks to S3.
"""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

# Temporary files of atomic local writes start with this; listings never show them.
_TMP_PREFIX = ".omnilake-tmp-"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: key relative to the root, size in bytes, UTC modification time, version tag."""

    key: str
    size: int
    modified: datetime
    etag: str


class InvalidKey(ValueError):
    """A key that is empty, absolute, or could name something outside the store root."""


def validate_key(key: str) -> str:
    """Return `key` when it is a safe relative '/'-separated key, else raise InvalidKey."""
    if not isinstance(key, str) or key == "":
        raise InvalidKey("empty key")
    if key.startswith("/"):
        raise InvalidKey(f"absolute key: {key!r}")
    if "\\" in key:
        raise InvalidKey(f"backslash in key: {key!r}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise InvalidKey(f"control character in key: {key!r}")
    for segment in key.split("/"):
        if segment == "":
            raise InvalidKey(f"empty path segment in key: {key!r}")
        if segment in (".", ".."):
            raise InvalidKey(f"relative path segment {segment!r} in key: {key!r}")
    return key


def _validate_prefix(prefix: str) -> str:
    """A listing prefix is '' or a key, optionally ending with '/'."""
    if prefix:
        validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def _validate_folder_prefix(prefix: str) -> str:
    if prefix and not prefix.endswith("/"):
        raise InvalidKey(f"a folder prefix must be '' or end with '/': {prefix!r}")
    return _validate_prefix(prefix)


class ObjectStore(ABC):
    """A flat key -> bytes store rooted at `root` (absolute local path, or s3://bucket/prefix)."""

    root: str

    @abstractmethod
    def uri(self, key: str) -> str:
        """Full local path or s3:// URI of `key`."""

    @abstractmethod
    def list(self, prefix: str = "", start_after: str | None = None) -> Iterator[ObjectInfo]:
        """Objects whose key starts with `prefix` (recursively), ascending by key, only keys > start_after."""

    @abstractmethod
    def list_folders(self, prefix: str) -> list[str]:
        """Sorted names of the immediate child folders of `prefix` ('' or ending with '/')."""

    @abstractmethod
    def info(self, key: str) -> ObjectInfo:
        """Metadata of `key`; FileNotFoundError when absent."""

    def exists(self, key: str) -> bool:
        """Whether `key` is an object of the store."""
        try:
            self.info(key)
        except FileNotFoundError:
            return False
        return True

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """Content of `key`; FileNotFoundError when absent."""

    @abstractmethod
    def write_bytes(self, key: str, data: bytes, modified: datetime | None = None) -> None:
        """Create or replace `key` with `data`."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is not an error."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root!r})"


class LocalObjectStore(ObjectStore):
    """Objects are files under a local directory; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.abspath(os.fspath(root)).rstrip(os.sep) or os.sep
        self._real_root = os.path.realpath(self.root)

    def _path(self, key: str) -> str:
        path = os.path.join(self.root, *validate_key(key).split("/"))
        # Keys are already free of '..'; this also refuses symlinks that point out of the root.
        real = os.path.realpath(path)
        if os.path.commonpath([real, self._real_root]) != self._real_root:
            raise InvalidKey(f"key escapes the store root: {key!r}")
        return path

    def uri(self, key: str) -> str:
        return self._path(key)

    def _info(self, key: str, st: os.stat_result) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=st.st_size,
            # Integer arithmetic: float seconds would round the microseconds differently run to run.
            modified=_EPOCH + timedelta(microseconds=st.st_mtime_ns // 1_000),
            etag=f"{st.st_size}-{st.st_mtime_ns}",
        )

    def list(self, prefix: str = "", start_after: str | None = None) -> Iterator[ObjectInfo]:
        _validate_prefix(prefix)
        # Walk only the deepest directory the prefix names; the rest of the prefix filters names.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self._path(folder) if folder else self.root
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            rel = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            for name in filenames:
                if name.startswith(_TMP_PREFIX):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix) and (start_after is None or key > start_after):
                    keys.append(key)
        for key in sorted(keys):
            try:
                st = os.stat(os.path.join(self.root, *key.split("/")))
            except FileNotFoundError:  # deleted while listing
                continue
            yield self._info(key, st)

    def list_folders(self, prefix: str) -> list[str]:
        _validate_folder_prefix(prefix)
        base = self._path(prefix[:-1]) if prefix else self.root
        try:
            with os.scandir(base) as entries:
                return sorted(e.name for e in entries if e.is_dir())
        except (FileNotFoundError, NotADirectoryError):
            return []

    def info(self, key: str) -> ObjectInfo:
        path = self._path(key)
        st = os.stat(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"not a file: {path}")
        return self._info(key, st)

    def read_bytes(self, key: str) -> bytes:
        with open(self._path(key), "rb") as fh:
            return fh.read()

    def write_bytes(self, key: str, data: bytes, modified: datetime | None = None) -> None:
        path = self._path(key)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; landed data should be readable like any file
            if modified is not None:
                if modified.tzinfo is None:
                    modified = modified.replace(tzinfo=timezone.utc)
                ns = (modified - _EPOCH) // timedelta(microseconds=1) * 1_000
                os.utime(tmp, ns=(ns, ns))
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            os.remove(path)
        except FileNotFoundError:
            return
        # Prune emptied folders so listings match S3, where folders exist only through their objects.
        directory = os.path.dirname(path)
        while directory != self.root and directory.startswith(self.root):
            try:
                os.rmdir(directory)
            except OSError:
                break
            directory = os.path.dirname(directory)


class S3ObjectStore(ObjectStore):
    """Objects under s3://bucket/prefix; every put uses SSE-KMS when a KMS key id is given."""

    def __init__(
        self,
        root: str,
        *,
        endpoint_url: str | None = None,
        sse_kms_key_id: str | None = None,
        page_size: int = 1000,
    ) -> None:
        if not root.startswith("s3://"):
            raise ValueError(f"not an s3:// URI: {root!r}")
        bucket, _, prefix = root[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {root!r}")
        prefix = prefix.strip("/")
        self.bucket = bucket
        self._base = f"{prefix}/" if prefix else ""
        self.root = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        self.endpoint_url = endpoint_url
        self.sse_kms_key_id = sse_kms_key_id
        self.page_size = page_size  # keys per list request (S3's maximum is 1000)
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The boto3 S3 client, created on first use."""
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    def uri(self, key: str) -> str:
        return f"{self.root}/{validate_key(key)}"

    def _key(self, key: str) -> str:
        return self._base + validate_key(key)

    @staticmethod
    def _is_missing(exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def list(self, prefix: str = "", start_after: str | None = None) -> Iterator[ObjectInfo]:
        _validate_prefix(prefix)
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._base + prefix}
        if start_after is not None:
            kwargs["StartAfter"] = self._base + start_after
        pages = self.client.get_paginator("list_objects_v2").paginate(
            **kwargs, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"][len(self._base) :]
                if key.endswith("/"):  # zero-byte "folder" markers made by consoles
                    continue
                yield ObjectInfo(
                    key=key,
                    size=int(obj["Size"]),
                    modified=obj["LastModified"].astimezone(timezone.utc),
                    etag=str(obj["ETag"]).strip('"'),
                )

    def list_folders(self, prefix: str) -> list[str]:
        _validate_folder_prefix(prefix)
        full = self._base + prefix
        names: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket,
            Prefix=full,
            Delimiter="/",
            PaginationConfig={"PageSize": self.page_size},
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                names.append(common["Prefix"][len(full) :].rstrip("/"))
        return sorted(names)

    def info(self, key: str) -> ObjectInfo:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if self._is_missing(exc):
                raise FileNotFoundError(self.uri(key)) from exc
            raise
        return ObjectInfo(
            key=key,
            size=int(head["ContentLength"]),
            modified=head["LastModified"].astimezone(timezone.utc),
            etag=str(head["ETag"]).strip('"'),
        )

    def read_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if self._is_missing(exc):
                raise FileNotFoundError(self.uri(key)) from exc
            raise
        return response["Body"].read()

    def write_bytes(self, key: str, data: bytes, modified: datetime | None = None) -> None:
        """Put `data` at `key`; S3 sets LastModified itself, so `modified` is ignored here."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(key), "Body": data}
        if self.sse_kms_key_id:
            kwargs["ServerSideEncryption"] = "aws:kms"
            kwargs["SSEKMSKeyId"] = self.sse_kms_key_id
        self.client.put_object(**kwargs)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def open_store(
    root: str, *, endpoint_url: str | None = None, sse_kms_key_id: str | None = None
) -> ObjectStore:
    """An S3ObjectStore for 's3://' roots, else a LocalObjectStore."""
    if root.startswith("s3://"):
        return S3ObjectStore(root, endpoint_url=endpoint_url, sse_kms_key_id=sse_kms_key_id)
    return LocalObjectStore(root)


def enforce_sse_kms(client: Any, sse_kms_key_id: str | None) -> Any:
    """Make every PutObject / multipart upload of a boto3 S3 `client` use SSE-KMS with `sse_kms_key_id`.

    For objects written by code that builds its own requests (Dagster Pipes context and messages, the job
    package upload): a botocore hook adds the encryption parameters, so no put can forget them.
    Returns the client; a no-op when no key is given.
    """
    if not sse_kms_key_id:
        return client

    def _add_sse(params: dict, **_: Any) -> None:
        params.setdefault("ServerSideEncryption", "aws:kms")
        params.setdefault("SSEKMSKeyId", sse_kms_key_id)

    for operation in ("PutObject", "CreateMultipartUpload", "CopyObject"):
        client.meta.events.register(f"provide-client-params.s3.{operation}", _add_sse)
    return client
