"""SMS: one-segment GSM-7 texts without medical details, a Twilio-compatible adapter against a local fake
provider (exactly once with 4 dispatchers, retries on 429/5xx only, timeouts), signed status callbacks and
STOP/START replies."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from clinic.config import check_production
from clinic.extensions import db
from clinic.reminders.channels.sms import STOP_FOOTER, compose, septets, split_gsm7, to_gsm7
from clinic.reminders.dispatcher import dispatch, send_due
from clinic.reminders.models import OutboxMessage, ReminderOptIn, ReminderPreference
from clinic.reminders.outbox import enqueue
from clinic.reminders.webhooks import sign
from tests.reminders.helpers import patient_with_routine

PM_LONDON = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
TOKEN = "test-sms-token"


def _rows(channel: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return list(db.session.scalars(query))


def _sms_patient(number: str, topics=("routine", "appointment")):
    patient, routine = patient_with_routine("Europe/London")
    db.session.add(ReminderPreference(patient_id=patient.id, channel="sms", enabled=True, address=number))
    for topic in topics:
        db.session.add(ReminderOptIn(patient_id=patient.id, channel="sms", topic=topic, wanted=True))
    db.session.commit()
    return patient, routine


def _appointment_sms(patient, n: int, due=PM_LONDON - timedelta(minutes=5)) -> None:
    enqueue(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="appointment_reminder",
        channel="sms",
        dedupe_key=f"appt:{n}:remind:24h:20261127T1000Z:sms",
        recipient=f"+4479111234{n:02d}",
        due_at=due,
        payload={
            "hours_before": "24h",
            "local_time": "Friday 27 November 2026, 10:00 GMT",
            "clinic_name": "Lumen Skin Clinic",
            "patient_first_name": patient.first_name,
        },
    )


# --- composing ----------------------------------------------------------------------------------------------


def test_texts_fit_one_gsm7_segment_and_say_how_to_stop():
    text = compose(
        "Lumen Skin Clinic: reminder of your appointment tomorrow, Wednesday 30 September 2026, "
        "10:00 GMT. Please arrive ten minutes early and bring your photo ID and your insurance card."
    )
    assert text.endswith(" " + STOP_FOOTER) and septets(text) <= 160 and "..." in text
    assert compose("Caf\u00e9 \u2019quoted\u2019 \u2014 ok") == "Café 'quoted' - ok " + STOP_FOOTER
    assert to_gsm7("Ĉ") == "?"  # nothing outside GSM-7 survives, so a text never falls back to UCS-2


def test_long_texts_split_at_gsm7_segment_boundaries():
    assert split_gsm7("a" * 160) == ["a" * 160]
    parts = split_gsm7("a" * 161)
    assert [len(p) for p in parts] == [153, 8]
    escaped = "a" * 152 + "€" + "b" * 20  # € takes two septets: it must not be cut from its escape
    parts = split_gsm7(escaped)
    assert parts[0] == "a" * 152 and parts[1].startswith("€") and "".join(parts) == escaped
    assert all(septets(p) <= 153 for p in parts)


# --- sending through the fake provider ------------------------------------------------------------------------


def test_sms_routine_reminder_reaches_the_provider_once_without_medical_details(sms_provider, mailbox):
    patient, _ = _sms_patient("+447911123456")
    result = dispatch(PM_LONDON)
    assert result.planned == 2 and result.sent == 2  # e-mail and SMS
    (request,) = sms_provider.requests
    form = request["form"]
    assert (form["To"], form["From"]) == ("+447911123456", "+15005550006")
    assert form["Body"] == "Your PM routine: 2 steps to do today. Open your clinic portal to see them. " + STOP_FOOTER
    assert "Retinol" not in form["Body"] and "Serum" not in form["Body"]
    assert form["StatusCallback"] == "http://clinic.test/reminders/sms/status"
    assert request["headers"]["Authorization"].startswith("Basic ")
    (row,) = _rows("sms")
    assert row.status == "sent" and row.message_id == sms_provider.delivered[f"outbox-{row.id}"]["sid"]
    assert len(mailbox) == 1


def test_4xx_is_never_retried_5xx_and_429_are(sms_provider):
    patient, _ = _sms_patient("+447911123456", topics=("appointment",))
    db.session.add(ReminderOptIn(patient_id=patient.id, channel="email", topic="routine", wanted=False))
    _appointment_sms(patient, 1)
    db.session.commit()
    sms_provider.script[:] = [400]
    result = send_due(PM_LONDON)
    assert result.failed == 1 and len(sms_provider.requests) == 1
    (row,) = _rows("sms")
    assert (row.status, row.attempts) == ("pending", 1) and "400" in row.last_error
    sms_provider.script[:] = [500, 429, 503]
    result = send_due(PM_LONDON + timedelta(minutes=2))  # after the backoff
    assert result.sent == 1 and len(sms_provider.requests) == 1 + 4  # three refusals, then accepted
    assert sms_provider.accepted == [f"outbox-{row.id}"]
    assert _rows("sms")[0].status == "sent"


def test_a_timeout_is_retried_later_and_the_provider_keeps_one_copy(sms_provider, app):
    patient, _ = _sms_patient("+447911123456", topics=("appointment",))
    _appointment_sms(patient, 1)
    db.session.commit()
    app.config["SMS_TIMEOUT"] = 0.3
    sms_provider.timeout_sleep = 1.0
    sms_provider.script[:] = ["timeout"]
    assert send_due(PM_LONDON).failed == 1  # gave up waiting; the row waits for its backoff
    (row,) = _rows("sms")
    assert row.status == "pending" and "Timeout" in row.last_error
    assert send_due(PM_LONDON + timedelta(minutes=2)).sent == 1
    assert len(sms_provider.requests) == 2 and len(sms_provider.delivered) == 1  # same Idempotency-Key


@pytest.fixture
def many_sms(app):
    for n in range(8):
        patient, _ = _sms_patient(f"+4479111234{n:02d}")
        _appointment_sms(patient, n)
    db.session.commit()


def test_four_dispatchers_send_each_sms_exactly_once(app, sms_provider, mailbox, many_sms):
    sms_provider.script[:] = [500, 429]  # two retries in the mix
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                dispatch(PM_LONDON, worker=f"dispatcher-{n}")
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    sms = _rows("sms")
    assert len(sms) == 16 and {r.status for r in sms} == {"sent"}  # 8 routine + 8 appointment
    assert sorted(sms_provider.accepted) == sorted(f"outbox-{r.id}" for r in sms)  # each exactly once
    assert len(sms_provider.requests) == 16 + 2
    assert len(mailbox) == 8  # the e-mail routine reminders, once each


# --- webhooks ---------------------------------------------------------------------------------------------------


def _signed_post(client, path: str, form: dict, token: str = TOKEN):
    url = f"http://clinic.test{path}"
    return client.post(path, data=form, headers={"X-Twilio-Signature": sign(url, form, token)}, csrf=False)


def test_signed_status_callbacks_update_the_outbox_row(client, sms_provider):
    patient, _ = _sms_patient("+447911123456", topics=("appointment",))
    _appointment_sms(patient, 1)
    db.session.commit()
    send_due(PM_LONDON)
    (row,) = _rows("sms")
    form = {"MessageSid": row.message_id, "MessageStatus": "delivered"}
    assert _signed_post(client, "/reminders/sms/status", form, token="wrong").status_code == 403
    assert _rows("sms")[0].delivery_status is None
    assert _signed_post(client, "/reminders/sms/status", form).status_code == 204
    assert _rows("sms")[0].delivery_status == "delivered"
    failed = {"MessageSid": row.message_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert _signed_post(client, "/reminders/sms/status", failed).status_code == 204
    assert _rows("sms")[0].last_error == "delivery undelivered (error 30003)"


def test_stop_and_start_replies_change_the_sms_opt_in(client, sms_provider):
    patient, _ = _sms_patient("+447911123456", topics=("appointment",))
    _appointment_sms(patient, 1, due=PM_LONDON)
    db.session.commit()
    assert (
        client.post("/reminders/sms/inbound", data={"From": "+447911123456", "Body": "STOP"}, csrf=False).status_code
        == 403
    )  # unsigned
    stop = {"From": "+447911123456", "Body": " Stop "}
    assert _signed_post(client, "/reminders/sms/inbound", stop).status_code == 200
    db.session.expire_all()
    row = db.session.get(ReminderPreference, (patient.id, "sms"))
    assert (row.enabled, row.consent_source) == (False, "sms")
    result = send_due(PM_LONDON)
    assert result.cancelled == 1 and sms_provider.requests == []  # queued before STOP, not sent after it
    assert _signed_post(client, "/reminders/sms/inbound", {"From": "+447911123456", "Body": "START"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(ReminderPreference, (patient.id, "sms")).enabled is True


def test_production_refuses_twilio_without_credentials():
    base = {
        "ENV_NAME": "production",
        "SECRET_KEY": "k3J9-qPz_7vXw2Lr8TmN4yBc6HdG1sFa0eUo5iQ",
        "CLINIC_BASE_URL": "https://clinic.example.org",
        "SMS_BACKEND": "twilio",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    with pytest.raises(RuntimeError, match="SMS_AUTH_TOKEN"):
        check_production({**base, "SMS_ACCOUNT_SID": "AC1", "SMS_FROM": "+15005550006"})
    check_production({**base, "SMS_ACCOUNT_SID": "AC1", "SMS_AUTH_TOKEN": "t", "SMS_FROM": "+15005550006"})
