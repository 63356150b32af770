"""The pre-check's rules engine over home products (catalog.rules.evaluate_home): each rule at its edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from clinic.catalog.rules import evaluate_home, hard_stops, warnings
from clinic.patients.services import HistoryAnswers as History
from tests.treatments.test_rules import RULES, Patient, Rule

TODAY = date(2026, 12, 8)


@dataclass
class Product:
    display_name: str
    ingredients: str = ""
    tags: list = field(default_factory=list)


STURM = Product(
    "Dr. Barbara Sturm Exoso-Metic Face Serum", "Exosomes, vitamin E, bergamot fruit oil", ["exosome", "bergamot"]
)
RETINOL = Product("Clinic Basics Retinol 0.3% Night Serum", "Retinol 0.3%, squalane", ["retinoid", "squalane"])
GLYCOLIC = Product("Clinic Basics Glycolic 7% Toner", "Glycolic acid 7%", ["aha"])
SALICYLIC = Product("Salicylic Gel", "Salicylic acid 2%", ["bha"])
PLATED = Product("Plated Skin Science Daily Serum", "Exosomes (platelet-derived)", ["exosome"])


def findings(product, history=None, patient=None, rules=RULES, on=TODAY):
    return evaluate_home(rules, history=history or History(), patient=patient or Patient(), product=product, on=on)


def test_bergamot_allergy_is_a_hard_stop_on_exoso_metic():
    found = findings(STURM, patient=Patient(allergies="penicillin, Bergamot"))
    assert [f.code for f in hard_stops(found)] == ["ingredient_allergy"]
    assert "bergamot in Dr. Barbara Sturm Exoso-Metic Face Serum" in found[0].reason


@pytest.mark.parametrize("allergies", ["bergamo", "bergamots", "be", None, "vitamin C"])
def test_allergy_matches_whole_terms_only(allergies):
    assert findings(STURM, patient=Patient(allergies=allergies)) == []


@pytest.mark.parametrize(
    "history, product, stops",
    [
        (History(pregnant=True), RETINOL, True),
        (History(breastfeeding=True), RETINOL, True),
        (History(pregnant=True), SALICYLIC, True),
        (History(pregnant=True), PLATED, False),  # no listed ingredient: exosome serums stay
        (History(pregnant=True), GLYCOLIC, False),  # glycolic acid is not on the pregnancy list
        (History(), RETINOL, False),
    ],
)
def test_pregnancy_and_breastfeeding_against_listed_ingredients(history, product, stops):
    found = findings(product, history=history)
    assert bool(hard_stops(found)) is stops
    if stops:
        assert found[0].code == "pregnancy" and "contains" in found[0].reason


@pytest.mark.parametrize(
    "history, product, warned",
    [
        (History(isotretinoin="current"), RETINOL, True),
        (History(isotretinoin="current"), GLYCOLIC, True),
        (History(isotretinoin="current"), SALICYLIC, True),
        (History(isotretinoin="current"), PLATED, False),
        # 6-month window: stopped 8 Jun 2026 is the window's first excluded day on 8 Dec 2026
        (History(isotretinoin="stopped", isotretinoin_stopped_on=date(2026, 6, 8)), RETINOL, False),
        (History(isotretinoin="stopped", isotretinoin_stopped_on=date(2026, 6, 9)), RETINOL, True),
        (History(isotretinoin="stopped", isotretinoin_stopped_on=None), GLYCOLIC, True),  # unknown date: warn
        (History(isotretinoin="never"), RETINOL, False),
    ],
)
def test_isotretinoin_in_the_last_six_months_against_acids_and_retinoids(history, product, warned):
    found = findings(product, history=history)
    assert [f.code for f in warnings(found)] == (["isotretinoin"] if warned else [])
    assert hard_stops(found) == []


@pytest.mark.parametrize("product, warned", [(GLYCOLIC, True), (SALICYLIC, True), (RETINOL, False), (PLATED, False)])
def test_active_flare_against_acids(product, warned):
    found = findings(product, history=History(skin_flare=True))
    assert [f.code for f in found] == (["skin_flare"] if warned else [])


def test_procedure_only_rules_never_fire_on_home_products():
    history = History(
        active_infection=True, open_wound=True, anticoagulants=True, hsv_history=True, cancer_treatment=True
    )
    assert findings(RETINOL, history=history, patient=Patient(fitzpatrick=6)) == []


def test_the_clinic_chooses_severity_and_can_switch_a_rule_off():
    rules = [Rule("skin_flare", "Flare", "hard_stop"), Rule("isotretinoin", "Iso", "warn", 6, enabled=False)]
    found = findings(GLYCOLIC, history=History(skin_flare=True, isotretinoin="current"), rules=rules)
    assert [(f.code, f.severity) for f in found] == [("skin_flare", "hard_stop")]


def test_no_history_on_file_reads_only_the_allergies():
    found = evaluate_home(RULES, history=None, patient=Patient(allergies="bergamot"), product=STURM, on=TODAY)
    assert [f.code for f in found] == ["ingredient_allergy"]
    assert evaluate_home(RULES, history=None, patient=Patient(), product=RETINOL, on=TODAY) == []
