"""Dagster sensors of the platform: landing-zone sensors and friends."""
