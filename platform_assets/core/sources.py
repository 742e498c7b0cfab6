"""Landing sources: what a domain expects to find under `<landing>/<domain>/<source>/<YYYY-MM-DD>/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Source:
    """One landing source of a domain, and the bronze table it feeds.

    `columns` are the canonical names in bronze order. Delivered headers are matched case-insensitively
    after trimming; `aliases` maps another delivered header (lower-case) to a canonical name. A file that
    lacks one of `required` (default: every column) is rejected whole; `defaults` gives the value of an
    optional column that is missing from a file (None: null). `bronze_transform` ("module:function",
    optional) rewrites the parsed rows before anything is written: `fn(rows, unparsed) -> (rows, unparsed)`
    on pyarrow tables, e.g. to tokenise PII at ingestion so raw values never reach the lake.
    """

    domain: str
    name: str
    columns: tuple[str, ...]
    aliases: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] | None = None
    defaults: Mapping[str, str | None] = field(default_factory=dict)
    description: str = ""
    bronze_transform: str | None = None

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
