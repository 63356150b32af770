"""What an import did, or would do, row by row: the report the CLI prints and the admin page shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"
OUTCOMES = (CREATE, UPDATE, UNCHANGED, REFUSED)


@dataclass
class RowOutcome:
    """One row: what happens to it, who it names (for the report), and why it is refused."""

    line: int
    outcome: str
    label: str = ""
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """The rows of one file. `written` is False for a dry run and for a file refused as a whole."""

    kind: str
    rows: list[RowOutcome] = field(default_factory=list)
    dry_run: bool = True
    skip_bad_rows: bool = False
    written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def refused(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome == REFUSED]

    @property
    def blocked(self) -> bool:
        """A real run that wrote nothing because a row was refused and bad rows were not to be skipped."""
        return bool(self.refused) and not self.skip_bad_rows

    def summary(self) -> str:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in self.counts.items())
        if self.dry_run:
            state = "dry run, nothing written"
        elif self.written:
            state = "written" + (f", {len(self.refused)} refused rows skipped" if self.refused else "")
        else:
            state = "nothing written: fix the refused rows or choose to skip them"
        return f"{self.kind}: {len(self.rows)} rows ({counts}); {state}"
