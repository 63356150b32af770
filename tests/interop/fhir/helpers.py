"""Checking FHIR output with fhir.resources: parse, validate, round-trip."""

from __future__ import annotations

import json

from fhir.resources.R4B import get_fhir_model_class


def validate(resource: dict):
    """Parse a resource dict with its R4B model (raises on anything invalid) and check the round trip: parsing the
    JSON back and dumping it again changes nothing."""
    model = get_fhir_model_class(resource["resourceType"])
    parsed = model.model_validate(resource)
    dumped = parsed.model_dump_json()
    assert json.loads(dumped) == resource, f"{resource['resourceType']}/{resource.get('id')} changed in a round trip"
    assert model.model_validate_json(dumped).model_dump_json() == dumped
    return parsed


def references(resource: dict) -> set[str]:
    """Every `reference` anywhere in a resource."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("reference"), str):
                found.add(value["reference"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(resource)
    return found
