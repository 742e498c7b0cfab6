"""The AWS Glue Data Catalog the gold tables are registered in (platform_assets/aws/catalog.py registers
them; docs/aws.md)."""

from typing import Any, Optional

import dagster as dg


class GlueCatalogResource(dg.ConfigurableResource):
    """The Glue Data Catalog the gold tables are registered in (`<database_prefix><domain>` databases)."""

    region: Optional[str] = None
    endpoint_url: Optional[str] = None
    database_prefix: str = "omnilake_"

    def client(self) -> Any:
        from resources.aws.runners import aws_client

        return aws_client("glue", region=self.region, endpoint_url=self.endpoint_url)

    def database(self, domain: str) -> str:
        return f"{self.database_prefix}{domain}"
