"""The patient's whole record as a ZIP: `record.fhir.json` (a FHIR Bundle of everything), `summary.html` (the
same, for people: self-contained, no external assets) and `photos/` (named by date, standard view and phase).

Built straight into a (temporary) binary file: the Bundle and the summary are written piecewise and photos are
copied from disk in chunks, so memory stays bounded whatever the length of the history.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app

from clinic.extensions import db
from clinic.interop.fhir.bundle import server_base, write_bundle
from clinic.interop.fhir.record import Scope, resources
from clinic.interop.fhir.summary import summary_context
from clinic.patients.models import Patient
from clinic.photos.models import Photo
from clinic.photos.storage import photo_dir

BUNDLE_NAME = "record.fhir.json"
SUMMARY_NAME = "summary.html"
SUMMARY_TEMPLATE = "downloads/record_summary.html"  # a file saved to disk: carries its own styles


def photo_name(photo: Photo) -> str:
    """`photos/2026-11-20_face_front_before_12.jpg`: date, standard view, phase, and the id to keep names unique."""
    suffix = Path(photo.storage_name).suffix.lower() or ".jpg"
    return f"photos/{photo.taken_on.isoformat()}_{photo.view}_{photo.phase}_{photo.id}{suffix}"


def write_record_zip(out: IO[bytes], patient: Patient) -> dict[str, int]:
    """Write the ZIP into `out`; return what it holds (resources, photos, photos missing on disk)."""
    photos = db.session.execute(
        sa.select(Photo.id, Photo.storage_name, Photo.taken_on, Photo.view, Photo.phase)
        .where(Photo.patient_id == patient.id)
        .order_by(Photo.taken_on, Photo.id)
    ).all()
    names = {row.id: photo_name(row) for row in photos}
    scope = Scope(patient.clinic_id, patient.id, access_log=True, photo_urls=names)
    folder = photo_dir()
    stored = missing = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(BUNDLE_NAME, "w") as target:
            count = write_bundle(target, resources(scope), server_base())
        with archive.open(SUMMARY_NAME, "w") as target:
            template = current_app.jinja_env.get_template(SUMMARY_TEMPLATE)
            for chunk in template.generate(**summary_context(patient, names)):
                target.write(chunk.encode())
        for row in photos:
            path = folder / row.storage_name
            if path.is_file():
                archive.write(path, names[row.id], compress_type=zipfile.ZIP_STORED)  # already compressed images
                stored += 1
            else:
                missing += 1
    return {"resources": count, "photos": stored, "missing_photos": missing}
