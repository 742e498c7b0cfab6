"""The object store resource: where sensors and ingestion read files (a local directory or S3)."""

from __future__ import annotations

from typing import Optional

import dagster as dg
from pydantic import PrivateAttr

from platform_assets.core.storage import ObjectStore, open_store


class ObjectStoreResource(dg.ConfigurableResource):
    """The swappable file system of the platform: a local directory or an `s3://bucket/prefix`.

    Sensors list the landing zone through it and ingestion reads the delivered files through it, so the
    same code runs on a laptop and on AWS by changing `root` (like the FileSystem resource of
    hooli-data-eng-pipelines). `endpoint_url` points at a custom S3 endpoint (a local moto server in
    tests); with `sse_kms_key_id` every object written to S3 is encrypted with that KMS key.
    """

    root: str
    endpoint_url: Optional[str] = None
    sse_kms_key_id: Optional[str] = None

    _store: Optional[ObjectStore] = PrivateAttr(default=None)

    def store(self) -> ObjectStore:
        """The ObjectStore for this configuration (one per resource instance)."""
        if self._store is None:
            self._store = open_store(
                self.root, endpoint_url=self.endpoint_url, sse_kms_key_id=self.sse_kms_key_id
            )
        return self._store
