"""Signed consents and signature images for tests."""

from __future__ import annotations

import base64
import io

import sqlalchemy as sa
from PIL import Image, ImageDraw

from clinic.clinics.models import Clinic
from clinic.consents.models import Consent, ConsentForm
from clinic.consents.services import digest, render_text, sign_consent
from clinic.extensions import db
from tests.treatments.factories import catalog


def signature_data_url(*, blank: bool = False, size=(600, 200), fmt: str = "PNG") -> str:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(40, 150), (200, 40), (320, 160), (560, 60)], fill=(20, 20, 20, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def consent_form(procedure=None, kind: str = "treatment", clinic=None, language: str = "en") -> ConsentForm:
    clinic = catalog(clinic)
    query = sa.select(ConsentForm).filter_by(clinic_id=clinic.id, kind=kind, language=language)
    if procedure is not None:
        query = query.filter_by(procedure_id=procedure.id)
    return db.session.scalars(query.order_by(ConsentForm.version.desc())).first()


def make_consent(patient, procedure, witness=None, language: str = "en") -> Consent:
    form = consent_form(procedure, clinic=db.session.get(Clinic, patient.clinic_id), language=language)
    return sign_consent(
        patient,
        form,
        signer_name=patient.full_name,
        signature_data_url=signature_data_url(),
        witness=witness,
        ip="127.0.0.1",
        text_digest=digest(render_text(form)),
    )


def make_photo_consent(patient, witness=None) -> Consent:
    form = consent_form(kind="photo", clinic=db.session.get(Clinic, patient.clinic_id))
    return sign_consent(
        patient,
        form,
        signer_name=patient.full_name,
        signature_data_url=signature_data_url(),
        witness=witness,
        ip="127.0.0.1",
        text_digest=digest(render_text(form)),
    )
