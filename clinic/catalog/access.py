"""Scoped lookups for catalog rows: another clinic's product, lot, procedure or rule is not found (404)."""

from __future__ import annotations

from typing import TypeVar

from clinic.access import scoped_get
from clinic.catalog.models import AftercareRule, Protocol

M = TypeVar("M")


def get_catalog_row(model: type[M], object_id: int) -> M:
    """A product, lot, procedure, protocol, rule or aftercare rule of the user's clinic, else 404."""
    if model is AftercareRule:
        return scoped_get(AftercareRule, object_id, via=AftercareRule.procedure)
    return scoped_get(model, object_id)


def get_protocol(protocol_id: int) -> Protocol:
    return scoped_get(Protocol, protocol_id)
