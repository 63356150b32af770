"""Only the reminder figures: `python -m bench.dispatch [patients]` (SQLite in a temporary file).

Prints planning time and SMTP dispatch throughput (one dispatcher, then two) for N patients' PM reminders
(bench/reminders.py). Asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile

from bench.generate import make_clinic_with_staff
from bench.reminders import bench_reminders
from clinic import create_app
from clinic.extensions import db


def main(patients: int = 300) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                "SECRET_KEY": "bench-" + "x" * 40,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            clinic, _ = make_clinic_with_staff()
            db.session.commit()
            bench_reminders("sqlite", app, clinic, patients)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
