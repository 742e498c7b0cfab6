"""How a setting that may carry a secret (a password in a URL, an API key, an HMAC key) reaches a resource."""

from __future__ import annotations

import os

import dagster as dg


def secret_from_env(name: str, default: str | None = None):
    """An `EnvVar` when the variable is set, so its value is never a plain config value in the UI or run
    storage; else the embedded development default (or None: the feature stays off)."""
    return dg.EnvVar(name) if os.environ.get(name) else default
