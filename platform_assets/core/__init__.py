"""Platform code shared by every domain: lake tables, landing zone, Spark execution, contracts.

Nothing in this package imports Dagster, so the same modules run inside the Dagster process, under
spark-submit through Dagster Pipes, and on AWS Glue / EMR.
"""
