"""Printable documents, each as a print page and as a PDF: `/documents/sessions/<id>/aftercare[.pdf]`,
`/documents/consents/<id>[.pdf]` (clinical staff, and the patient for their own), and
`/documents/sessions/<id>/summary[.pdf]` (clinical staff). Every download, page or PDF, is audited."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from flask import Blueprint, render_template, send_file, url_for
from flask_babel import force_locale

from clinic.access import role_required
from clinic.audit.services import record
from clinic.consents.models import Consent
from clinic.i18n import default_language, reader_language
from clinic.interop.documents import access
from clinic.interop.documents.aftercare import aftercare_document
from clinic.interop.documents.consent import consent_document, consent_language
from clinic.interop.documents.model import Document
from clinic.interop.documents.pdf import render_pdf
from clinic.interop.documents.summary import summary_document
from clinic.roles import CLINICAL_STAFF, Role
from clinic.treatments.models import TreatmentSession

bp = Blueprint("documents", __name__, url_prefix="/documents")

STAFF_AND_PATIENT = (*CLINICAL_STAFF, Role.PATIENT)


def _deliver(build: Callable[[], Document], about: TreatmentSession | Consent, *, pdf_url: str | None, language: str):
    """The print page, or the PDF when `pdf_url` is None; audited either way as a download about the session
    or consent the document was made from. The document is written in `language` (its reader's), whatever
    the language of the page around it."""
    with force_locale(language):
        document = build()
        pdf = render_pdf(document) if pdf_url is None else None
    kind = "pdf" if pdf_url is None else "html"
    record(
        "document.download",
        patient_id=about.patient_id,
        object_type=about.__tablename__,
        object_id=about.id,
        detail=f"{document.kind} {kind}",
    )
    if pdf_url is None:
        return send_file(
            io.BytesIO(pdf),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"{document.file_stem}.pdf",
        )
    signature = (
        "data:image/png;base64," + base64.b64encode(document.signature_png).decode() if document.signature_png else None
    )
    return render_template(
        "documents/print.html", document=document, pdf_url=pdf_url, signature=signature, document_language=language
    )


@bp.get("/sessions/<int:session_id>/aftercare")
@role_required(*STAFF_AND_PATIENT)
def aftercare(session_id: int):
    session = access.ended_session(session_id)
    return _deliver(
        lambda: aftercare_document(session),
        session,
        pdf_url=url_for(".aftercare_pdf", session_id=session.id),
        language=reader_language(session.patient),
    )


@bp.get("/sessions/<int:session_id>/aftercare.pdf")
@role_required(*STAFF_AND_PATIENT)
def aftercare_pdf(session_id: int):
    session = access.ended_session(session_id)
    return _deliver(
        lambda: aftercare_document(session), session, pdf_url=None, language=reader_language(session.patient)
    )


@bp.get("/consents/<int:consent_id>")
@role_required(*STAFF_AND_PATIENT)
def consent(consent_id: int):
    signed = access.signed_consent(consent_id)
    return _deliver(
        lambda: consent_document(signed),
        signed,
        pdf_url=url_for(".consent_pdf", consent_id=signed.id),
        language=consent_language(signed),
    )


@bp.get("/consents/<int:consent_id>.pdf")
@role_required(*STAFF_AND_PATIENT)
def consent_pdf(consent_id: int):
    signed = access.signed_consent(consent_id)
    return _deliver(lambda: consent_document(signed), signed, pdf_url=None, language=consent_language(signed))


@bp.get("/sessions/<int:session_id>/summary")
@role_required(*CLINICAL_STAFF)
def summary(session_id: int):
    session = access.signed_session(session_id)
    return _deliver(
        lambda: summary_document(session),
        session,
        pdf_url=url_for(".summary_pdf", session_id=session.id),
        language=default_language(),
    )


@bp.get("/sessions/<int:session_id>/summary.pdf")
@role_required(*CLINICAL_STAFF)
def summary_pdf(session_id: int):
    session = access.signed_session(session_id)
    return _deliver(lambda: summary_document(session), session, pdf_url=None, language=default_language())
