"""The lake resource: where the Delta tables live (a local path or `s3://bucket/prefix`)."""

from __future__ import annotations

from typing import Optional

import dagster as dg

from platform_assets.core.lake import Lake


class LakeResource(dg.ConfigurableResource):
    """Root of the lake's Delta tables, `<root>/<layer>/<domain>/<table>`.

    `endpoint_url` is a custom S3 endpoint (tests use a local moto server); delta-rs reaches S3 with the
    usual AWS credential chain. Concurrent commits are safe through S3 conditional puts (`AWS_CONDITIONAL_PUT`,
    never the unsafe rename): the second writer of a version loses the put and delta-rs retries or fails it.
    delta-rs 1.x dropped the DynamoDB log store, so there is no lock table. With `sse_kms_key_id` delta-rs writes every data file and every
    `_delta_log` commit with SSE-KMS under that key.
    """

    root: str
    endpoint_url: Optional[str] = None
    sse_kms_key_id: Optional[str] = None

    def storage_options(self) -> Optional[dict[str, str]]:
        if not self.root.startswith("s3://"):
            return None
        # Conditional puts make concurrent commits safe; the unsafe-rename mode is never set.
        options = {"AWS_CONDITIONAL_PUT": "etag"}
        if self.endpoint_url:
            options |= {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_ALLOW_HTTP": "true"}
        if self.sse_kms_key_id:
            # object_store (delta-rs) settings: applied to data files and log commits alike.
            options |= {"aws_server_side_encryption": "aws:kms", "aws_sse_kms_key_id": self.sse_kms_key_id}
        return options

    def lake(self) -> Lake:
        return Lake(self.root, self.storage_options())
