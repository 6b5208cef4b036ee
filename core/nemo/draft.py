"""The draft (timeline) model: parsing, the one-line summary and diffs in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Draft:
    """A parsed draft. `raw` is the backend's dict, sent back unchanged to render."""

    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: dict[str, Any] | None) -> Draft:
        """Parse a draft dict (None or garbage gives an empty draft)."""
        return cls(raw=dict(raw) if isinstance(raw, dict) else {})

    @property
    def is_exportable(self) -> bool:
        """At least one track with a non-empty segment list."""
        tracks = self.raw.get("t") or []
        return any(isinstance(t, dict) and t.get("sg") for t in tracks)
