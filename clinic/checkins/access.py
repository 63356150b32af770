"""Scoped lookups for check-ins: another clinic's or another patient's procedure or photo is 404."""

from __future__ import annotations

from clinic.access import deny, scoped_get
from clinic.photos.models import Photo
from clinic.routines.models import AftercareRecord


def get_aftercare_record(record_id: int) -> AftercareRecord:
    return scoped_get(AftercareRecord, record_id)


def get_patient_photo(photo_id: int, user) -> Photo:
    """A photo the patient may see: their own, and either shared with them by staff or sent by them."""
    photo = scoped_get(Photo, photo_id)
    if not photo.shared_with_patient and photo.uploaded_by_id != user.id:
        deny(404, detail=f"photo {photo_id} not shared with the patient", patient_id=photo.patient_id)
    return photo
