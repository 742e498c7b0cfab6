"""Dagster ConfigurableResources of the platform."""
