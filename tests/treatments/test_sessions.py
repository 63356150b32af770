"""Session services: pre-check gating, the record's validation, lots and stock, aftercare windows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from clinic.catalog.models import Product, ProductLot
from clinic.db import now_utc
from clinic.extensions import db
from clinic.treatments import precheck as pre
from clinic.treatments.errors import StaleSession
from clinic.treatments.models import SessionAftercare, SessionProduct, TreatmentSession
from clinic.treatments.services import ProductUse, SessionDetails, save_session
from clinic.treatments.windows import active_aftercare
from clinic.validation import Invalid
from tests.consents.factories import make_consent
from tests.factories import make_patient, make_user
from tests.treatments.factories import exosome_product, make_lot, make_session, procedure, recorded_session

TODAY = date.today()


@pytest.fixture
def derm(app):
    return make_user("dermatologist")


def _consented(**kwargs):
    patient = make_patient(**kwargs)
    make_consent(patient, procedure())
    return patient


def test_hard_stop_blocks_the_session(derm):
    patient = make_patient(history={"pregnant": True})
    with pytest.raises(pre.PrecheckBlocked) as blocked:
        pre.start_session(patient, procedure(), [], derm, {}, TODAY)
    assert [f.code for f in blocked.value.findings] == ["pregnancy"]
    assert db.session.scalar(sa.select(sa.func.count(TreatmentSession.id))) == 0


def test_ingredient_allergy_to_a_planned_product_blocks(derm):
    patient = _consented(allergies="Exosomes")
    with pytest.raises(pre.PrecheckBlocked):
        pre.start_session(patient, procedure(), [exosome_product()], derm, {}, TODAY)
    assert pre.start_session(patient, procedure(), [], derm, {}, TODAY).status == "draft"


def test_each_warning_needs_a_reason_which_is_kept(derm):
    patient = _consented(history={"isotretinoin": "current", "keloid_history": True})
    with pytest.raises(pre.OverridesMissing) as missing:
        pre.start_session(patient, procedure(), [], derm, {"keloid": "Discussed the scarring risk."}, TODAY)
    assert missing.value.codes == ["isotretinoin"]
    reasons = {"keloid": "Discussed the scarring risk.", "isotretinoin": "ASDS 2017: non-ablative is fine."}
    session = pre.start_session(patient, procedure(), [], derm, reasons, TODAY)
    kept = {f["code"]: f["override_reason"] for f in session.precheck["findings"]}
    assert kept == reasons
    assert session.precheck["history"]["isotretinoin"] == "current"


def test_confirming_history_stamps_who_and_when(derm):
    patient = make_patient()
    pre.confirm_history(patient, derm)
    assert patient.history.confirmed_by_id == derm.id
    assert patient.history.confirmed_at is not None


def test_no_history_cannot_be_screened(derm):
    from clinic.patients.services import PatientDetails, create_patient
    from tests.factories import default_clinic

    patient = create_patient(default_clinic(), PatientDetails("No", "History", date(1990, 1, 1)), audit=False)
    with pytest.raises(pre.NoHistory):
        pre.screen(patient, [], TODAY)


def _details(session, **changes) -> SessionDetails:
    fields = dict(
        started_at=session.started_at,
        ended_at=now_utc() - timedelta(minutes=1),
        areas=[("Cheeks", Decimal("1.0"))],
    )
    fields.update(changes)
    return SessionDetails(**fields)


def _save(session, derm, **changes):
    save_session(session, _details(session, **changes), loaded_version=session.version, user=derm)


@pytest.mark.parametrize(
    "changes, field",
    [
        (dict(areas=[("Cheeks", Decimal("0.2"))]), "areas-0-needle_depth_mm"),
        (dict(areas=[("Cheeks", Decimal("2.6"))]), "areas-0-needle_depth_mm"),
        (dict(areas=[("", Decimal("1.0"))]), "areas-0-area"),
        (dict(injection_sites=[("Vertex", Decimal("1.5"))]), "injection_sites-0-volume_ml"),
        (dict(injection_sites=[("Vertex", None)]), "injection_sites-0-volume_ml"),
        (dict(areas=[("Cheeks", Decimal("1.0"), 0)]), "areas-0-passes"),
        (dict(areas=[("Face", None, 2, 1550, Decimal("500"))]), "areas-0-laser_fluence_j_cm2"),
        (dict(injection_sites=[("Vertex", Decimal("0.1"), Decimal("9"))]), "injection_sites-0-depth_mm"),
        (dict(ended_at=now_utc() + timedelta(hours=2)), "ended_at"),
    ],
)
def test_out_of_range_values_are_refused_beside_their_field(derm, changes, field):
    session = make_session(make_patient(), derm)
    with pytest.raises(Invalid) as invalid:
        _save(session, derm, **changes)
    assert field in invalid.value.problems


def test_future_start_is_refused(derm):
    session = make_session(make_patient(), derm)
    future = now_utc() + timedelta(days=1)
    with pytest.raises(Invalid) as invalid:
        _save(session, derm, started_at=future, ended_at=None)
    assert "started_at" in invalid.value.problems


def test_depth_boundaries_are_accepted(derm):
    session = make_session(make_patient(), derm)
    _save(session, derm, areas=[("Forehead", Decimal("0.25")), ("Cheeks", Decimal("2.5"))])
    assert [a.needle_depth_mm for a in session.areas] == [Decimal("0.25"), Decimal("2.5")]


def test_injection_total_is_the_sum_of_sites(derm):
    session = make_session(make_patient(), derm, code="scalp_exosome_injection")
    _save(session, derm, areas=[], injection_sites=[("Vertex", Decimal("0.1")), ("Crown", Decimal("0.15"))])
    assert session.total_injection_ml == Decimal("0.25")


def _use(lot_number, product=None, volume="2", units=1):
    return [ProductUse((product or exosome_product()).id, lot_number, Decimal(volume), units)]


def test_lot_is_drawn_from_stock_and_returned_on_resave(derm):
    lot = make_lot(quantity=5)
    session = make_session(make_patient(), derm)
    _save(session, derm, products=_use(lot.lot_number, units=2))
    db.session.refresh(lot)
    assert lot.quantity_on_hand == 3
    _save(session, derm, products=_use(lot.lot_number, units=1))
    db.session.refresh(lot)
    assert lot.quantity_on_hand == 4
    assert len(session.products) == 1


@pytest.mark.parametrize("case", ["unknown", "expired", "other_product"])
def test_bad_lots_are_refused_and_nothing_is_saved(derm, case):
    from tests.treatments.factories import catalog

    catalog()
    other = db.session.scalar(sa.select(Product).filter_by(brand="Stripes"))
    lots = {
        "unknown": "NO-SUCH-LOT",
        "expired": make_lot(lot_number="OLD-1", expires_on=TODAY - timedelta(days=3)).lot_number,
        "other_product": make_lot(other, lot_number="STRIPES-1").lot_number,
    }
    session = make_session(make_patient(), derm)
    db.session.commit()
    with pytest.raises(Invalid) as invalid:
        _save(session, derm, products=_use(lots[case]), device="Should not be saved")
    db.session.rollback()
    assert "products-0-lot_number" in invalid.value.problems
    assert db.session.get(TreatmentSession, session.id).device is None
    assert db.session.scalar(sa.select(sa.func.count(SessionProduct.id))) == 0


def test_running_out_of_stock_is_refused_and_rolls_back(derm):
    lot = make_lot(quantity=1)
    session = make_session(make_patient(), derm)
    db.session.commit()
    with pytest.raises(Invalid) as invalid:
        _save(session, derm, products=_use(lot.lot_number, units=2))
    db.session.rollback()
    assert "only 1 unit" in invalid.value.problems["products-0-lot_number"]
    assert db.session.get(ProductLot, lot.id).quantity_on_hand == 1


def test_conditional_decrement_never_goes_below_zero(derm):
    from clinic.catalog.stock import OutOfStock, draw

    lot = make_lot(quantity=1)
    draw(lot, 1)
    with pytest.raises(OutOfStock):
        draw(lot, 1)
    assert db.session.get(ProductLot, lot.id).quantity_on_hand == 0


def test_a_stale_form_is_refused(derm):
    session = make_session(make_patient(), derm)
    loaded = session.version
    _save(session, derm)
    with pytest.raises(StaleSession):
        save_session(session, _details(session), loaded_version=loaded, user=derm)


def test_aftercare_windows_follow_the_session_end(derm):
    patient = make_patient()
    session = recorded_session(patient, derm)
    rows = {row.label: row for row in session.aftercare}
    retinoids = rows["No retinoids"]
    assert retinoids.action == "pause_tag" and retinoids.ingredient_tag == "retinoid"
    assert retinoids.starts_at == session.ended_at
    assert retinoids.ends_at - retinoids.starts_at == timedelta(hours=120)
    spf = rows["SPF 30+"]
    assert spf.starts_at == session.ended_at + timedelta(hours=24) and spf.step_slot == "am"
    active = active_aftercare(patient.id, session.ended_at + timedelta(hours=100))
    assert "No retinoids" in {a.label for a in active}
    assert "No makeup" not in {a.label for a in active}  # 48 h window is over
    assert db.session.scalar(sa.select(sa.func.count(SessionAftercare.id))) == len(session.aftercare)


def test_a_clinic_without_rule_rows_gets_the_defaults_not_an_open_door(derm):
    from clinic.catalog.models import ContraindicationRule
    from tests.factories import make_clinic

    clinic = make_clinic("Bare clinic")
    patient = make_patient(clinic, history={"pregnant": True})
    assert db.session.scalar(sa.select(ContraindicationRule.id).filter_by(clinic_id=clinic.id)) is None
    assert [f.code for f in pre.screen(patient, [], TODAY)] == ["pregnancy"]
