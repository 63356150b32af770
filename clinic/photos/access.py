"""The scoped lookup for photos: another clinic's (or, for a patient, another patient's) photo is 404."""

from __future__ import annotations

from clinic.access import scoped_get
from clinic.photos.models import Photo


def get_photo(photo_id: int) -> Photo:
    return scoped_get(Photo, photo_id)
