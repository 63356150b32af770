"""Photo uploads: attacks refused with nothing stored, metadata stripped, access-checked serving, compare."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from clinic.extensions import db
from clinic.photos.models import Photo
from tests.conftest import base_config
from tests.consents.factories import consent_form, make_consent
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import procedure, recorded_session, signed_session


@pytest.fixture
def app_config(database_url, tmp_path):
    return {
        **base_config(database_url),
        "CLINIC_PHOTO_DIR": str(tmp_path / "photos"),
        "CLINIC_PHOTO_MAX_BYTES": 2 * 1024 * 1024,
    }


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (320, 240), (200, 150, 120))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 44.0, 54.0), 3: "W", 4: (73.0, 59.0, 9.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, "PNG")  # 144 MP, a few kB on disk
    return buffer.getvalue()


@pytest.fixture
def world(app):
    derm = make_user("dermatologist")
    patient = make_patient()
    make_consent(patient, procedure())
    photo_consent = consent_form(kind="photo")
    from clinic.consents.services import digest, render_text, sign_consent
    from tests.consents.factories import signature_data_url

    sign_consent(
        patient,
        photo_consent,
        signer_name=patient.full_name,
        signature_data_url=signature_data_url(),
        witness=derm,
        ip=None,
        text_digest=digest(render_text(photo_consent)),
    )
    draft = recorded_session(patient, derm)
    signed = signed_session(patient, derm)
    db.session.commit()
    return dict(derm=derm, patient=patient, draft=draft, signed=signed)


def _upload(client, session_id, data: bytes, filename="face.jpg", view="face_front", phase="before"):
    return client.post(
        f"/treatments/{session_id}/photos",
        follow_redirects=True,
        data={"view": view, "phase": phase, "photo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _call(client, method, url):
    return client.get(url) if method == "get" else client.post(url, data={})


def _stored(app) -> list[Path]:
    folder = Path(app.config["CLINIC_PHOTO_DIR"])
    return list(folder.iterdir()) if folder.exists() else []


def test_upload_strips_exif_and_gps_and_stores_outside_static(app, world, login_as):
    client, _ = login_as(user=world["derm"])
    response = _upload(client, world["draft"].id, jpeg_with_gps())
    assert "Photo added." in response.text
    photo = db.session.scalar(sa.select(Photo))
    (path,) = _stored(app)
    assert path.name == photo.storage_name and "face" not in path.name
    assert "static" not in str(path)
    with Image.open(path) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == photo.sha256
    served = client.get(f"/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"%PDF-1.4 not an image", "scan.jpg", "not a photo that can be read"),
        (b"", "empty.jpg", "The file is empty"),
        (png_bomb(), "bomb.png", "too many pixels"),
        (b"\xff\xd8" + b"0" * (3 * 1024 * 1024), "huge.jpg", "a photo may be up to 2 MB"),  # 413, unread
        (jpeg_with_gps(), "../../etc/passwd.jpg", "without folders"),
        (jpeg_with_gps(), "C:\\\\photos\\\\face.jpg", "without folders"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(app, world, login_as, data, filename, message):
    client, _ = login_as(user=world["derm"])
    response = _upload(client, world["draft"].id, data, filename=filename)
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    assert _stored(app) == []


def test_photos_need_photo_consent(app, login_as):
    derm = make_user("dermatologist")
    patient = make_patient()
    make_consent(patient, procedure())
    draft = recorded_session(patient, derm)
    db.session.commit()
    client, _ = login_as(user=derm)
    response = _upload(client, draft.id, jpeg_with_gps())
    assert "no valid photo consent" in response.text
    assert _stored(app) == []


def test_signed_sessions_take_no_photos(app, world, login_as):
    client, _ = login_as(user=world["derm"])
    response = _upload(client, world["signed"].id, jpeg_with_gps())
    assert "signed and read-only" in response.text
    assert _stored(app) == []


def test_roles_and_scope(app, world, login_as):
    client, _ = login_as(user=world["derm"])
    _upload(client, world["draft"].id, jpeg_with_gps())
    photo = db.session.scalar(sa.select(Photo))
    urls = [
        ("get", f"/photos/{photo.id}"),
        ("get", f"/patients/{world['patient'].id}/photos"),
        ("post", f"/treatments/{world['draft'].id}/photos"),
    ]
    for role in ("patient", "admin"):
        other, _ = login_as(role)
        for method, url in urls:
            assert _call(other, method, url).status_code == 403, (role, url)
    outsider, _ = login_as("dermatologist", clinic=make_clinic("Elsewhere"))
    for method, url in urls:
        assert _call(outsider, method, url).status_code == 404, url
    assistant, _ = login_as("aesthetician")
    assert assistant.get(f"/photos/{photo.id}").status_code == 200


def test_side_by_side_comparison_and_other_patients_photo(app, world, login_as):
    client, derm = login_as(user=world["derm"])
    _upload(client, world["draft"].id, jpeg_with_gps(), phase="before")
    _upload(client, world["draft"].id, jpeg_with_gps(), phase="after")
    first, second = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    page = client.get(f"/patients/{world['patient'].id}/photos?left={first.id}&right={second.id}")
    assert page.status_code == 200 and page.text.count(f"/photos/{first.id}") >= 1
    assert f'src="/photos/{second.id}"' in page.text or f"/photos/{second.id}" in page.text
    other = make_patient()
    db.session.commit()
    assert client.get(f"/patients/{other.id}/photos?left={first.id}&right={second.id}").status_code == 404


def test_signature_covers_the_session_photos(app, world, login_as):
    from clinic.treatments.models import TreatmentSession
    from clinic.treatments.signing import sign_session, verify_signature

    client, derm = login_as(user=world["derm"])
    _upload(client, world["draft"].id, jpeg_with_gps())
    session = db.session.get(TreatmentSession, world["draft"].id)
    sign_session(session, world["derm"], loaded_version=session.version)
    db.session.commit()
    assert verify_signature(db.session.get(TreatmentSession, session.id))
    db.session.execute(sa.update(Photo).values(sha256="0" * 64))  # a photo swapped behind the app's back
    db.session.commit()
    db.session.expire_all()
    assert not verify_signature(db.session.get(TreatmentSession, session.id))


def test_missing_photo_consent_is_said_before_any_upload(app, world, login_as):
    """Issue 14 item 23: the session page and the photo page say the consent is missing, and offer no upload."""
    derm = world["derm"]
    patient = make_patient()
    make_consent(patient, procedure())
    draft = recorded_session(patient, derm)
    db.session.commit()
    client, _ = login_as(user=derm)
    page = client.get(f"/treatments/{draft.id}").text
    assert 'id="photo-consent-missing"' in page and "No valid photo consent." in page
    assert f'action="/treatments/{draft.id}/photos"' not in page
    assert 'id="photo-consent-missing"' in client.get(f"/patients/{patient.id}/photos").text
    with_consent = client.get(f"/treatments/{world['draft'].id}").text
    assert 'id="photo-consent-missing"' not in with_consent
    assert f'action="/treatments/{world["draft"].id}/photos"' in with_consent
    assert 'id="photo-consent-missing"' not in client.get(f"/patients/{world['patient'].id}/photos").text
