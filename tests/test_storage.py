"""Object stores: the same behaviour from a local directory and from S3 (a real moto server)."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import boto3
import pytest

from platform_assets.core.storage import (
    InvalidKey,
    LocalObjectStore,
    ObjectStore,
    S3ObjectStore,
    open_store,
    validate_key,
)
from resources.object_store import ObjectStoreResource

BAD_KEYS = ["", "../x", "/etc/passwd", "a/../../b", "a\\b", "a//b", "a/./b", "a/", "a\nb", "a/\x00"]


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "store")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return S3ObjectStore(f"s3://{bucket}/some/prefix/", endpoint_url=endpoint)


def test_write_read_info_exists_delete(store: ObjectStore) -> None:
    assert not store.exists("d/s/2025-04-01/a.csv")
    store.write_bytes("d/s/2025-04-01/a.csv", b"id\n1\n")
    assert store.read_bytes("d/s/2025-04-01/a.csv") == b"id\n1\n"
    assert store.exists("d/s/2025-04-01/a.csv")
    info = store.info("d/s/2025-04-01/a.csv")
    assert (info.key, info.size) == ("d/s/2025-04-01/a.csv", 5)
    assert info.modified.utcoffset().total_seconds() == 0 and info.etag

    before = info.etag
    later = datetime(2030, 1, 1, tzinfo=timezone.utc)
    store.write_bytes("d/s/2025-04-01/a.csv", b"id\n1\n2\n", modified=later)
    assert store.read_bytes("d/s/2025-04-01/a.csv") == b"id\n1\n2\n"
    assert store.info("d/s/2025-04-01/a.csv").etag != before

    store.delete("d/s/2025-04-01/a.csv")
    assert not store.exists("d/s/2025-04-01/a.csv")
    store.delete("d/s/2025-04-01/a.csv")  # deleting again is fine
    assert list(store.list()) == []
    assert store.list_folders("d/s/") == []
    with pytest.raises(FileNotFoundError):
        store.read_bytes("d/s/2025-04-01/a.csv")
    with pytest.raises(FileNotFoundError):
        store.info("d/s/2025-04-01/a.csv")


def test_list_is_recursive_sorted_and_resumable(store: ObjectStore) -> None:
    keys = ["b/2/z.csv", "a/1.csv", "b/1/x.csv", "b/10.csv", "a/0/y.csv", "c.csv", "b/1/w.csv"]
    for i, key in enumerate(keys):
        store.write_bytes(key, b"x" * i)
    assert [o.key for o in store.list()] == sorted(keys)
    assert [o.key for o in store.list("b/")] == ["b/1/w.csv", "b/1/x.csv", "b/10.csv", "b/2/z.csv"]
    assert [o.key for o in store.list("b/1")] == ["b/1/w.csv", "b/1/x.csv", "b/10.csv"]
    assert [o.key for o in store.list("b/", start_after="b/1/x.csv")] == ["b/10.csv", "b/2/z.csv"]
    assert [o.key for o in store.list(start_after="b/2/z.csv")] == ["c.csv"]
    assert list(store.list("nothing/")) == []
    sizes = {o.key: o.size for o in store.list()}
    assert sizes == {key: i for i, key in enumerate(keys)}


def test_list_folders(store: ObjectStore) -> None:
    keys = ["d/s/2025-04-02/a.csv", "d/s/2025-04-01/a.csv", "d/s/2025-04-01/deep/b.csv", "d/s/top.csv"]
    keys.append("e/x.csv")
    for key in keys:
        store.write_bytes(key, b"x")
    assert store.list_folders("") == ["d", "e"]
    assert store.list_folders("d/") == ["s"]
    assert store.list_folders("d/s/") == ["2025-04-01", "2025-04-02"]
    assert store.list_folders("d/s/2025-04-01/") == ["deep"]
    assert store.list_folders("missing/") == []
    with pytest.raises(InvalidKey):
        store.list_folders("d/s")


def test_listing_follows_pages(s3_endpoint: str, s3_bucket: str) -> None:
    # Small pages make the store follow continuation tokens, as it must past 1000 keys on S3.
    store = S3ObjectStore(f"s3://{s3_bucket}/x", endpoint_url=s3_endpoint, page_size=2)
    keys = [f"p/{i:02d}.csv" for i in range(7)] + [f"q/{d}/a.csv" for d in ("d1", "d2", "d3", "d4", "d5")]
    for key in keys:
        store.write_bytes(key, b"")
    assert [o.key for o in store.list()] == keys
    assert [o.key for o in store.list("p/", start_after="p/02.csv")] == keys[3:7]
    assert store.list_folders("q/") == ["d1", "d2", "d3", "d4", "d5"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_path_tricks_are_rejected_everywhere(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)
    for call in (store.read_bytes, store.info, store.exists, store.delete, store.uri):
        with pytest.raises(InvalidKey):
            call(key)
    with pytest.raises(InvalidKey):
        store.write_bytes(key, b"x")


def test_validate_key_accepts_ordinary_keys() -> None:
    for key in ["a", "a/b.csv", "ecommerce/orders/2025-04-01/orders 1.csv", "a/..b/c..", "a/.hidden"]:
        assert validate_key(key) == key


def test_local_writes_are_atomic_and_stay_inside_root(tmp_path) -> None:
    root = tmp_path / "root"
    store = LocalObjectStore(root)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    store.write_bytes("x/a.csv", b"1")
    # A symlink inside the root that points out of it is refused.
    os.symlink(outside, root / "x" / "link.csv")
    with pytest.raises(InvalidKey):
        store.read_bytes("x/link.csv")
    # A temp file left by a crashed write is not an object.
    (root / "x" / ".omnilake-tmp-abc").write_bytes(b"partial")
    assert [o.key for o in store.list() if o.key != "x/link.csv"] == ["x/a.csv"]
    assert store.uri("x/a.csv") == str(root / "x" / "a.csv")


def test_local_write_sets_modified_and_etag(tmp_path) -> None:
    store = LocalObjectStore(tmp_path)
    when = datetime(2025, 4, 1, 11, 27, 0, 123456, tzinfo=timezone.utc)
    store.write_bytes("a.csv", b"abc", modified=when)
    info = store.info("a.csv")
    assert info.modified == when
    st = os.stat(tmp_path / "a.csv")
    assert info.etag == f"3-{st.st_mtime_ns}"
    assert [o.modified for o in store.list()] == [when]


def test_s3_uris_and_root(s3_endpoint: str, s3_bucket: str) -> None:
    store = open_store(f"s3://{s3_bucket}/lake/", endpoint_url=s3_endpoint)
    assert isinstance(store, S3ObjectStore)
    assert store.root == f"s3://{s3_bucket}/lake"
    assert store.uri("a/b.csv") == f"s3://{s3_bucket}/lake/a/b.csv"
    store.write_bytes("a/b.csv", b"x")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    assert client.get_object(Bucket=s3_bucket, Key="lake/a/b.csv")["Body"].read() == b"x"
    # Objects outside the prefix and console folder markers are not objects of the store.
    client.put_object(Bucket=s3_bucket, Key="other/c.csv", Body=b"x")
    client.put_object(Bucket=s3_bucket, Key="lake/a/", Body=b"")
    assert [o.key for o in store.list()] == ["a/b.csv"]
    bare = open_store(f"s3://{s3_bucket}", endpoint_url=s3_endpoint)
    assert [o.key for o in bare.list()] == ["lake/a/b.csv", "other/c.csv"]


def test_s3_every_put_uses_sse_kms(s3_endpoint: str, s3_bucket: str) -> None:
    key_id = boto3.client("kms", endpoint_url=s3_endpoint).create_key()["KeyMetadata"]["KeyId"]
    resource = ObjectStoreResource(
        root=f"s3://{s3_bucket}/enc", endpoint_url=s3_endpoint, sse_kms_key_id=key_id
    )
    store = resource.store()
    assert resource.store() is store
    store.write_bytes("a.csv", b"1")
    store.write_bytes("d/b.csv", b"2")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    for key in ("enc/a.csv", "enc/d/b.csv"):
        head = client.head_object(Bucket=s3_bucket, Key=key)
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"].endswith(key_id)
    # Without a key id nothing asks for KMS.
    plain = open_store(f"s3://{s3_bucket}/plain", endpoint_url=s3_endpoint)
    plain.write_bytes("a.csv", b"1")
    assert "SSEKMSKeyId" not in client.head_object(Bucket=s3_bucket, Key="plain/a.csv")


def test_open_store_local(tmp_path) -> None:
    store = open_store(str(tmp_path / "rel" / ".." / "land"))
    assert isinstance(store, LocalObjectStore)
    assert store.root == str(tmp_path / "land")
