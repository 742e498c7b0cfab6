"""The lake resource: where the Delta tables live (a local path or `s3://bucket/prefix`)."""

from __future__ import annotations

from typing import Optional

import dagster as dg

from platform_assets.core.lake import Lake


class LakeResource(dg.ConfigurableResource):
    """Root of the lake's Delta tables, `<root>/<layer>/<domain>/<table>`.

    `endpoint_url` is a custom S3 endpoint (tests use a local moto server); delta-rs reaches S3 with the
    usual AWS credential chain.
    """

    root: str
    endpoint_url: Optional[str] = None

    def storage_options(self) -> Optional[dict[str, str]]:
        if not self.root.startswith("s3://"):
            return None
        options = {"AWS_S3_ALLOW_UNSAFE_RENAME": "false", "AWS_CONDITIONAL_PUT": "etag"}
        if self.endpoint_url:
            options |= {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_ALLOW_HTTP": "true"}
        return options

    def lake(self) -> Lake:
        return Lake(self.root, self.storage_options())
