"""Landing sources: what a domain expects to find under `<landing>/<domain>/<source>/<YYYY-MM-DD>/`."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Callable, Mapping

from platform_assets.core.quality import DAILY_DELIVERIES, DEFAULT_THRESHOLDS, Freshness, QuarantineThresholds


@dataclass(frozen=True)
class Source:
    """One landing source of a domain, and the bronze table it feeds.

        `columns` are the canonical names in bronze order. Delivered headers are matched case-insensitively
        after trimming; `aliases` maps another delivered header (lower-case) to a canonical name. A file that
        lacks one of `required` (default: every column) is rejected whole; `defaults` gives the value of an
        optional column that is missing from a file (None: null). `bronze_transform` (a function, optional;
        kept as its dotted path) rewrites the parsed rows before anything is written: `fn(rows, unparsed) -> (rows, unparsed)`
        on pyarrow tables, e.g. to tokenise PII at ingestion so raw values never reach the lake. `encoding` is
        the text encoding of the source's CSV/JSON files (default UTF-8, BOM optional; workbooks carry their
        own). `quality` overrides the platform's quarantine thresholds for this source; `freshness` says how
    often files are expected (the bronze table's freshness policy).
    """

    domain: str
    name: str
    columns: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] | None = None
    defaults: Mapping[str, str | None] = field(default_factory=dict)
    description: str = ""
    bronze_transform: Callable | str | None = None
    encoding: str = "utf-8"
    quality: QuarantineThresholds = DEFAULT_THRESHOLDS
    # None: deliveries come when they come (a dimension snapshot), no freshness expectation.
    freshness: Freshness | None = DAILY_DELIVERIES

    def __post_init__(self) -> None:
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"{self.domain}/{self.name}: unknown encoding {self.encoding!r}") from None
        if self.bronze_transform is not None and not isinstance(self.bronze_transform, str):
            from platform_assets.core.execution import dotted

            object.__setattr__(self, "bronze_transform", dotted(self.bronze_transform))
        # A JobSpec carries the source as JSON.
        if isinstance(self.quality, dict):
            object.__setattr__(self, "quality", QuarantineThresholds(**self.quality))
        if isinstance(self.freshness, dict):
            object.__setattr__(self, "freshness", Freshness(**self.freshness))

    @property
    def is_utf8(self) -> bool:
        return codecs.lookup(self.encoding).name == "utf-8"

    @property
    def prefix(self) -> str:
        """Key prefix of the source in the landing zone (ends with '/')."""
        return f"{self.domain}/{self.name}/"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return self.columns if self.required is None else self.required

    def canonical(self, header: str) -> str | None:
        """The canonical column a delivered header names, or None when it is not a column of the source."""
        h = header.strip().lstrip("\ufeff").strip().lower()
        for col in self.columns:
            if col.lower() == h:
                return col
        return self.aliases.get(h)
