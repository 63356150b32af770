"""`make test`: run the suite once per available leg and say which legs ran.

Legs:
- sqlite   every test except the browser ones, on SQLite (always);
- postgres the same tests on PostgreSQL, when CLINIC_TEST_POSTGRES_URL is set or a server answers on
           127.0.0.1:5432;
- browser  the Playwright journeys in Debian's Chromium, when /usr/bin/chromium exists (against every
           database leg that runs).
CLINIC_REQUIRE_LEGS=postgres,browser (as .ci/run sets) fails the run when a named leg could not run.
CLINIC_LEGS=sqlite,browser runs only the named legs. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class LegResult:
    name: str
    exit_code: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.passed > 0 and self.failed == 0


def postgres_url() -> str | None:
    url = os.environ.get("CLINIC_TEST_POSTGRES_URL")
    candidate = url or DEFAULT_PG
    try:
        import psycopg
        import sqlalchemy as sa

        plain = sa.make_url(candidate).set(drivername="postgresql").render_as_string(hide_password=False)
        psycopg.connect(plain, connect_timeout=3).close()
    except Exception as error:  # noqa: BLE001 - any failure means "no server"
        if url:
            print(f"CLINIC_TEST_POSTGRES_URL is set but PostgreSQL does not answer: {error}")
        return None
    return candidate


def run_leg(name: str, marker: str, env_extra: dict[str, str], pytest_args: list[str]) -> LegResult:
    print(f"\n===== leg: {name} =====", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            marker,
            f"--junitxml={report}",
            "-p",
            "no:cacheprovider",
            *pytest_args,
        ]
        code = subprocess.call(cmd, env={**os.environ, **env_extra})
        result = LegResult(name, code)
        if report.exists():
            suite = ET.parse(report).getroot()
            suites = [suite] if suite.tag == "testsuite" else list(suite)
            for s in suites:
                tests, errors = int(s.get("tests", 0)), int(s.get("errors", 0))
                failures, skipped = int(s.get("failures", 0)), int(s.get("skipped", 0))
                result.failed += failures + errors
                result.skipped += skipped
                result.passed += tests - failures - errors - skipped
    return result


def main(argv: list[str]) -> int:
    wanted = {leg.strip() for leg in os.environ.get("CLINIC_LEGS", "sqlite,postgres,browser").split(",")}
    required = {leg.strip() for leg in os.environ.get("CLINIC_REQUIRE_LEGS", "").split(",") if leg.strip()}
    pg = postgres_url() if wanted & {"postgres", "browser"} else None
    has_browser = CHROMIUM.exists()
    results: list[LegResult] = []
    skipped_legs: list[str] = []

    if "sqlite" in wanted:
        results.append(run_leg("sqlite", "not e2e", {"CLINIC_TEST_DB": "sqlite"}, argv))
    if "postgres" in wanted:
        if pg:
            results.append(
                run_leg("postgres", "not e2e", {"CLINIC_TEST_DB": "postgres", "CLINIC_TEST_POSTGRES_URL": pg}, argv)
            )
        else:
            skipped_legs.append("postgres (no server answered on 127.0.0.1:5432; set CLINIC_TEST_POSTGRES_URL)")
    if "browser" in wanted:
        if has_browser:
            results.append(run_leg("browser-sqlite", "e2e", {"CLINIC_TEST_DB": "sqlite"}, argv))
            if pg:
                results.append(
                    run_leg(
                        "browser-postgres", "e2e", {"CLINIC_TEST_DB": "postgres", "CLINIC_TEST_POSTGRES_URL": pg}, argv
                    )
                )
        else:
            skipped_legs.append("browser (no /usr/bin/chromium; apt-get install chromium)")

    print("\n===== legs =====")
    for r in results:
        status = "ok" if r.ok else "FAILED"
        print(f"  ran      {r.name:<17} {r.passed} passed, {r.failed} failed, {r.skipped} skipped  [{status}]")
    for s in skipped_legs:
        print(f"  not run  {s}")
    ran = {r.name.split("-")[0] for r in results}
    missing = sorted(required - ran)
    if missing:
        print(f"  REQUIRED legs did not run: {', '.join(missing)}")
    total_passed = sum(r.passed for r in results)
    total_failed = sum(r.failed for r in results)
    print(f"{total_passed} passed, {total_failed} failed")
    return 0 if results and all(r.ok for r in results) and not missing else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
