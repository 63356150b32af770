"""The contraindication rules engine: pure functions of (rules, history, patient, products, date).

Each rule row (catalog.models.ContraindicationRule) names a check by `code`; the clinic sets its label,
severity, whether it runs and its window. Nothing here touches the database, so every rule is unit-tested
with plain objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta


class RuleLike(Protocol):
    code: str
    label: str
    severity: str
    enabled: bool
    window_months: int | None
    window_days: int | None
    threshold: int | None


@dataclass(frozen=True)
class Finding:
    """One rule that fired: `reason` says why, in words a dermatologist reads at the pre-check."""

    code: str
    label: str
    severity: str  # hard_stop | warn
    reason: str

    @property
    def is_hard_stop(self) -> bool:
        return self.severity == "hard_stop"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    history: Any  # patients.models.MedicalHistory (or anything with its attributes)
    patient: Any  # patients.models.Patient
    products: tuple[Any, ...]  # catalog.models.Product planned for the session
    on: date


Check = Callable[[RuleLike, Context], str | None]

# code, label, severity, window_months, window_days, threshold: DOMAIN.md's defaults.
DEFAULT_RULES: list[tuple[str, str, str, int | None, int | None, int | None]] = [
    ("active_infection", "Active infection in the treatment area", "hard_stop", None, None, None),
    ("pregnancy", "Pregnancy or breastfeeding", "hard_stop", None, None, None),
    ("cancer_treatment", "Current chemotherapy or radiotherapy", "hard_stop", None, None, None),
    ("anaesthetic_allergy", "Allergy to the anaesthetic", "hard_stop", None, None, None),
    ("ingredient_allergy", "Allergy to an ingredient of a planned product", "hard_stop", None, None, None),
    ("open_wound", "Open wound in the treatment area", "hard_stop", None, None, None),
    ("isotretinoin", "Isotretinoin now or within the window", "warn", 6, None, None),
    ("bleeding_risk", "Anticoagulants or a bleeding disorder", "warn", None, None, None),
    ("keloid", "Keloid or hypertrophic scarring history", "warn", None, None, None),
    ("uncontrolled_diabetes", "Uncontrolled diabetes", "warn", None, None, None),
    ("skin_flare", "Active acne, eczema, psoriasis or rosacea flare in the area", "warn", None, None, None),
    ("filler_or_surgery", "Filler or surgery in the area within the window", "warn", 12, None, None),
    ("neuromodulator", "Neuromodulator within the window", "warn", 3, None, None),
    ("deep_peel", "Deep peel within the window", "warn", None, 30, None),
    (
        "hsv_without_prophylaxis",
        "Cold-sore (HSV) history without antiviral prophylaxis",
        "warn",
        None,
        None,
        None,
    ),
    (
        "fitzpatrick_pih",
        "Fitzpatrick IV–VI: risk of post-inflammatory hyperpigmentation",
        "warn",
        None,
        None,
        4,
    ),
]


def _within(happened_on: date | None, rule: RuleLike, on: date) -> bool:
    """True if `happened_on` lies inside the rule's window before `on` (the window's last day excluded)."""
    if happened_on is None:
        return False
    start = on - relativedelta(months=rule.window_months or 0, days=rule.window_days or 0)
    return happened_on > start


def _window_text(rule: RuleLike) -> str:
    parts = []
    if rule.window_months:
        parts.append(f"{rule.window_months} months")
    if rule.window_days:
        parts.append(f"{rule.window_days} days")
    return " and ".join(parts) or "0 days"


def _sentence(text: str) -> str:
    """First letter upper case, the rest untouched (str.capitalize would turn "Nov" into "nov")."""
    return text[:1].upper() + text[1:]


def _when(predicate: Callable[[Context], bool], text: str) -> Check:
    def check(rule: RuleLike, ctx: Context) -> str | None:  # noqa: ARG001
        return text if predicate(ctx) else None

    return check


def _pregnancy(rule: RuleLike, ctx: Context) -> str | None:  # noqa: ARG001
    states = [name for name in ("pregnant", "breastfeeding") if getattr(ctx.history, name)]
    return _sentence(" and ".join(states)) + "." if states else None


def _isotretinoin(rule: RuleLike, ctx: Context) -> str | None:
    h = ctx.history
    if h.isotretinoin == "current":
        return "Currently taking isotretinoin."
    if h.isotretinoin == "stopped":
        if h.isotretinoin_stopped_on is None:
            return "Stopped isotretinoin on an unknown date."
        if _within(h.isotretinoin_stopped_on, rule, ctx.on):
            return f"Stopped isotretinoin on {h.isotretinoin_stopped_on:%d %b %Y}, within {_window_text(rule)}."
    return None


def _dated(*fields: str) -> Check:
    def check(rule: RuleLike, ctx: Context) -> str | None:
        hits = [
            f"{name.removesuffix('_on').replace('_', ' ')} on {getattr(ctx.history, name):%d %b %Y}"
            for name in fields
            if _within(getattr(ctx.history, name), rule, ctx.on)
        ]
        return (_sentence("; ".join(hits)) + f", within {_window_text(rule)}.") if hits else None

    return check


def allergens(text: str | None) -> list[str]:
    """The allergy list as separate terms: split on commas, semicolons, slashes and new lines."""
    return [term.strip().lower() for term in re.split(r"[,;/\n]+", text or "") if len(term.strip()) >= 3]


def _ingredient_allergy(rule: RuleLike, ctx: Context) -> str | None:  # noqa: ARG001
    hits = []
    for product in ctx.products:
        ingredients = (product.ingredients or "").lower()
        for term in allergens(ctx.patient.allergies):
            if re.search(rf"\b{re.escape(term)}\b", ingredients):
                hits.append(f"{term} in {product.display_name}")
    return ("Allergy: " + "; ".join(hits) + ".") if hits else None


def _fitzpatrick(rule: RuleLike, ctx: Context) -> str | None:
    lowest = rule.threshold or 4
    value = ctx.patient.fitzpatrick
    if value is not None and value >= lowest:
        return f"Fitzpatrick type {ctx.patient.fitzpatrick_label}: use conservative settings."
    return None


CHECKS: dict[str, Check] = {
    "active_infection": _when(lambda c: c.history.active_infection, "Active infection reported."),
    "pregnancy": _pregnancy,
    "cancer_treatment": _when(lambda c: c.history.cancer_treatment, "Current chemotherapy or radiotherapy."),
    "anaesthetic_allergy": _when(lambda c: c.history.anaesthetic_allergy, "Allergy to the anaesthetic."),
    "ingredient_allergy": _ingredient_allergy,
    "open_wound": _when(lambda c: c.history.open_wound, "Open wound in the area."),
    "isotretinoin": _isotretinoin,
    "bleeding_risk": _when(
        lambda c: c.history.anticoagulants or c.history.bleeding_disorder,
        "Anticoagulants or a bleeding disorder.",
    ),
    "keloid": _when(lambda c: c.history.keloid_history, "Keloid or hypertrophic scarring history."),
    "uncontrolled_diabetes": _when(lambda c: c.history.diabetes == "uncontrolled", "Diabetes is uncontrolled."),
    "skin_flare": _when(lambda c: c.history.skin_flare, "Active skin flare in the area."),
    "filler_or_surgery": _dated("filler_on", "surgery_on"),
    "neuromodulator": _dated("neuromodulator_on"),
    "deep_peel": _dated("deep_peel_on"),
    "hsv_without_prophylaxis": _when(
        lambda c: c.history.hsv_history and not c.history.hsv_prophylaxis,
        "Cold-sore history and no antiviral prophylaxis.",
    ),
    "fitzpatrick_pih": _fitzpatrick,
}
RULE_CODES: dict[str, str] = {code: label for code, label, *_ in DEFAULT_RULES}


def evaluate(
    rules: Iterable[RuleLike], *, history: Any, patient: Any, products: Iterable[Any], on: date
) -> list[Finding]:
    """Every enabled rule that fires, hard stops first. Unknown codes are ignored (never guessed at)."""
    ctx = Context(history=history, patient=patient, products=tuple(products), on=on)
    findings = []
    for rule in rules:
        check = CHECKS.get(rule.code)
        if not rule.enabled or check is None:
            continue
        reason = check(rule, ctx)
        if reason:
            findings.append(Finding(code=rule.code, label=rule.label, severity=rule.severity, reason=reason))
    return sorted(findings, key=lambda f: (not f.is_hard_stop,))


#: Home-product rules: the same rule rows (label, severity, window) as the pre-check, but each fires only
#: when the product carries one of these ingredient tags (an allergy fires on any listed ingredient).
HOME_RULE_TAGS: dict[str, frozenset[str]] = {
    "pregnancy": frozenset({"retinoid", "hydroquinone", "bha"}),
    "isotretinoin": frozenset({"retinoid", "aha", "bha"}),
    "skin_flare": frozenset({"aha", "bha"}),
}
HOME_RULE_CODES = ("ingredient_allergy", *HOME_RULE_TAGS)


def _tag_words(tags: Iterable[str]) -> str:
    return ", ".join(sorted(t.replace("_", " ") for t in tags))


def evaluate_home(rules: Iterable[RuleLike], *, history: Any, patient: Any, product: Any, on: date) -> list[Finding]:
    """The pre-check's rules over one home product: allergies against its ingredients, and pregnancy or
    breastfeeding, isotretinoin and an active flare against the ingredient tags listed in HOME_RULE_TAGS.
    No history on file means only the allergy list is read."""
    ctx = Context(history=history, patient=patient, products=(product,), on=on)
    tags = set(getattr(product, "tags", None) or ())
    findings = []
    for rule in rules:
        if not rule.enabled or rule.code not in HOME_RULE_CODES:
            continue
        if rule.code != "ingredient_allergy":
            hit = tags & HOME_RULE_TAGS[rule.code]
            if not hit or history is None:
                continue
        reason = CHECKS[rule.code](rule, ctx)
        if reason and rule.code != "ingredient_allergy":
            reason = f"{reason[:-1]}: {product.display_name} contains {_tag_words(hit)}."
        if reason:
            findings.append(Finding(code=rule.code, label=rule.label, severity=rule.severity, reason=reason))
    return sorted(findings, key=lambda f: (not f.is_hard_stop,))


def hard_stops(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_hard_stop]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.is_hard_stop]


def missing_overrides(findings: Iterable[Finding], reasons: dict[str, str], min_length: int = 5) -> list[str]:
    """Codes of warnings that still need a written override reason."""
    return [f.code for f in warnings(findings) if len((reasons.get(f.code) or "").strip()) < min_length]
