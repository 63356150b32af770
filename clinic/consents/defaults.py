"""Default consent forms (DOMAIN.md): an exosome consent per procedure and a separate photo consent."""

from __future__ import annotations

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


def install_consent_forms(clinic: Clinic) -> None:
    """Add version 1 of each default form the clinic does not have yet."""
    have = set(
        db.session.execute(
            sa.select(ConsentForm.kind, ConsentForm.procedure_id).where(ConsentForm.clinic_id == clinic.id)
        ).tuples()
    )
    procedures = db.session.scalars(sa.select(Procedure).where(Procedure.clinic_id == clinic.id).order_by(Procedure.id))
    for procedure in procedures:
        if ("treatment", procedure.id) not in have:
            body = (
                EXOSOME_BODY.replace("{procedure}", procedure.name)
                .replace("{clinic}", clinic.name)
                .replace("{clinic_phone}", clinic.phone or "the clinic's number")
            )
            db.session.add(
                ConsentForm(
                    clinic_id=clinic.id,
                    kind="treatment",
                    procedure_id=procedure.id,
                    title=f"Consent: {procedure.name}",
                    body=body,
                )
            )
    if ("photo", None) not in have:
        db.session.add(
            ConsentForm(
                clinic_id=clinic.id,
                kind="photo",
                title="Consent: clinical photographs",
                body=PHOTO_BODY.replace("{clinic}", clinic.name),
            )
        )


register_defaults(install_consent_forms)
