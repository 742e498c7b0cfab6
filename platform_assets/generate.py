"""Registry of the sample-data generators behind `omnilake generate` (spec: platform.md, CLI).

Each domain's generator is named by a dotted path `module:function` and imported only when selected, so
the CLI stays light. A generator has the signature
`generate(out: Path, start: date, days: int, *, seed: int = 7, scale: float = 1.0) -> Summary` and writes
landing files under `out/<domain>/...`, returning its typed `Summary` (a TypedDict: rows, injected defects, what
a correct pipeline holds). Each is a short `generate` over one function per source or stage.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from platform_assets.domains import DOMAINS

__all__ = ["GENERATORS", "generate", "load_generator"]

GENERATORS: dict[str, str] = {d: f"platform_assets.{d}.generator:generate" for d in DOMAINS}


def load_generator(domain: str) -> Callable[..., dict]:
    """The generator function of `domain` (imported on demand)."""
    if domain not in GENERATORS:
        raise ValueError(f"unknown domain {domain!r}; known domains: {', '.join(GENERATORS)}")
    module_name, _, attr = GENERATORS[domain].partition(":")
    return getattr(importlib.import_module(module_name), attr)


def generate(
    out: Path,
    start: date,
    days: int,
    *,
    seed: int = 7,
    scale: float = 1.0,
    domains: Sequence[str] | None = None,
    journeys_db: str | None = None,
) -> dict[str, dict]:
    """Run the generator of each selected domain (all registered ones by default, in registry order)
    into the landing directory `out` and return {domain: summary}."""
    if isinstance(domains, str):
        domains = [domains]
    selected = list(GENERATORS) if domains is None else list(dict.fromkeys(domains))
    unknown = [d for d in selected if d not in GENERATORS]
    if unknown:
        raise ValueError(
            f"unknown domain(s) {', '.join(repr(d) for d in unknown)}; known domains: {', '.join(GENERATORS)}"
        )
    out = Path(out)
    # `journeys_db` (a SQLAlchemy URL) is where the journeys generator writes its source database.
    extra = {"journeys": {"journeys_db": journeys_db} if journeys_db else {}}
    return {
        domain: load_generator(domain)(out, start, days, seed=seed, scale=scale, **extra.get(domain, {}))
        for domain in selected
    }
