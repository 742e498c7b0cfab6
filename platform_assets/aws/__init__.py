"""omnilake on AWS: the Glue / EMR Serverless / EMR launchers of the generic Spark entrypoint (`runners`),
the job package on S3 (`packaging`) and the Glue Data Catalog registration of gold tables (`catalog`).

Nothing here is imported by the local demo: boto3 clients are created only when an AWS mode runs.
"""
