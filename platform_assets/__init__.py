"""omnilake: a Dagster asset-based lakehouse for marketing and commerce data.

The package root stays import-light: Spark transforms and the Pipes entrypoint import sub-modules without
pulling in Dagster, and `platform_assets.definitions` must load in well under three seconds.
"""
