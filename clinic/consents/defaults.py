"""Default consent forms (DOMAIN.md): an exosome consent per procedure and a separate photo consent, each in
English and in Spanish."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from clinic.catalog.defaults import register_defaults
from clinic.catalog.models import Procedure
from clinic.clinics.models import Clinic
from clinic.consents.models import ConsentForm
from clinic.extensions import db

EXOSOME_BODY = """I agree to {procedure} at {clinic}.

Exosome products: the U.S. Food and Drug Administration (FDA) stated in its safety notification of
6 December 2019, and again in a consumer alert in 2020, that there are no FDA-approved exosome products.
The exosome product used in my treatment is not FDA-approved for this use.

Source of the exosome product(s) used by the clinic: {product_sources}.

Expected effects include redness, swelling and pinpoint bleeding for a few days. Possible risks include
infection, pigment change, scarring, allergic reaction and cold-sore flare. Results vary and are not
guaranteed; several sessions are usually needed.

I have told the clinic about my medical history, medicines, allergies, pregnancy or breastfeeding, and
recent procedures, and will follow the aftercare instructions.

Reporting a problem: tell the clinic at once (phone {clinic_phone}, or "Report a problem" in the patient
portal). Adverse events can also be reported to the FDA's MedWatch program (www.fda.gov/medwatch,
1-800-FDA-1088).

This consent is valid for 12 months unless I revoke it earlier, which I may do at any time."""

PHOTO_BODY = """I agree that {clinic} takes clinical photographs of the treated areas before and after
treatment, to document my care and compare results. Photographs are kept in my clinical record, shown
only to clinic staff involved in my care, and never published or shared without a separate written
consent. Location data is removed from every photograph. I may revoke this consent at any time; photos
already taken remain part of my record."""


EXOSOME_BODY_ES = """Acepto recibir {procedure} en {clinic}.

Productos de exosomas: la Administración de Alimentos y Medicamentos de EE. UU. (FDA) declaró en su aviso de
seguridad del 6 de diciembre de 2019, y de nuevo en una alerta al consumidor en 2020, que no hay productos de
exosomas aprobados por la FDA. El producto de exosomas usado en mi tratamiento no está aprobado por la FDA para
este uso.

Origen de los productos de exosomas que usa la clínica: {product_sources}.

Los efectos esperados incluyen enrojecimiento, hinchazón y pequeños puntos de sangrado durante unos días. Los
riesgos posibles incluyen infección, cambios de pigmentación, cicatrices, reacción alérgica y brote de herpes
labial. Los resultados varían y no están garantizados; normalmente se necesitan varias sesiones.

He informado a la clínica de mis antecedentes médicos, medicamentos, alergias, embarazo o lactancia y
procedimientos recientes, y seguiré las instrucciones de cuidados posteriores.

Cómo informar de un problema: avise a la clínica de inmediato (teléfono {clinic_phone}, o "Informar de un
problema" en el portal del paciente). Los efectos adversos también pueden notificarse al programa MedWatch de
la FDA (www.fda.gov/medwatch, 1-800-FDA-1088).

Este consentimiento es válido durante 12 meses salvo que lo revoque antes, lo que puedo hacer en cualquier
momento."""

PHOTO_BODY_ES = """Acepto que {clinic} tome fotografías clínicas de las zonas tratadas antes y después del
tratamiento, para documentar mi atención y comparar resultados. Las fotografías se guardan en mi historia
clínica, solo las ve el personal de la clínica que participa en mi atención y nunca se publican ni se comparten
sin un consentimiento escrito aparte. Se eliminan los datos de ubicación de cada fotografía. Puedo revocar este
consentimiento en cualquier momento; las fotos ya tomadas siguen formando parte de mi historia."""


@dataclass(frozen=True)
class DefaultTexts:
    """The default consent texts in one language."""

    treatment_title: str
    treatment_body: str
    photo_title: str
    photo_body: str
    no_phone: str


#: Version 1 of every default form exists in each of these languages (the patient signs the one they read).
DEFAULT_TEXTS: dict[str, DefaultTexts] = {
    "en": DefaultTexts(
        "Consent: {procedure}", EXOSOME_BODY, "Consent: clinical photographs", PHOTO_BODY, "the clinic's number"
    ),
    "es": DefaultTexts(
        "Consentimiento: {procedure}",
        EXOSOME_BODY_ES,
        "Consentimiento: fotografías clínicas",
        PHOTO_BODY_ES,
        "el número de la clínica",
    ),
}


def install_consent_forms(clinic: Clinic) -> None:
    """Add version 1 of each default form, in each language, that the clinic does not have yet."""
    have = set(
        db.session.execute(
            sa.select(ConsentForm.kind, ConsentForm.procedure_id, ConsentForm.language).where(
                ConsentForm.clinic_id == clinic.id
            )
        ).tuples()
    )
    procedures = db.session.scalars(
        sa.select(Procedure).where(Procedure.clinic_id == clinic.id).order_by(Procedure.id)
    ).all()
    for language, texts in DEFAULT_TEXTS.items():
        for procedure in procedures:
            if ("treatment", procedure.id, language) not in have:
                body = (
                    texts.treatment_body.replace("{procedure}", procedure.name)
                    .replace("{clinic}", clinic.name)
                    .replace("{clinic_phone}", clinic.phone or texts.no_phone)
                )
                db.session.add(
                    ConsentForm(
                        clinic_id=clinic.id,
                        kind="treatment",
                        procedure_id=procedure.id,
                        language=language,
                        title=texts.treatment_title.replace("{procedure}", procedure.name),
                        body=body,
                    )
                )
        if ("photo", None, language) not in have:
            db.session.add(
                ConsentForm(
                    clinic_id=clinic.id,
                    kind="photo",
                    language=language,
                    title=texts.photo_title,
                    body=texts.photo_body.replace("{clinic}", clinic.name),
                )
            )


register_defaults(install_consent_forms)
