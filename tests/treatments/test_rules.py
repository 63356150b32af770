"""Every default contraindication rule: fires when it should, stays quiet when it should not, window edges."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pytest

from clinic.catalog.rules import DEFAULT_RULES, evaluate, hard_stops, missing_overrides, warnings
from clinic.patients.services import HistoryAnswers as History

TODAY = date(2026, 11, 26)


@dataclass
class Rule:
    code: str
    label: str
    severity: str
    window_months: int | None = None
    window_days: int | None = None
    threshold: int | None = None
    enabled: bool = True


@dataclass
class Patient:
    fitzpatrick: int | None = 2
    allergies: str | None = None

    @property
    def fitzpatrick_label(self) -> str:
        return "I II III IV V VI".split()[self.fitzpatrick - 1]


@dataclass
class Product:
    ingredients: str
    display_name: str = "DP Derm Exo-Skin"
    tags: list = field(default_factory=list)


RULES = [
    Rule(code, label, severity, months, days, threshold)
    for code, label, severity, months, days, threshold in DEFAULT_RULES
]


def codes(history=None, patient=None, products=(), rules=RULES, on=TODAY) -> set[str]:
    findings = evaluate(rules, history=history or History(), patient=patient or Patient(), products=products, on=on)
    return {f.code for f in findings}


def test_a_clean_history_raises_nothing():
    assert codes() == set()


@pytest.mark.parametrize(
    "history, code",
    [
        (History(active_infection=True), "active_infection"),
        (History(pregnant=True), "pregnancy"),
        (History(breastfeeding=True), "pregnancy"),
        (History(cancer_treatment=True), "cancer_treatment"),
        (History(anaesthetic_allergy=True), "anaesthetic_allergy"),
        (History(open_wound=True), "open_wound"),
    ],
)
def test_hard_stops_fire_and_block(history, code):
    findings = evaluate(RULES, history=history, patient=Patient(), products=(), on=TODAY)
    assert [f.code for f in hard_stops(findings)] == [code]
    assert warnings(findings) == []


@pytest.mark.parametrize(
    "history, code",
    [
        (History(isotretinoin="current"), "isotretinoin"),
        (History(anticoagulants=True), "bleeding_risk"),
        (History(bleeding_disorder=True), "bleeding_risk"),
        (History(keloid_history=True), "keloid"),
        (History(diabetes="uncontrolled"), "uncontrolled_diabetes"),
        (History(skin_flare=True), "skin_flare"),
        (History(hsv_history=True), "hsv_without_prophylaxis"),
    ],
)
def test_flag_warnings_fire(history, code):
    findings = evaluate(RULES, history=history, patient=Patient(), products=(), on=TODAY)
    assert [f.code for f in warnings(findings)] == [code]
    assert hard_stops(findings) == []


@pytest.mark.parametrize(
    "history",
    [
        History(diabetes="controlled"),
        History(hsv_history=True, hsv_prophylaxis=True),
        History(isotretinoin="never"),
    ],
)
def test_flag_warnings_stay_quiet_when_answer_is_safe(history):
    assert codes(history) == set()


@pytest.mark.parametrize(
    "stopped_on, fires",
    [
        (date(2026, 5, 27), True),  # 5 months 30 days ago: inside 6 months
        (date(2026, 5, 26), False),  # exactly 6 months ago: the window has passed
        (date(2025, 1, 1), False),
        (None, True),  # stopped on an unknown date: warn rather than guess
    ],
)
def test_isotretinoin_stopped_window(stopped_on, fires):
    history = History(isotretinoin="stopped", isotretinoin_stopped_on=stopped_on)
    assert ("isotretinoin" in codes(history)) is fires


@pytest.mark.parametrize(
    "field_name, code, inside, outside",
    [
        ("filler_on", "filler_or_surgery", date(2025, 11, 27), date(2025, 11, 26)),
        ("surgery_on", "filler_or_surgery", date(2025, 11, 27), date(2025, 11, 26)),
        ("neuromodulator_on", "neuromodulator", date(2026, 8, 27), date(2026, 8, 26)),
        ("deep_peel_on", "deep_peel", date(2026, 10, 28), date(2026, 10, 27)),
    ],
)
def test_dated_windows_and_their_boundary(field_name, code, inside, outside):
    assert code in codes(History(**{field_name: inside}))
    assert code not in codes(History(**{field_name: outside}))


def test_window_follows_the_clinic_setting():
    rules = [replace(r, window_months=1) if r.code == "isotretinoin" else r for r in RULES]
    history = History(isotretinoin="stopped", isotretinoin_stopped_on=date(2026, 9, 1))
    assert "isotretinoin" in codes(history)
    assert "isotretinoin" not in codes(history, rules=rules)


@pytest.mark.parametrize("fitzpatrick, fires", [(3, False), (4, True), (5, True), (6, True), (None, False)])
def test_fitzpatrick_iv_to_vi_warns(fitzpatrick, fires):
    assert ("fitzpatrick_pih" in codes(patient=Patient(fitzpatrick=fitzpatrick))) is fires


@pytest.mark.parametrize(
    "allergies, fires",
    [
        ("Vitamin E", True),
        ("penicillin, VITAMIN e", True),
        ("latex; bergamot", True),
        ("Penicillin", False),
        (None, False),
    ],
)
def test_ingredient_allergy_is_case_insensitive(allergies, fires):
    product = Product(ingredients="Exosomes, vitamin E, bergamot fruit oil")
    assert ("ingredient_allergy" in codes(patient=Patient(allergies=allergies), products=[product])) is fires


def test_ingredient_allergy_needs_a_whole_word():
    product = Product(ingredients="Glycerin, ceramides")
    assert "ingredient_allergy" not in codes(patient=Patient(allergies="cera"), products=[product])
    assert "ingredient_allergy" in codes(patient=Patient(allergies="ceramides"), products=[product])


def test_ingredient_allergy_without_products_is_quiet():
    assert "ingredient_allergy" not in codes(patient=Patient(allergies="exosomes"))


def test_disabled_rules_do_not_run_and_severity_is_the_clinics():
    rules = [replace(r, enabled=False) if r.code == "keloid" else r for r in RULES]
    assert codes(History(keloid_history=True), rules=rules) == set()
    rules = [replace(r, severity="hard_stop") if r.code == "keloid" else r for r in RULES]
    findings = evaluate(rules, history=History(keloid_history=True), patient=Patient(), products=(), on=TODAY)
    assert [f.code for f in hard_stops(findings)] == ["keloid"]


def test_every_default_rule_has_a_check():
    from clinic.catalog.rules import CHECKS

    assert {code for code, *_ in DEFAULT_RULES} == set(CHECKS)


def test_override_reasons_are_required_per_warning():
    findings = evaluate(
        RULES,
        history=History(keloid_history=True, isotretinoin="current"),
        patient=Patient(),
        products=(),
        on=TODAY,
    )
    assert sorted(missing_overrides(findings, {})) == ["isotretinoin", "keloid"]
    assert missing_overrides(findings, {"isotretinoin": "ok", "keloid": "Discussed scarring risk."}) == ["isotretinoin"]
    assert (
        missing_overrides(
            findings,
            {
                "isotretinoin": "ASDS 2017: no delay needed for non-ablative.",
                "keloid": "Discussed scarring risk.",
            },
        )
        == []
    )


def test_hard_stops_come_first():
    findings = evaluate(
        RULES, history=History(keloid_history=True, pregnant=True), patient=Patient(), products=(), on=TODAY
    )
    assert [f.severity for f in findings] == ["hard_stop", "warn"]


def test_reasons_read_well():
    findings = evaluate(
        RULES,
        history=History(filler_on=date(2026, 3, 5), pregnant=True),
        patient=Patient(),
        products=(),
        on=TODAY,
    )
    reasons = {f.code: f.reason for f in findings}
    assert reasons["filler_or_surgery"] == "Filler on 05 Mar 2026, within 12 months."
    assert reasons["pregnancy"] == "Pregnant."
