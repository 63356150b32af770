""" "Who received lot X" and its CSV export (admins and dermatologists; every patient listed is audited)."""

from __future__ import annotations

import io

from flask import Response, render_template

from clinic.access import role_required
from clinic.catalog.access import get_catalog_row
from clinic.catalog.models import ProductLot
from clinic.exports import CsvWriter
from clinic.roles import Role
from clinic.treatments import recalls as services
from clinic.treatments.views.blueprint import bp


@bp.get("/admin/catalog/lots/<int:lot_id>/patients")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def lot_patients(lot_id: int):
    lot = get_catalog_row(ProductLot, lot_id)
    recipients = services.lot_recipients(lot)
    services.audit_recall(lot, recipients, "lot.recall_view")
    return render_template("treatments/lot_patients.html", lot=lot, recipients=recipients)


@bp.get("/admin/catalog/lots/<int:lot_id>/patients.csv")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def lot_patients_csv(lot_id: int):
    lot = get_catalog_row(ProductLot, lot_id)
    recipients = services.lot_recipients(lot)
    services.audit_recall(lot, recipients, "lot.recall_export")
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(
        [
            "record_number",
            "last_name",
            "first_name",
            "email",
            "phone",
            "session_id",
            "session_utc",
            "volume_ml",
            "lot_number",
            "product",
        ]
    )
    for r in recipients:
        writer.writerow(
            (
                r.patient.record_number,
                r.patient.last_name,
                r.patient.first_name,
                r.patient.email,
                r.patient.phone,
                r.session_id,
                r.started_at.isoformat(),
                r.volume_ml,
                lot.lot_number,
                lot.product.display_name,
            )
        )
    filename = f"lot-{lot.id}-recipients.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
