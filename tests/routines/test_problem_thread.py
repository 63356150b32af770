"""A reported problem reaches someone: inbox item and e-mail notice for the dermatologist, staff replies in
the thread, the patient reads the answer and gets a notice; all audited, no medical detail by e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.reminders.dispatcher import dispatch
from clinic.reminders.models import OutboxMessage
from clinic.routines.aftercare import apply_aftercare
from clinic.routines.problems import ProblemReply, ProblemReport
from tests.factories import make_clinic, make_patient, make_user
from tests.fixtures.mail import body_text
from tests.routines.factories import AGING_STEPS, make_routine, procedure

MESSAGE = "Redness and blistering on the left cheek since Tuesday"


def _ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _actions(patient_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.patient_id == patient_id)))


def test_report_reply_and_answer_end_to_end(login_as, app, mailbox):
    app.config["CLINIC_BASE_URL"] = "https://clinic.example.org"
    patient = make_patient(last_name="Reporter")
    make_user("dermatologist")  # the on-call dermatologist, not the treating one
    treating = make_user("dermatologist", full_name="Dr Treating")
    make_routine(patient, AGING_STEPS, starts_on=_ago(0).date())  # new bottles: no run-out reminder today
    apply_aftercare(patient, procedure(patient.clinic_id), _ago(2), user=treating)
    db.session.commit()
    portal, _ = login_as("patient", patient=patient)
    sent = portal.post("/portal/report-problem", data={"message": MESSAGE})  # the request's host: clinic.test
    assert sent.status_code == 302
    report = db.session.scalar(sa.select(ProblemReport))
    assert sent.location.endswith(f"/portal/problems/{report.id}") and report.dermatologist_id == treating.id

    (notice,) = _outbox("problem_report_notice")
    assert notice.recipient == treating.email and notice.user_id == treating.id
    assert notice.payload["link"] == f"https://clinic.example.org/routines/problems/{report.id}"
    assert "cheek" not in str(notice.payload) and patient.last_name not in str(notice.payload)

    derm, _ = login_as("dermatologist", user=treating)
    inbox = derm.get("/routines/inbox").text
    assert f"/routines/problems/{report.id}" in inbox and "New" in inbox
    aesthetician, _ = login_as("aesthetician")
    thread = aesthetician.get(f"/routines/problems/{report.id}")
    assert thread.status_code == 200 and MESSAGE in thread.text
    assert aesthetician.post(f"/routines/problems/{report.id}", data={"message": ""}).status_code == 422
    answered = aesthetician.post(
        f"/routines/problems/{report.id}", data={"message": "Please send a photo and stop the serum."}
    )
    assert answered.status_code == 302
    (reply_notice,) = _outbox("problem_reply_notice")
    assert reply_notice.recipient == patient.email and reply_notice.patient_id == patient.id
    assert "serum" not in str(reply_notice.payload)
    assert reply_notice.payload["link"] == f"https://clinic.example.org/portal/problems/{report.id}"

    page = portal.get(f"/portal/problems/{report.id}")
    assert "Please send a photo and stop the serum." in page.text and MESSAGE in page.text
    assert "1 reply from the clinic" in portal.get("/portal/problems").text
    follow_up = portal.post(f"/portal/problems/{report.id}", data={"message": "Photo attached at the desk."})
    assert follow_up.status_code == 302
    assert len(_outbox("problem_report_notice")) == 2  # the patient's follow-up notifies the dermatologist

    dispatch(_ago(-1))  # the aftercare check-ins fall due too, depending on the hour: only the thread counts here
    sent = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.status == "sent")).all()
    assert (
        sorted(k for k in sent if k.startswith("problem_")) == ["problem_reply_notice"] + ["problem_report_notice"] * 2
    )
    to_derm = [m for m in mailbox if m["To"] == treating.email]
    to_patient = [m for m in mailbox if m["To"] == patient.email and "replied" in m["Subject"]]
    assert len(to_derm) == 2 and to_derm[0]["Subject"] == "A patient has sent you a message"
    assert [m["Subject"] for m in to_patient] == ["Your clinic has replied to your message"]
    for message in to_derm + to_patient:
        text = body_text(message)
        assert "cheek" not in text and "serum" not in text and patient.last_name not in text
        assert "https://clinic.example.org/" in text and "clinic.test" not in text

    actions = _actions(patient.id)
    assert actions.count("problem.reply") == 2 and "problem.report" in actions
    assert actions.count("problem.view") >= 2  # the aesthetician's and the patient's views
    assert db.session.scalar(sa.select(sa.func.count(ProblemReply.id))) == 2


def test_on_call_dermatologist_when_nobody_treated_the_patient(login_as):
    patient = make_patient()
    on_call = make_user("dermatologist")
    db.session.commit()
    portal, _ = login_as("patient", patient=patient)
    assert portal.post("/portal/report-problem", data={"message": "Itching"}).status_code == 302
    assert db.session.scalar(sa.select(ProblemReport.dermatologist_id)) == on_call.id
    assert _outbox("problem_report_notice")[0].recipient == on_call.email


def test_wrong_patient_wrong_role_and_other_clinic(login_as):
    patient = make_patient()
    make_user("dermatologist")
    db.session.commit()
    portal, _ = login_as("patient", patient=patient)
    portal.post("/portal/report-problem", data={"message": "Itching"})
    report = db.session.scalar(sa.select(ProblemReport))
    other_patient, _ = login_as("patient")
    assert other_patient.get(f"/portal/problems/{report.id}").status_code == 404
    assert other_patient.post(f"/portal/problems/{report.id}", data={"message": "x"}).status_code == 404
    assert other_patient.get(f"/routines/problems/{report.id}").status_code == 403
    assert "Itching" not in other_patient.get("/portal/problems").text
    admin, _ = login_as("admin")
    assert admin.get(f"/routines/problems/{report.id}").status_code == 403
    assert admin.get(f"/portal/problems/{report.id}").status_code == 403
    elsewhere = make_clinic("Elsewhere")
    foreign_staff, _ = login_as("dermatologist", clinic=elsewhere)
    assert foreign_staff.get(f"/routines/problems/{report.id}").status_code == 404
    assert foreign_staff.post(f"/routines/problems/{report.id}", data={"message": "x"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ProblemReply.id))) == 0
    assert _outbox("problem_reply_notice") == []
