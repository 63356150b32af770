"""The dermatologist's safety inbox (recalls of lots their patients received, signals) and one signal with the
adverse events behind it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.services import record
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import Role
from clinic.safety.access import get_signal
from clinic.safety.inbox import items_for
from clinic.safety.models import AdverseEvent, InboxItem
from clinic.safety.views.blueprint import bp


@bp.get("/inbox")
@role_required(Role.DERMATOLOGIST)
def inbox():
    items = items_for(current_user)
    html = render_template("safety/inbox.html", items=items)
    db.session.execute(
        sa.update(InboxItem)
        .where(InboxItem.user_id == current_user.id, InboxItem.read_at.is_(None))
        .values(read_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    return html


@bp.get("/signals/<int:signal_id>")
@role_required(Role.DERMATOLOGIST)
def signal(signal_id: int):
    found = get_signal(signal_id)
    events = db.session.scalars(
        sa.select(AdverseEvent)
        .where(AdverseEvent.id.in_(found.event_ids), AdverseEvent.clinic_id == found.clinic_id)
        .options(selectinload(AdverseEvent.patient), selectinload(AdverseEvent.procedure))
        .order_by(AdverseEvent.onset_on, AdverseEvent.id)
    ).all()
    for event in events:
        record("adverse_event.view", patient_id=event.patient_id, object_type="adverse_event", object_id=event.id)
    return render_template("safety/signal.html", signal=found, events=events)
