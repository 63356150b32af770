"""DOMAIN.md's defaults as seed rows: the article's four products, a few everyday products that routines
need (cleanser, SPF, actives to pause), the four procedures with their protocols and aftercare rules.

`install_defaults(clinic)` is idempotent: it adds only what is missing, matched by natural key.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from clinic.catalog.default_data import PROCEDURES, PRODUCTS
from clinic.catalog.models import (
    AftercareRule,
    ContraindicationRule,
    Procedure,
    Product,
    ProductTag,
    Protocol,
)
from clinic.catalog.rules import DEFAULT_RULES
from clinic.clinics.models import Clinic
from clinic.extensions import db


def _ensure_product(clinic: Clinic, spec: dict) -> Product:
    product = db.session.scalar(
        sa.select(Product).filter_by(clinic_id=clinic.id, brand=spec["brand"], name=spec["name"])
    )
    if product is not None:
        return product
    fields = {k: v for k, v in spec.items() if k != "tags"}
    for key in ("size_ml", "price", "ml_per_use"):
        if fields.get(key) is not None:
            fields[key] = Decimal(fields[key])
    product = Product(clinic_id=clinic.id, **fields)
    product.tag_rows = [ProductTag(tag=tag) for tag in spec["tags"]]
    db.session.add(product)
    return product


def _ensure_procedure(clinic: Clinic, spec: dict) -> Procedure:
    procedure = db.session.scalar(sa.select(Procedure).filter_by(clinic_id=clinic.id, code=spec["code"]))
    if procedure is not None:
        return procedure
    procedure = Procedure(
        clinic_id=clinic.id,
        code=spec["code"],
        name=spec["name"],
        kind=spec["kind"],
        duration_minutes=spec["duration_minutes"],
    )
    procedure.aftercare_rules = [AftercareRule(position=i, **rule) for i, rule in enumerate(spec["aftercare"])]
    db.session.add(procedure)
    db.session.flush()
    for protocol in [spec["protocol"], *spec.get("more_protocols", [])]:
        db.session.add(Protocol(clinic_id=clinic.id, procedure_id=procedure.id, **protocol))
    return procedure


def install_contraindication_rules(clinic: Clinic) -> None:
    """Add the default contraindication rules (DOMAIN.md) the clinic does not have yet."""
    have = set(
        db.session.scalars(sa.select(ContraindicationRule.code).where(ContraindicationRule.clinic_id == clinic.id))
    )
    for position, (code, label, severity, months, days, threshold) in enumerate(DEFAULT_RULES):
        if code not in have:
            db.session.add(
                ContraindicationRule(
                    clinic_id=clinic.id,
                    code=code,
                    label=label,
                    severity=severity,
                    position=position,
                    window_months=months,
                    window_days=days,
                    threshold=threshold,
                )
            )


def install_defaults(clinic: Clinic) -> None:
    """Add the default products, procedures, protocols, aftercare and contraindication rules the clinic
    does not have yet."""
    for spec in PRODUCTS:
        _ensure_product(clinic, spec)
    for spec in PROCEDURES:
        _ensure_procedure(clinic, spec)
    install_contraindication_rules(clinic)
    db.session.flush()
    for installer in _more_defaults:
        installer(clinic)
    db.session.flush()


#: Features above the catalog that seed their own defaults for a clinic (consents: the consent forms for the
#: procedures just installed) register here, so `install_defaults` sets up a whole clinic in one call.
_more_defaults: list[Callable[[Clinic], None]] = []


def register_defaults(installer: Callable[[Clinic], None]) -> None:
    if installer not in _more_defaults:
        _more_defaults.append(installer)
